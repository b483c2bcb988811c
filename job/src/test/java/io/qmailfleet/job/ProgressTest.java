package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qmailfleet.job.parse.ParseFunction;
import io.qmailfleet.job.source.ProgressProbe;
import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The progress line, from a running job's accumulators (clock values given, so nothing is timed). */
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
}
