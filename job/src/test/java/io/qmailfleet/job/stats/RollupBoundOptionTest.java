package io.qmailfleet.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.source.FileLines;
import io.qmailfleet.job.testutil.Capture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --stats-rollup-bound}: which inputs drop the fleet roll-up's windows by log time, and the
 * one-line errors for the inputs that cannot (a live run, a file backfill whose readers read one
 * host after another).
 */
class RollupBoundOptionTest {
    private static StatsConfig stats(String... args) {
        return StatsOptions.config(JobConfig.from(CliArgs.parse(args)));
    }

    private static String error(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> JobConfig.from(CliArgs.parse(args))).getMessage();
    }

    @Test
    void aFileBackfillWithAReaderPerHostDropsByLogTimeUnlessToldOtherwise(@TempDir Path dir) {
        Capture.multilogAsHosts(dir, "mx1", "mx2");
        StatsConfig auto = stats("--input", dir.toString(), "--stats-rollup-ttl", "30m");
        assertTrue(auto.rollupByLogTime());
        assertEquals(Duration.ofMinutes(30).toMillis(), auto.rollupLogTtlMillis);
        assertTrue(stats("--input", dir.toString(), "--stats-rollup-bound", "log-time").rollupByLogTime());
        StatsConfig byProcessingTime = stats("--input", dir.toString(), "--stats-rollup-bound", "processing-time");
        assertFalse(byProcessingTime.rollupByLogTime());
        assertEquals(-1L, byProcessingTime.rollupLogTtlMillis);
        assertEquals(Duration.ofHours(2).toMillis(), byProcessingTime.rollupTtlMillis);
    }

    @Test
    void aBoundedReadOfKafkaDropsByLogTimeOnlyWhenAsked() {
        String[] bounded = {"--kafka-bootstrap", "k:9092", "--bounded", "true"};
        assertFalse(stats(bounded).rollupByLogTime(), "a topic may hold one host after another in a partition");
        assertFalse(stats(with(bounded, "--stats-rollup-bound", "auto")).rollupByLogTime());
        StatsConfig logTime = stats(with(bounded, "--stats-rollup-bound", "log-time", "--stats-rollup-ttl", "10m"));
        assertTrue(logTime.rollupByLogTime());
        assertEquals(Duration.ofMinutes(10).toMillis(), logTime.rollupLogTtlMillis);
        // the rest of a bounded input's stats config is as before: fired and held by the watermark
        assertTrue(logTime.fireOnWatermark);
        assertTrue(logTime.holdUntilWatermark);
    }

    @Test
    void aLiveRunCannotDropByLogTime(@TempDir Path dir) {
        String live = "--stats-rollup-bound log-time is for a bounded input (files, or Kafka with --bounded true):"
                + " live, an idle partition lets the watermark pass hosts whose lines are only late";
        assertEquals(live, error("--kafka-bootstrap", "k:9092", "--stats-rollup-bound", "log-time"));
        Capture.multilogAsHosts(dir, "mx1");
        assertEquals(live, error("--input", dir.toString(), "--watch", "10s", "--stats-rollup-bound", "log-time"));
        assertFalse(stats("--kafka-bootstrap", "k:9092", "--stats-rollup-bound", "processing-time").rollupByLogTime());
        assertFalse(stats("--kafka-bootstrap", "k:9092").rollupByLogTime());
    }

    @Test
    void aFileBackfillOfMoreHostsThanReadersCannotDropByLogTime(@TempDir Path dir) throws Exception {
        List<String> line = List.of("@400000006b05f0841dc0999c status: local 0/10 remote 0/20");
        for (int h = 0; h <= FileLines.MAX_READERS; h++) {
            Path send = Files.createDirectories(dir.resolve(String.format("mx%03d", h)).resolve("send"));
            Files.write(send.resolve("current"), line);
        }
        assertFalse(stats("--input", dir.toString()).rollupByLogTime(), "auto: by processing time");
        assertEquals("--stats-rollup-bound log-time needs a reader per host in a backfill of files (at most "
                        + FileLines.MAX_READERS + " hosts): beyond that a reader reads one host after another",
                error("--input", dir.toString(), "--stats-rollup-bound", "log-time"));
        assertEquals("--stats-rollup-bound event-time: must be auto or log-time or processing-time",
                error("--input", dir.toString(), "--stats-rollup-bound", "event-time"));
    }

    private static String[] with(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }
}
