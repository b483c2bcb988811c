package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.PipelineRunner;
import io.qmailfleet.job.testutil.Schemas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run: Main.run over the bundled sample (samples/fleet: host mail's qmail-send
 * multilog files and its tcpserver log) writes JSON lines that follow the schemas in schemas/.
 */
class EmbeddedRunTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static final ObjectMapper JSON = new ObjectMapper();

    static List<String> lines(Path folder) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(folder)) return out;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.sorted().toList()) {
                assertFalse(f.getFileName().toString().startsWith("."), "no in-progress file left: " + f);
                out.addAll(Files.readAllLines(f));
            }
        }
        return out;
    }

    private static void assertValid(String schemaFile, List<String> lines) {
        JsonSchema schema = Schemas.load(schemaFile);
        for (String l : lines) assertEquals(java.util.Set.of(), Schemas.validate(schema, l), l);
    }

    @Test
    void bundledSampleRunsEndToEndAndOutputsFollowTheSchemas(@TempDir Path out) throws Exception {
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {
                "--input", Capture.repo().resolve(JobConfig.DEFAULT_SAMPLE).toString(),
                "--output", out.toString(), "--stuck-after", "60s"}));
        JobExecutionResult r = Main.run(cfg);

        Map<String, Object> acc = r.getAllAccumulatorResults();
        long read = ((Number) acc.get("lines-read")).longValue();
        long parsed = ((Number) acc.get("lines-parsed")).longValue();
        long dead = ((Number) acc.get("lines-dead-lettered")).longValue();
        assertEquals(4526 + 21, read, "every line of the sample's qmail-send and tcpserver logs");
        assertEquals(read, parsed + dead, "every line is parsed or dead-lettered");
        assertEquals(0, dead);

        List<String> lifecycles = lines(out.resolve("lifecycles"));
        List<String> events = lines(out.resolve("events"));
        List<String> alerts = lines(out.resolve("message-alerts"));
        assertEquals(539, lifecycles.size());
        assertEquals(read, events.size());
        assertEquals(List.of(), lines(out.resolve("dead-letters")));
        assertEquals(((Number) acc.get("out-lifecycles")).longValue(), lifecycles.size());
        assertValid("lifecycle.schema.json", lifecycles);
        assertValid("event.schema.json", events);
        assertValid("message-alert.schema.json", alerts);

        // the queue-lifetime messages of run 2 stayed longer than 60 s: stuck, then resolved
        long stuck = alerts.stream().filter(a -> a.contains("\"kind\":\"stuck_message\"")).count();
        long resolved = alerts.stream().filter(a -> a.contains("\"kind\":\"stuck_resolved\"")).count();
        assertTrue(stuck > 0, "some messages of the capture were queued for minutes");
        assertEquals(stuck, resolved, "every stuck message of the capture ended");
        for (String l : lifecycles) {
            JsonNode n = JSON.readTree(l);
            assertEquals("mail", n.get("host").asText());
            assertEquals("complete", n.get("status").asText());
        }
    }

    @Test
    void compressedRotatedFilesAreReadInOrder(@TempDir Path dir) throws Exception {
        // host mx7's multilog directory with its rotated files gzipped, plus the live current, and
        // multilog's own lock/state files, which are no logs
        Path host = Files.createDirectories(dir.resolve("in").resolve("mx7"));
        try (Stream<Path> files = Files.list(Capture.multilogDir())) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.equals("current")) {
                    Files.copy(f, host.resolve(name));
                } else {
                    try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(host.resolve(name + ".gz")))) {
                        Files.copy(f, out);
                    }
                }
            }
        }
        Files.write(host.resolve("lock"), new byte[0]);
        Files.write(host.resolve("state"), new byte[] {0, 0, 0, 0});
        Path out = dir.resolve("out");
        JobExecutionResult r = Main.run(JobConfig.from(CliArgs.parse(new String[] {
                "--input", dir.resolve("in").toString(), "--output", out.toString(), "--events", "false"})));
        Map<String, Object> acc = r.getAllAccumulatorResults();
        assertEquals(4526L, ((Number) acc.get("lines-read")).longValue());
        assertEquals(0L, ((Number) acc.get("lines-dead-lettered")).longValue());
        List<String> lifecycles = lines(out.resolve("lifecycles"));
        assertEquals(539, lifecycles.size());
        for (String l : lifecycles) {
            JsonNode n = JSON.readTree(l);
            assertEquals("mx7", n.get("host").asText());
            assertEquals("complete", n.get("status").asText());
        }
        assertEquals(List.of(), lines(out.resolve("late")));
    }

    @Test
    void badInputIsDeadLetteredNotFatal(@TempDir Path dir) throws Exception {
        Path in = Files.createDirectories(dir.resolve("in").resolve("mx1"));
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        for (String l : List.of(
                "@400000006b05f01d368b8a04 new msg 1459593",
                "",
                "@400000006b05f01d368c39cc info msg 1459593: bytes",
                "\u0000\u0001\u0002binary",
                "@400000006b05f01d369b0ac4 something qmail never wrote")) {
            file.writeBytes((l + "\n").getBytes(StandardCharsets.UTF_8));
        }
        // bytes that are no UTF-8 at all, and a 1 MB line
        file.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28, '\n'});
        file.writeBytes(("@400000006b05f01d369b0ac5 delivery 1: success: " + "X".repeat(1 << 20) + "\n").getBytes(StandardCharsets.UTF_8));
        file.writeBytes("@400000006b05f01d369c201c end msg 1459593\n".getBytes(StandardCharsets.UTF_8));
        Files.write(in.resolve("current"), file.toByteArray());
        Path out = dir.resolve("out");
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {"--input", dir.resolve("in").toString(), "--output", out.toString()}));
        JobExecutionResult r = Main.run(cfg);
        Map<String, Object> acc = r.getAllAccumulatorResults();
        assertEquals(8L, ((Number) acc.get("lines-read")).longValue());
        assertEquals(2L, ((Number) acc.get("lines-parsed")).longValue());
        assertEquals(6L, ((Number) acc.get("lines-dead-lettered")).longValue());
        List<String> dead = lines(out.resolve("dead-letters"));
        assertEquals(6, dead.size());
        assertValid("dead-letter.schema.json", dead);
        java.util.Map<String, Long> reasons = new java.util.TreeMap<>();
        for (String d : dead) reasons.merge(JSON.readTree(d).get("reason").asText(), 1L, Long::sum);
        assertEquals(java.util.Map.of("EMPTY", 1L, "TRUNCATED", 1L, "BINARY", 2L, "UNRECOGNISED", 1L, "TOO_LONG", 1L), reasons);
        for (String d : dead) {
            JsonNode n = JSON.readTree(d);
            assertTrue(n.get("origin").asText().endsWith("/mx1/current"), d.substring(0, Math.min(d.length(), 300)));
            assertTrue(n.get("position").asLong() >= 2 && n.get("position").asLong() <= 7, "1-based line number");
            assertTrue(n.get("raw").asText().length() <= 2048, "raw text is bounded");
        }
        List<String> lifecycles = lines(out.resolve("lifecycles"));
        assertEquals(1, lifecycles.size());
        JsonNode l = JSON.readTree(lifecycles.get(0));
        assertEquals("mx1", l.get("host").asText(), "host from the directory under the input");
        assertEquals(1459593, l.get("msg_id").asLong());
    }
}
