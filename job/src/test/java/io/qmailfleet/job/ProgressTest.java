package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qmailfleet.job.parse.ParseFunction;
import io.qmailfleet.job.parse.Tai64n;
import io.qmailfleet.job.source.ProgressProbe;
import io.qmailfleet.job.testutil.Capture;
import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress line, from a running job's accumulators (clock values given, so nothing is timed),
 * and those accumulators from a backfill of several hosts, whose readers each have a probe.
 */
class ProgressTest {
    private static long at(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    @Test
    void linesRateBytesEtaAndTheHostsFurthestBehindFirst() {
        Progress p = new Progress(new PrintStream(new ByteArrayOutputStream()), Duration.ofSeconds(2), 1_000_000);
        TreeMap<String, Long> hosts = new TreeMap<>(Map.of(
                "mx1", at("2026-11-24T20:06:39Z"), "mx2", at("2026-11-24T19:00:00Z"), "mx3", at("2026-11-24T21:00:00Z"),
                "mx4", at("2026-11-24T20:00:00Z"), "mx5", at("2026-11-24T22:00:00Z"), "mx6", at("2026-11-24T23:00:00Z")));
        String line = p.line(Map.of(ParseFunction.ACC_READ, 1000L, ProgressProbe.ACC_BYTES, 250_000L, ProgressProbe.ACC_HOSTS, hosts),
                2_000_000_000L);
        assertEquals("progress: 1000 lines, 500 lines/s, 0.3 of 1.0 MB (25%), ETA 6s; hosts at mx2 2026-11-24 19:00:00,"
                + " mx4 2026-11-24 20:00:00, mx1 2026-11-24 20:06:39, mx3 2026-11-24 21:00:00 and 2 more", line);
        // the rate is over the last interval; the ETA over the whole run
        String next = p.line(Map.of(ParseFunction.ACC_READ, 3000L, ProgressProbe.ACC_BYTES, 500_000L), 4_000_000_000L);
        assertEquals("progress: 3000 lines, 1000 lines/s, 0.5 of 1.0 MB (50%), ETA 4s", next);
    }

    @Test
    void unknownTotalShowsBytesWithoutEta() {
        Progress p = new Progress(new PrintStream(new ByteArrayOutputStream()), Duration.ofSeconds(5), -1);
        assertEquals("progress: 10 lines, 1 lines/s, 2.0 MB", p.line(Map.of(ParseFunction.ACC_READ, 10L,
                ProgressProbe.ACC_BYTES, 2_000_000L), 10_000_000_000L));
        assertEquals("1h05m", Progress.format(Duration.ofMinutes(65)));
        assertEquals("2m05s", Progress.format(Duration.ofSeconds(125)));
    }

    /**
     * Two hosts' files, a reader and a progress probe each: the bytes read and each host's newest
     * line are the sums and the union of the probes' (the accumulators are merged by name).
     */
    @Test
    @SuppressWarnings("unchecked")
    void theProbesOfABackfillsReadersAddUp(@TempDir Path dir) throws Exception {
        Path in = Capture.multilogAsHosts(dir.resolve("in"), "mx1", "mx2");
        long chars = 0;
        long lines = 0;
        long newest = Long.MIN_VALUE;
        for (Path f : Capture.multilogFiles()) {
            for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                lines++;
                chars += l.length() + 1;
                if (l.startsWith("@")) newest = Math.max(newest, Tai64n.epochNanos(l, 1) / 1_000_000L);
            }
        }
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {"--input", in.toString(), "--output",
                dir.resolve("out").toString(), "--events", "false", "--progress-interval", "1s"}));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        JobExecutionResult r = Main.run(cfg, new PrintStream(progress, true, StandardCharsets.UTF_8));
        Map<String, Object> acc = r.getAllAccumulatorResults();
        assertEquals(2 * chars, ((Number) acc.get(ProgressProbe.ACC_BYTES)).longValue());
        assertEquals(Map.of("mx1", newest, "mx2", newest), acc.get(ProgressProbe.ACC_HOSTS));
        assertEquals(2 * lines, ((Number) acc.get(ParseFunction.ACC_READ)).longValue());
    }
}
