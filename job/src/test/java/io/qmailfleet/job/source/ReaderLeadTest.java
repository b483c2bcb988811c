package io.qmailfleet.job.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.Tai64n;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkAlignmentParams;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.SourceTransformation;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backfill of several hosts' files reads each host with a reader of its own, and a reader whose
 * watermark runs more than {@code --reader-lead} (log time) ahead of the slowest one waits
 * (Flink's watermark alignment), so that what a host ahead sends does not pile up downstream
 * waiting for the watermark.
 */
class ReaderLeadTest {

    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static JobConfig cfg(String... args) {
        return JobConfig.from(CliArgs.parse(args));
    }

    /** The sources of a backfill's readers. */
    private static List<SourceTransformation<?, ?, ?>> sources(List<DataStream<RawLine>> readers) {
        List<SourceTransformation<?, ?, ?>> out = new ArrayList<>();
        for (DataStream<RawLine> in : readers) out.add((SourceTransformation<?, ?, ?>) in.getTransformation());
        return out;
    }

    @Test
    void eachReaderOfABackfillOfSeveralHostsWaitsWhenItIsTheLeadAheadOfTheSlowest(@TempDir Path dir) {
        Capture.multilogAsHosts(dir, "mx1", "mx2", "mx3");
        JobConfig dflt = cfg("--quiet", "--input", dir.toString());
        assertEquals(Duration.ofHours(2), dflt.readerLead);
        JobConfig given = cfg("--quiet", "--input", dir.toString(), "--reader-lead", "30m");
        List<SourceTransformation<?, ?, ?>> readers = sources(FileLines.readers(PipelineRunner.env(2), given));
        assertEquals(3, readers.size());
        for (SourceTransformation<?, ?, ?> r : readers) {
            WatermarkAlignmentParams a = r.getWatermarkStrategy().getAlignmentParameters();
            assertTrue(a.isEnabled(), r.getName());
            assertEquals(FileLines.ALIGNMENT_GROUP, a.getWatermarkGroup());
            assertEquals(Duration.ofMinutes(30).toMillis(), a.getMaxAllowedWatermarkDrift());
            assertEquals(FileLines.ALIGNMENT_UPDATE.toMillis(), a.getUpdateInterval());
        }
        // one host's files: one reader, nothing to align with
        List<SourceTransformation<?, ?, ?>> one = sources(FileLines.readers(PipelineRunner.env(2),
                cfg("--quiet", "--input", dir.resolve("mx1").toString())));
        assertEquals(1, one.size());
        assertFalse(one.get(0).getWatermarkStrategy().getAlignmentParameters().isEnabled());
        // a cluster whose task managers cannot pause a file reader as a whole: not aligned (the
        // first pause would fail the job)
        StreamExecutionEnvironment plain = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        for (SourceTransformation<?, ?, ?> r : sources(FileLines.readers(plain, given))) {
            assertFalse(r.getWatermarkStrategy().getAlignmentParameters().isEnabled(), r.getName());
        }
    }

    @Test
    void theReaderPerHostLeadBoundIsCheckedOnTheCommandLine() {
        for (String bad : new String[] {"0s", "-1h"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cfg("--reader-lead", bad));
            assertTrue(e.getMessage().contains("--reader-lead"), e.getMessage());
        }
    }

    /**
     * Writes {@code copies} copies of the capture's qmail-send log one after the other in log time
     * (each shifted by the capture's span), and all of it by {@code offset}, as host {@code host}'s
     * one file; returns its line count.
     */
    private static int replay(Path dir, String host, int copies, Duration offset) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path f : Capture.multilogFiles()) lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
        long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
        for (String l : lines) {
            long t = Tai64n.epochNanos(l, 1);
            first = Math.min(first, t);
            last = Math.max(last, t);
        }
        long span = last - first + 1_000_000_000L;
        Path send = Files.createDirectories(dir.resolve(host));
        try (BufferedWriter w = Files.newBufferedWriter(send.resolve("current"), StandardCharsets.UTF_8)) {
            for (int k = 0; k < copies; k++) {
                for (String l : lines) {
                    w.write(Tai64n.label(Tai64n.epochNanos(l, 1) + k * span + offset.toNanos()));
                    w.write(l, Tai64n.HEX_DIGITS + 1, l.length() - Tai64n.HEX_DIGITS - 1);
                    w.write('\n');
                }
            }
        }
        return copies * lines.size();
    }

    /** The hosts of the lines in the order they reach one task behind the readers' join. */
    private static List<String> arrivals(Path dir, String lead) throws Exception {
        JobConfig c = cfg("--quiet", "--input", dir.toString(), "--reader-lead", lead);
        StreamExecutionEnvironment env = PipelineRunner.env(1);
        List<String> hosts = new ArrayList<>();
        List<DataStream<RawLine>> readers = FileLines.readers(env, c);
        DataStream<RawLine> all = readers.get(0);
        for (DataStream<RawLine> r : readers.subList(1, readers.size())) all = all.union(r);
        try (var it = all.map(l -> l.host).returns(Types.STRING).setParallelism(1).executeAndCollect()) {
            it.forEachRemaining(hosts::add);
        }
        return hosts;
    }

    /**
     * How many of {@code host}'s lines reached the task while the last quarter of {@code other}'s
     * lines did (between its line at three quarters and its last line).
     */
    private static int duringLastQuarter(List<String> arrivals, String host, String other, int otherLines) {
        int seen = 0, from = -1;
        for (int i = 0; i < arrivals.size() && from < 0; i++) {
            if (arrivals.get(i).equals(other) && ++seen == otherLines * 3 / 4) from = i;
        }
        int to = arrivals.lastIndexOf(other);
        int n = 0;
        for (int i = from; i < to; i++) if (arrivals.get(i).equals(host)) n++;
        return n;
    }

    /**
     * Host {@code ahead} logged the same as host {@code behind}, but its clock is three days ahead
     * (its whole log is later than all of the other's). Within the lead its reader waits, from the
     * first comparisons of the readers' watermarks on, until the host behind has been read: none of
     * its lines come while the last quarter of the other host's do (what the first fraction of a
     * second read before the readers were compared has long arrived by then; a network buffer's
     * worth of slack). With a lead longer than the skew both readers read side by side, and the
     * host ahead's lines come among the other's.
     */
    @Test
    void aHostWhoseClockIsDaysAheadIsReadAfterTheOthersHaveCaughtUp(@TempDir Path dir) throws Exception {
        int lines = replay(dir, "behind", 100, Duration.ZERO);
        assertEquals(lines, replay(dir, "ahead", 100, Duration.ofDays(3)));

        List<String> aligned = arrivals(dir, "2h");
        assertEquals(2 * lines, aligned.size(), "every line is read");
        int among = duringLastQuarter(aligned, "ahead", "behind", lines);
        assertTrue(among <= lines / 100, among + " lines of the host ahead came during the last quarter of the other's");
        assertEquals("ahead", aligned.get(aligned.size() - 1), "the host ahead is read last");

        List<String> sideBySide = arrivals(dir, "30d");
        assertEquals(2 * lines, sideBySide.size());
        int together = duringLastQuarter(sideBySide, "ahead", "behind", lines);
        assertTrue(together > lines / 100, "without the bound the host ahead is read among the other: " + together);
    }
}
