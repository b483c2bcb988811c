package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.metrics.HostMetrics;
import io.qmailfleet.job.source.FileLines;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's per-host metrics through Flink's Prometheus reporter (flink-metrics-prometheus), scraped
 * by a real Prometheus server (Debian package prometheus) and queried back through its HTTP API;
 * and the Grafana dashboard ({@code deploy/prometheus/grafana-dashboard.json}): well-formed, and
 * every query of it accepted by that Prometheus and answered with data.
 *
 * <p>The job runs on a MiniCluster with the reporter configured as {@code --metrics-port} does for
 * an embedded run, over a continuously monitored directory (so it keeps running while Prometheus
 * scrapes): host {@code mx1} is the capture (4526 lines, with {@code --stuck-after 60s} for alerts)
 * and host {@code mx2} two lines that are dead-lettered.
 */
class PrometheusScrapeTest {
    private static final int REPORTER_PORT = freePort();

    @RegisterExtension
    static final MiniClusterExtension MINI = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(reporterConfig()).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "flink_taskmanager_job_task_operator_qmail_host_";
    /** Operator metrics without a host label. */
    private static final String OPERATOR_PREFIX = "flink_taskmanager_job_task_operator_";
    private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(120);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Configuration reporterConfig() {
        Configuration c = new Configuration();
        c.setString("metrics.reporter.prom.factory.class", Main.PROMETHEUS_REPORTER_FACTORY);
        c.setString("metrics.reporter.prom.port", String.valueOf(REPORTER_PORT));
        return c;
    }

    @Test
    void perHostMetricsReachPrometheusAndTheDashboardQueriesAnswer(@TempDir Path tmp) throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/prometheus")),
                "prometheus is missing: apt-get install prometheus (.ci/run installs it)");
        // the same option an embedded run takes
        JobConfig parsed = JobConfig.from(CliArgs.parse(new String[] {"--metrics-port", "9249-9259"}));
        assertEquals("9249-9259", parsed.metricsPort);

        Path logs = Files.createDirectories(tmp.resolve("logs"));
        Path mx1 = Files.createDirectories(logs.resolve("mx1/send"));
        for (Path f : Capture.multilogFiles()) Files.copy(f, mx1.resolve(f.getFileName()));
        Path mx2 = Files.createDirectories(logs.resolve("mx2/send"));
        Files.write(mx2.resolve("current"), List.of("this is no qmail line", "@4000000069c4a1f3zzzz broken stamp"),
                StandardCharsets.UTF_8);

        // --watch keeps the file source running, so the job is alive while Prometheus scrapes it
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {"--input", logs.toString(), "--stuck-after", "60s",
                "--watch", "1s"}));
        StreamExecutionEnvironment env = PipelineRunner.env(2);
        FleetPipeline.build(FileLines.readers(env, cfg), cfg, new CollectingSinks());
        JobClient job = env.executeAsync("metrics test");

        Process prometheus = null;
        Path promLog = tmp.resolve("prometheus.log");
        try {
            int promPort = freePort();
            Path promConfig = tmp.resolve("prometheus.yml");
            Files.writeString(promConfig, String.join("\n",
                    "global:",
                    "  scrape_interval: 1s",
                    "scrape_configs:",
                    "  - job_name: qmail-fleet-test",
                    "    static_configs:",
                    "      - targets: [\"127.0.0.1:" + REPORTER_PORT + "\"]",
                    ""));
            prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + promConfig,
                    "--storage.tsdb.path=" + tmp.resolve("prometheus-data"),
                    "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(promLog.toFile()).start();
            String api = "http://127.0.0.1:" + promPort + "/api/v1/query?query=";

            // lines read per host, as Prometheus scraped them: the whole capture for mx1
            String linesRead = "sum by (qmail_host) (" + PREFIX + HostMetrics.LINES_READ + ")";
            awaitValue(prometheus, promLog, api, linesRead, "mx1", 4526);
            awaitValue(prometheus, promLog, api, linesRead, "mx2", 2);
            JsonNode dead = query(api, "sum by (qmail_host, reason) (" + PREFIX + "reason_" + HostMetrics.LINES_DEAD_LETTERED + ")");
            Set<String> reasons = new HashSet<>();
            double deadTotal = 0;
            for (JsonNode r : dead) {
                assertEquals("mx2", r.at("/metric/qmail_host").asText(), r.toString());
                reasons.add(r.at("/metric/reason").asText());
                deadTotal += r.at("/value/1").asDouble();
            }
            assertEquals(2.0, deadTotal, dead.toString());
            assertTrue(reasons.stream().allMatch(s -> !s.isEmpty()), dead.toString());

            // the log clock of mx1 is the capture's last line (2026-11-24), so its lag is large and positive
            JsonNode lag = query(api, "max by (qmail_host) (" + PREFIX + HostMetrics.LOG_LAG_MS + "{qmail_host=\"mx1\"})");
            assertEquals(1, lag.size(), lag.toString());
            assertTrue(lag.get(0).at("/value/1").asDouble() > 0, lag.toString());
            // alerts: --stuck-after 60s raises stuck_message alerts on the capture
            awaitNonEmpty(prometheus, promLog, api, "sum by (qmail_host, kind) (" + PREFIX + "kind_" + HostMetrics.ALERTS_RAISED
                    + "{qmail_host=\"mx1\",kind=\"stuck_message\"}) > 0");
            assertEquals(1, query(api, "sum by (qmail_host) (" + PREFIX + HostMetrics.STUCK_MESSAGES + "{qmail_host=\"mx1\"})").size());

            // the host stage: mx1's open messages (its dead-lettered lines never reach that stage, so mx2
            // keeps no state there) and the number of hosts it keeps state for
            awaitNonEmpty(prometheus, promLog, api, "sum by (qmail_host) (" + PREFIX + HostMetrics.OPEN_MESSAGES
                    + "{qmail_host=\"mx1\"}) >= 0");
            assertEquals(0, query(api, PREFIX + HostMetrics.OPEN_MESSAGES + "{qmail_host=\"mx2\"}").size());
            awaitNonEmpty(prometheus, promLog, api, "sum(" + OPERATOR_PREFIX + HostMetrics.HOSTS_WITH_STATE + ") == 1");

            // every query of the dashboard is valid PromQL over these metrics and has data
            JsonNode dashboard = JSON.readTree(Capture.repo().resolve("deploy/prometheus/grafana-dashboard.json").toFile());
            for (JsonNode panel : dashboard.get("panels")) {
                for (JsonNode target : panel.get("targets")) {
                    String expr = target.get("expr").asText()
                            .replace("$host", ".*").replace("$__rate_interval", "1m").replace("$__range", "1h");
                    if (panel.get("title").asText().startsWith("Hung deliveries")) {
                        // the capture has no hung delivery: no series yet, but a valid query
                        query(api, expr);
                        continue;
                    }
                    awaitNonEmpty(prometheus, promLog, api, expr);
                }
            }
        } finally {
            job.cancel().get();
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) prometheus.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void grafanaDashboardIsWellFormedAndUsesTheJobsMetrics() throws Exception {
        JsonNode d = JSON.readTree(Capture.repo().resolve("deploy/prometheus/grafana-dashboard.json").toFile());
        assertEquals("qmail-fleet", d.get("uid").asText());
        assertTrue(d.get("schemaVersion").asInt() >= 36, "a current Grafana dashboard schema");
        assertTrue(d.get("title").asText().length() > 0);
        Set<String> variables = new HashSet<>();
        for (JsonNode v : d.at("/templating/list")) variables.add(v.get("name").asText());
        assertEquals(Set.of("datasource", "host"), variables);

        Set<Integer> ids = new HashSet<>();
        Set<String> used = new HashSet<>();
        Pattern metric = Pattern.compile(Pattern.quote(PREFIX) + "(?:reason_|kind_)?([A-Za-z]+)");
        Pattern jobWide = Pattern.compile(Pattern.quote(OPERATOR_PREFIX) + "(" + HostMetrics.HOSTS_WITH_STATE + ")\\b");
        List<String> titles = new ArrayList<>();
        for (JsonNode p : d.get("panels")) {
            assertTrue(ids.add(p.get("id").asInt()), "unique panel id " + p.get("id"));
            titles.add(p.get("title").asText());
            assertEquals("timeseries", p.get("type").asText());
            for (String k : List.of("x", "y", "w", "h")) assertTrue(p.at("/gridPos/" + k).isInt(), "gridPos." + k);
            assertTrue(p.at("/gridPos/x").asInt() + p.at("/gridPos/w").asInt() <= 24, "within the 24 columns");
            assertEquals("${datasource}", p.at("/datasource/uid").asText());
            assertTrue(p.get("targets").size() > 0);
            for (JsonNode t : p.get("targets")) {
                String expr = t.get("expr").asText();
                Matcher w = jobWide.matcher(expr);
                if (w.find()) { // a job-wide metric: no host label to filter by
                    used.add(w.group(1));
                    assertTrue(t.get("refId").asText().length() > 0);
                    continue;
                }
                assertTrue(expr.contains("qmail_host=~\"$host\""), "filtered by the host variable: " + expr);
                Matcher m = metric.matcher(expr);
                assertTrue(m.find(), "a job metric in " + expr);
                used.add(m.group(1));
                assertTrue(t.get("refId").asText().length() > 0);
            }
        }
        assertEquals(Set.of(HostMetrics.LINES_READ, HostMetrics.LINES_DEAD_LETTERED, HostMetrics.LOG_LAG_MS,
                HostMetrics.STUCK_MESSAGES, HostMetrics.HUNG_DELIVERIES, HostMetrics.ALERTS_RAISED,
                HostMetrics.OPEN_MESSAGES, HostMetrics.HOSTS_WITH_STATE), used, titles.toString());
    }

    // =============================================================================================

    private static JsonNode query(String api, String promql) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode n = JSON.readTree(r.body());
        assertEquals("success", n.path("status").asText(), promql + " -> " + r.body());
        return n.at("/data/result");
    }

    /** Polls until Prometheus answers the query with a series of {@code host} equal to {@code expected}. */
    private static void awaitValue(Process prometheus, Path log, String api, String promql, String host, double expected)
            throws Exception {
        long deadline = System.nanoTime() + SCRAPE_TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            alive(prometheus, log);
            try {
                JsonNode result = query(api, promql);
                last = result.toString();
                for (JsonNode r : result) {
                    if (host.equals(r.at("/metric/qmail_host").asText()) && r.at("/value/1").asDouble() == expected) return;
                }
            } catch (IOException notUpYet) {
                last = notUpYet.toString();
            }
            Thread.sleep(500);
        }
        fail(promql + " for host " + host + " never became " + expected + "; last answer " + last + "\n" + Files.readString(log));
    }

    private static void awaitNonEmpty(Process prometheus, Path log, String api, String promql) throws Exception {
        long deadline = System.nanoTime() + SCRAPE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            alive(prometheus, log);
            if (query(api, promql).size() > 0) return;
            Thread.sleep(500);
        }
        fail("no data for " + promql);
    }

    private static void alive(Process p, Path log) throws IOException {
        if (!p.isAlive()) fail("prometheus exited with " + p.exitValue() + ":\n" + Files.readString(log));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
