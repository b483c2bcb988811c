package io.qmailfleet.job.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarder against a real Prometheus Alertmanager (Debian's {@code prometheus-alertmanager},
 * started here on 127.0.0.1 with a temporary config and storage): the real capture's pages are
 * read back from its API v2, firing, then gone once resolved.
 */
class AlertmanagerForwardTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @TempDir
    static Path tmp;
    static Process alertmanager;
    static String base;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    static Path binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : List.of("prometheus-alertmanager", "alertmanager")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        throw new AssertionError("prometheus-alertmanager is not installed (apt-get install -y prometheus-alertmanager;"
                + " .ci/run installs it)");
    }

    @BeforeAll
    static void startAlertmanager() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path cfg = tmp.resolve("alertmanager.yml");
        Files.writeString(cfg, "route:\n  receiver: blackhole\nreceivers:\n- name: blackhole\n");
        base = "http://127.0.0.1:" + port;
        alertmanager = new ProcessBuilder(binary().toString(), "--config.file=" + cfg,
                "--storage.path=" + tmp.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("alertmanager.log").toFile()).start();
        for (int i = 0; ; i++) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) break;
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            if (!alertmanager.isAlive() || i > 600) {
                throw new AssertionError("alertmanager did not start: " + Files.readString(tmp.resolve("alertmanager.log")));
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stopAlertmanager() throws Exception {
        if (alertmanager != null) {
            alertmanager.destroy();
            alertmanager.waitFor();
        }
    }

    static JsonNode alerts() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v2/alerts")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static int forward(Path pages) throws Exception {
        var err = new ByteArrayOutputStream();
        int rc = AlertForwarder.run(new String[] {"--input", pages.toString(), "--alertmanager", base},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString());
        return rc;
    }

    @Test
    void theCapturesAlertsFireInAlertmanagerAndAreResolved() throws Exception {
        JobConfig cfg = Fleet.config("--input", Capture.multilogDir().toString(), "--host", "mail");
        List<PageEvent> pages = Fleet.runFiles(cfg, 2).pages();
        Path triggers = tmp.resolve("triggers.jsonl");
        Path resolves = tmp.resolve("resolves.jsonl");
        Files.writeString(triggers, pages.stream().filter(p -> p.eventAction.equals(PageEvent.TRIGGER))
                .map(PageJson::page).collect(Collectors.joining("\n", "", "\n")));
        Files.writeString(resolves, pages.stream().filter(p -> p.eventAction.equals(PageEvent.RESOLVE))
                .map(PageJson::page).collect(Collectors.joining("\n", "", "\n")));

        forward(triggers);
        Map<String, JsonNode> firing = new TreeMap<>();
        for (JsonNode a : alerts()) firing.put(a.path("labels").path("kind").asText(), a);
        assertEquals(List.of("oh-no-lost-spawn-connection-dying", "unable-to-reread-control-locals",
                "unable-to-reread-control-virtualdomains"), List.copyOf(firing.keySet()));
        for (JsonNode a : firing.values()) {
            assertEquals("active", a.path("status").path("state").asText());
            assertEquals("qmail_alert", a.path("labels").path("alertname").asText());
            assertEquals("mail", a.path("labels").path("host").asText());
            assertEquals("critical", a.path("labels").path("severity").asText());
            assertTrue(a.path("annotations").path("summary").asText().startsWith("mail: qmail-send alert: "));
            assertTrue(a.path("startsAt").asText().startsWith("2026-11-24T20:"), a.toString());
        }
        JsonNode locals = firing.get("unable-to-reread-control-locals");
        assertEquals("qmail_alert:mail:unable-to-reread-control-locals", locals.path("annotations").path("dedup_key").asText());
        assertEquals("2026-11-24T20:15:36.148Z", locals.path("startsAt").asText());

        // sent again while active (as Alertmanager expects): the same alerts, still firing from the same start
        AlertmanagerClient again = new AlertmanagerClient(base, new HttpPoster(3, java.time.Duration.ofMillis(10)));
        for (String line : Files.readAllLines(triggers)) assertTrue(again.send(PageJson.read(line)).ok());
        assertEquals(3, again.activeCount());
        assertTrue(again.resendActive().ok());
        assertEquals(3, alerts().size());
        assertEquals("2026-11-24T20:15:36.148Z", alerts().findValues("startsAt").stream().map(JsonNode::asText)
                .sorted().findFirst().orElseThrow());

        forward(resolves);
        assertEquals(0, alerts().size(), alerts().toString());
    }
}
