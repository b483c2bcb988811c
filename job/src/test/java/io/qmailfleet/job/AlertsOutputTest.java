package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.Schemas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded job's {@code alerts/} folder (the paging stream) over the bundled sample: valid page events, the three
 * {@code alert:} lines paging critical; alerts still firing when the input ends are listed in
 * summary.json.
 */
class AlertsOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<String> lines(Path dir) throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) if (!l.isBlank()) out.add(l);
            }
        }
        return out;
    }

    private static JobExecutionResult run(Path out, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--input", Capture.repo().resolve(JobConfig.DEFAULT_SAMPLE).toString(),
                "--output", out.toString(), "--events", "false"));
        args.addAll(List.of(extra));
        return Main.run(JobConfig.from(CliArgs.parse(args.toArray(new String[0]))));
    }

    @Test
    void theSamplesAlertLinesPageCriticalAndEachIsResolved(@TempDir Path out) throws Exception {
        JobExecutionResult r = run(out);
        List<String> pages = lines(out.resolve("alerts"));
        JsonSchema schema = Schemas.load("page-event.schema.json");
        for (String p : pages) assertEquals(Set.of(), Schemas.validate(schema, p), p);
        assertEquals(6, pages.size(), pages.toString());
        assertEquals(((Number) r.getAllAccumulatorResults().get("out-alerts")).longValue(), pages.size());
        long criticalTriggers = 0;
        for (String p : pages) {
            JsonNode n = JSON.readTree(p);
            assertEquals("qmail_alert", n.path("payload").path("class").asText());
            if (n.path("event_action").asText().equals("trigger")) {
                assertEquals("critical", n.path("payload").path("severity").asText());
                criticalTriggers++;
            }
        }
        assertEquals(3, criticalTriggers);
        assertTrue(RunSummary.json(r).contains("\"alerts-open\":[]"), RunSummary.json(r));
    }

    @Test
    void alertsStillFiringAtTheEndAreListedInTheSummary(@TempDir Path out) throws Exception {
        JobExecutionResult r = run(out, "--alert-resolve-after", "1h");
        assertEquals(3, lines(out.resolve("alerts")).size());
        JsonNode summary = JSON.readTree(RunSummary.json(r));
        assertEquals(List.of("qmail_alert:mail:oh-no-lost-spawn-connection-dying",
                        "qmail_alert:mail:unable-to-reread-control-locals",
                        "qmail_alert:mail:unable-to-reread-control-virtualdomains"),
                JSON.convertValue(summary.get("alerts-open"), List.class));
    }
}
