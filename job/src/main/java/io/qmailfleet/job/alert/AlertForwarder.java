package io.qmailfleet.job.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmailfleet.job.CliArgs;
import org.apache.flink.util.TimeUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The small consumer command that forwards the job's paging stream (the {@code alerts} output) to
 * on-call tools: Prometheus Alertmanager and/or PagerDuty Events v2. Reads the {@code alerts/}
 * folder of a file run (all committed part files, in log-time order; {@code --follow} keeps polling
 * it for new files; {@link #DEFAULT_INPUT} by default) or JSON lines on stdin ({@code --input -},
 * e.g. from a Kafka console consumer of the {@code <prefix>alerts} topic).
 *
 * <p>A line that is not a page is reported on stderr with its position and reason and counted; an
 * event PagerDuty or Alertmanager refuses (400) is reported and not retried; 429, 5xx and connection
 * errors are retried with back-off.
 */
public final class AlertForwarder {
    /** The paging stream of a file run with the default {@code --output}: {@code out/alerts}. */
    public static final String DEFAULT_INPUT =
            io.qmailfleet.job.JobOptions.DEFAULT_OUTPUT + "/" + io.qmailfleet.job.sink.Outputs.ALERTS.name();

    static final String USAGE = String.join("\n",
            "forward pages to Alertmanager and/or PagerDuty",
            "  --input DIR|FILE|-                 the job's alerts/ folder, one file, or stdin (-) (default " + DEFAULT_INPUT + ")",
            "  --alertmanager URL                 e.g. http://127.0.0.1:9093",
            "  --pagerduty true                   send to PagerDuty Events v2",
            "  --pagerduty-url URL                (default " + PagerDutyClient.DEFAULT_URL + ")",
            "  --pagerduty-routing-key-env NAME   (default " + PagerDutyClient.DEFAULT_KEY_ENV + ")",
            "  --pagerduty-routing-key-file FILE  read the routing key from this file instead",
            "  --follow true                      keep polling the folder; re-send active alerts to Alertmanager",
            "  --resend-interval DUR              (default 1m)",
            "  --retries N                        tries per event on 429/5xx/connection errors (default 5)",
            "  --retry-backoff DUR                first back-off, doubled each try (default 1s)");

    private final AlertmanagerClient alertmanager;
    private final PagerDutyClient pagerDuty;
    private final PrintStream err;
    long forwarded;
    long badLines;
    long refused;

    AlertForwarder(AlertmanagerClient alertmanager, PagerDutyClient pagerDuty, PrintStream err) {
        this.alertmanager = alertmanager;
        this.pagerDuty = pagerDuty;
        this.err = err;
    }

    public static void main(String[] args) throws Exception {
        int rc;
        try {
            rc = run(args, System.out, System.err);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            rc = 2;
        }
        System.exit(rc);
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        CliArgs a = CliArgs.parse(args);
        if (a.has("help")) {
            out.println(USAGE);
            return 0;
        }
        String pages = a.get("input", DEFAULT_INPUT);
        HttpPoster poster = new HttpPoster(Integer.parseInt(a.get("retries", "5")),
                TimeUtils.parseDuration(a.get("retry-backoff", "1s")));
        AlertmanagerClient am = a.has("alertmanager") ? new AlertmanagerClient(a.get("alertmanager", null), poster) : null;
        PagerDutyClient pd = Boolean.parseBoolean(a.get("pagerduty", "false"))
                ? new PagerDutyClient(a.get("pagerduty-url", PagerDutyClient.DEFAULT_URL),
                        PagerDutyClient.routingKey(a.get("pagerduty-routing-key-file", null),
                                a.get("pagerduty-routing-key-env", PagerDutyClient.DEFAULT_KEY_ENV)), poster)
                : null;
        if (am == null && pd == null) throw new IllegalArgumentException("give --alertmanager URL and/or --pagerduty true");
        AlertForwarder f = new AlertForwarder(am, pd, err);
        if (pages.equals("-")) {
            BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            long n = 0;
            while ((line = r.readLine()) != null) f.forwardLine("stdin:" + (++n), line);
        } else {
            boolean follow = Boolean.parseBoolean(a.get("follow", "false"));
            Duration every = TimeUtils.parseDuration(a.get("resend-interval", "1m"));
            Set<Path> done = new HashSet<>();
            do {
                f.forwardFiles(Path.of(pages), done);
                if (follow) {
                    Thread.sleep(every.toMillis());
                    if (am != null) f.report("re-send", am.resendActive());
                }
            } while (follow);
        }
        out.printf("forwarded %d page events; %d refused, %d unreadable lines%n", f.forwarded, f.refused, f.badLines);
        return f.refused + f.badLines == 0 ? 0 : 1;
    }

    /** A parsed page and where it came from. */
    private static final class Line {
        final String where;
        final JsonNode page;
        final Instant ts;

        Line(String where, JsonNode page) {
            this.where = where;
            this.page = page;
            this.ts = Instant.parse(page.path("payload").path("timestamp").asText());
        }
    }

    /** Forwards the committed files under {@code dir} not in {@code done}, all their lines in log-time order. */
    void forwardFiles(Path dir, Set<Path> done) throws IOException, InterruptedException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(Files::isRegularFile)
                        .filter(p -> !p.getFileName().toString().startsWith(".")) // in-progress part files
                        .sorted().forEach(files::add);
            }
        } else {
            files.add(dir);
        }
        List<Line> lines = new ArrayList<>();
        for (Path p : files) {
            if (!done.add(p)) continue;
            List<String> text = Files.readAllLines(p, StandardCharsets.UTF_8);
            for (int i = 0; i < text.size(); i++) {
                Line l = parse(p + ":" + (i + 1), text.get(i));
                if (l != null) lines.add(l);
            }
        }
        // stable: a key's trigger precedes its resolve at the same instant (one file keeps their order)
        lines.sort(Comparator.comparing((Line l) -> l.ts));
        for (Line l : lines) forward(l);
    }

    void forwardLine(String where, String text) throws InterruptedException {
        Line l = parse(where, text);
        if (l != null) forward(l);
    }

    private Line parse(String where, String text) {
        if (text.isBlank()) return null;
        try {
            return new Line(where, PageJson.read(text));
        } catch (IllegalArgumentException e) {
            badLines++;
            err.println("error: " + where + ": not a page event: " + e.getMessage());
            return null;
        }
    }

    private void forward(Line l) throws InterruptedException {
        String dk = l.page.path("dedup_key").asText();
        String action = l.page.path("event_action").asText();
        if (pagerDuty != null) report(l.where + " " + action + " " + dk + " to PagerDuty", pagerDuty.send(l.page));
        if (alertmanager != null) report(l.where + " " + action + " " + dk + " to Alertmanager", alertmanager.send(l.page));
        forwarded++;
    }

    private void report(String what, HttpPoster.Result r) {
        if (r == null || r.ok()) return;
        refused++;
        err.println("error: " + what + " failed: " + r.error);
    }
}
