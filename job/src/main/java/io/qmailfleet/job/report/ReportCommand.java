package io.qmailfleet.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmailfleet.job.sink.OutputRecords;
import io.qmailfleet.job.CliArgs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code report}: a finished run's outputs as a text report on stdout (the sections of
 * qmailanalog's z* scripts, per host, alerts) and, with {@code --html FILE}, a self-contained HTML
 * page with charts (inline CSS, SVG and script; it loads nothing from the network).
 *
 * <pre>
 * report --output DIR [--html FILE] [--top N]
 * report --kafka-bootstrap SERVERS [--topic-prefix P] [--html FILE] [--top N]
 * </pre>
 */
public final class ReportCommand {
    static final String USAGE = String.join("\n",
            "report: a run's outputs as a readable report (text on stdout, optionally an HTML page with charts).",
            "  --output DIR     the run's output folder (default out): hosts/, senders/, domains/, lifecycles/ and the alert folders",
            "  --kafka-bootstrap SERVERS  read the output topics instead, from their earliest offsets to the end offsets",
            "                   at the start (read_committed; no consumer group, nothing committed)",
            "  --topic-prefix P the output topics' prefix (default qmail.)",
            "  --html FILE      also write a self-contained HTML page (inline CSS, SVG, script; no network needed to view it)",
            "  --top N          rows of the senders and domains tables (default 10)",
            "  --quiet          no text report on stdout (with --html)");
    private static final Set<String> KNOWN = Set.of("output", "html", "top", "quiet", "help", "kafka-bootstrap", "topic-prefix");

    private ReportCommand() {}

    /** Exit code: 0 written, 1 nothing to report, 2 bad arguments or unreadable output. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CliArgs a;
        int top;
        try {
            a = CliArgs.parse(args);
            for (String n : a.names()) if (!KNOWN.contains(n)) throw new IllegalArgumentException("unknown option --" + n);
            if (a.has("help")) {
                out.println(USAGE);
                return 0;
            }
            if (a.has("kafka-bootstrap") && a.has("output")) throw new IllegalArgumentException("give --output or --kafka-bootstrap, not both");
            top = Integer.parseInt(a.get("top", "10"));
            if (top < 1) throw new IllegalArgumentException("--top must be at least 1");
        } catch (NumberFormatException e) {
            err.println("error: --top takes a number: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        ReportData d;
        String source;
        if (a.has("kafka-bootstrap")) {
            String prefix = a.get("topic-prefix", "qmail.");
            source = "topics " + prefix + "* at " + a.get("kafka-bootstrap", "");
            try (KafkaRange k = new KafkaRange(a.get("kafka-bootstrap", ""), prefix, Duration.ofSeconds(60))) {
                d = ReportData.load(k);
            } catch (IOException | RuntimeException e) {
                err.println("error: cannot read the output topics " + prefix + "* at " + a.get("kafka-bootstrap", "") + ": " + e.getMessage());
                return 2;
            }
        } else {
            Path dir = Path.of(a.get("output", "out"));
            if (!Files.isDirectory(dir)) {
                err.println("error: --output " + dir + " is not a folder");
                return 2;
            }
            try {
                d = ReportData.load(output -> OutputRecords.read(dir.resolve(output)));
            } catch (IOException | RuntimeException e) {
                err.println("error: cannot read the outputs under " + dir + ": " + e.getMessage());
                return 2;
            }
            source = dir.toAbsolutePath().normalize().toString();
        }
        if (d.hosts.isEmpty() && d.lifecycles == 0) {
            err.println("error: nothing to report in " + source + " (no hosts aggregates and no life cycles; run the job with --stats true)");
            return 1;
        }
        if (!a.has("quiet")) out.print(Text.report(d, source, top));
        if (a.has("html")) {
            Path html = Path.of(a.get("html", "report.html"));
            try {
                Path parent = html.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                Files.writeString(html, Html.page(d, source, top), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("error: cannot write " + html + ": " + e.getMessage());
                return 2;
            }
            err.println("wrote " + html);
        }
        return 0;
    }
}
