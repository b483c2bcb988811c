package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.options.JobOption;
import io.qmailfleet.job.options.OptionGroup;
import io.qmailfleet.job.options.Options;
import io.qmailfleet.job.sink.KafkaOutputs;
import io.qmailfleet.job.testutil.Capture;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CliTest {
    private static Duration stuckAfter(String text) {
        return Duration.ofNanos(JobConfig.from(CliArgs.parse(new String[] {"--stuck-after", text})).lifecycle.stuckAfterNanos);
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), stuckAfter("500ms"));
        assertEquals(Duration.ofSeconds(2), stuckAfter("2s"));
        assertEquals(Duration.ofMinutes(30), stuckAfter("30m"));
        assertEquals(Duration.ofHours(1), stuckAfter("1h"));
        assertEquals(Duration.ofDays(8), stuckAfter("8d"));
        assertEquals(Duration.ofHours(1), stuckAfter("PT1H"));
        assertThrows(IllegalArgumentException.class, () -> stuckAfter("soon"));
        assertThrows(IllegalArgumentException.class, () -> stuckAfter("3 weeks"));
        // a bare number would be milliseconds to Flink and seconds to a reader: a unit is required
        assertEquals("--stuck-after 60: a duration needs a unit (500ms, 2s, 30m, 1h, 8d)",
                assertThrows(IllegalArgumentException.class, () -> stuckAfter("60")).getMessage());
        assertEquals("--stuck-after 0s: must be > 0",
                assertThrows(IllegalArgumentException.class, () -> stuckAfter("0s")).getMessage());
    }

    @Test
    void optionsReachTheConfig() {
        JobConfig c = JobConfig.from(CliArgs.parse(new String[] {"--input", "a,b", "--input=c", "--host", "mx1",
                "--output", "o", "--stuck-after", "10m", "--hung-after", "5m", "--max-out-of-order", "0s",
                "--events", "false", "--zone", "Europe/Berlin", "--state-backend", "rocksdb"}));
        assertEquals(List.of("a", "b", "c"), c.inputs);
        assertEquals("mx1", c.host);
        assertEquals("o", c.output);
        assertEquals(Duration.ofMinutes(10).toNanos(), c.lifecycle.stuckAfterNanos);
        assertEquals(Duration.ofMinutes(5).toNanos(), c.lifecycle.hungAfterNanos);
        assertEquals(0L, c.lifecycle.maxOutOfOrderNanos);
        assertEquals(false, c.get(JobOptions.EVENTS));
        assertEquals("Europe/Berlin", c.parser.zone);
        assertEquals("rocksdb", c.stateBackend);
    }

    @Test
    void runtimeOptions() {
        JobConfig c = JobConfig.from(CliArgs.parse(new String[] {"--checkpoint-dir", "file:///tmp/cp", "--max-parallelism", "256",
                "--parallelism", "4", "--transactional-id-prefix", "blue-", "--overwrite", "--quiet", "--progress-interval", "1s"}));
        assertEquals("file:///tmp/cp", c.checkpointDir);
        assertEquals(256, c.maxParallelism);
        assertEquals(4, c.parallelism);
        assertEquals("blue-", c.transactionalIdPrefix);
        assertTrue(c.overwrite);
        assertTrue(c.quiet);
        assertEquals(Duration.ofSeconds(1), c.progressInterval);
        assertTrue(c.given(JobOptions.CHECKPOINT_DIR));
        assertFalse(c.given(JobOptions.STATE_BACKEND), "the cluster's state backend is kept unless asked");
        assertFalse(c.given(JobOptions.CHECKPOINT_INTERVAL), "the cluster's checkpointing is kept unless asked");
        JobConfig d = JobConfig.from(CliArgs.parse(new String[0]));
        assertEquals("qmail-fleet-", d.transactionalIdPrefix);
        assertEquals(-1, d.maxParallelism);
        assertFalse(d.overwrite);
        assertFalse(d.quiet);
    }

    /** The stage configs' own defaults (for code that builds them directly) are the options' defaults. */
    @Test
    void stageConfigDefaultsAreTheOptionDefaults() {
        JobConfig c = JobConfig.from(CliArgs.parse(new String[0]));
        io.qmailfleet.job.lifecycle.LifecycleConfig plain = new io.qmailfleet.job.lifecycle.LifecycleConfig();
        assertEquals(plain.maxOutOfOrderNanos, c.lifecycle.maxOutOfOrderNanos);
        assertEquals(plain.stuckAfterNanos, c.lifecycle.stuckAfterNanos);
        assertEquals(plain.hungAfterNanos, c.lifecycle.hungAfterNanos);
        assertEquals(plain.maxOpenAgeNanos, c.lifecycle.maxOpenAgeNanos);
        assertEquals(plain.hostIdleTtlMillis, c.lifecycle.hostIdleTtlMillis);
        io.qmailfleet.job.parse.ParserConfig parser = new io.qmailfleet.job.parse.ParserConfig();
        assertEquals(parser.zone, c.parser.zone);
        assertEquals(parser.maxLineChars, c.parser.maxLineChars);
        JobConfig unparsed = new JobConfig();
        assertEquals(unparsed.inputTopic, c.inputTopic);
        assertEquals(unparsed.groupId, c.groupId);
        assertEquals(unparsed.topicPrefix, c.topicPrefix);
        assertEquals(unparsed.idleTimeout, JobConfig.from(CliArgs.parse(new String[] {"--kafka-bootstrap", "k:9092"})).idleTimeout);
        assertEquals(unparsed.output, c.output);
        assertEquals(unparsed.checkpointInterval, c.checkpointInterval);
    }

    @Test
    void defaultsRunTheBundledSample() {
        JobConfig c = JobConfig.from(CliArgs.parse(new String[0]));
        assertEquals(List.of(JobConfig.DEFAULT_SAMPLE), c.inputs);
        assertEquals(JobConfig.DEFAULT_OUTPUT, c.output);
    }

    @Test
    void liveKafkaRunsCheckpointForPagingAndKafkaRecordLimitIsChecked() {
        JobConfig live = JobConfig.from(CliArgs.parse(new String[] {"--kafka-bootstrap", "k:9092"}));
        assertEquals(Duration.ofSeconds(10), live.checkpointInterval);
        assertEquals(1048576, live.kafkaMaxRecordBytes);
        JobConfig backfill = JobConfig.from(CliArgs.parse(new String[] {"--kafka-bootstrap", "k:9092", "--bounded", "true"}));
        assertEquals(Duration.ofMinutes(2), backfill.checkpointInterval);
        // live, a quiet partition goes idle after 30 s; a bounded read's partitions end instead
        assertEquals(Duration.ofSeconds(30), live.idleTimeout);
        assertEquals(null, backfill.idleTimeout);
        assertEquals(null, JobConfig.from(CliArgs.parse(new String[0])).idleTimeout);
        assertEquals(Duration.ofSeconds(5), JobConfig.from(CliArgs.parse(new String[] {"--input", "x", "--watch", "10s",
                "--idle-timeout", "5s"})).idleTimeout);
        assertEquals("--idle-timeout is for unbounded input (live Kafka, --watch): a bounded input's partitions and files end, none is idle",
                assertThrows(IllegalArgumentException.class, () -> JobConfig.from(CliArgs.parse(new String[] {
                        "--kafka-bootstrap", "k:9092", "--bounded", "true", "--idle-timeout", "5s"}))).getMessage());
        assertEquals(Duration.ofMinutes(2), JobConfig.from(CliArgs.parse(new String[0])).checkpointInterval);
        assertEquals(200000, JobConfig.from(CliArgs.parse(new String[] {"--kafka-bootstrap", "k:9092",
                "--kafka-max-record-bytes", "200000"})).kafkaMaxRecordBytes);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobConfig.from(CliArgs.parse(
                new String[] {"--kafka-bootstrap", "k:9092", "--kafka-max-record-bytes", "1000"})));
        assertEquals("--kafka-max-record-bytes 1000: must be at least 65536", e.getMessage());
    }

    @Test
    void kafkaOutputBatchingHasDefaultsAndItsBatchFitsTheRecordLimit() {
        JobConfig dflt = JobConfig.from(CliArgs.parse(new String[] {"--kafka-bootstrap", "k:9092"}));
        assertEquals(new KafkaOutputs.Batching(Duration.ofMillis(50), 512 * 1024, "lz4"), dflt.kafkaBatching);
        JobConfig given = JobConfig.from(CliArgs.parse(new String[] {"--kafka-bootstrap", "k:9092", "--kafka-linger", "0s",
                "--kafka-batch-bytes", "16384", "--kafka-compression", "zstd"}));
        assertEquals(new KafkaOutputs.Batching(Duration.ZERO, 16384, "zstd"), given.kafkaBatching);
        // a batch is one message to the broker: the default comes down to a smaller record limit,
        // a batch given larger than the limit is refused
        assertEquals(100_000, JobConfig.from(CliArgs.parse(new String[] {"--kafka-bootstrap", "k:9092",
                "--kafka-max-record-bytes", "100000"})).kafkaBatching.batchBytes());
        assertEquals("--kafka-batch-bytes 200000: must be at most --kafka-max-record-bytes 100000",
                assertThrows(IllegalArgumentException.class, () -> JobConfig.from(CliArgs.parse(new String[] {
                        "--kafka-bootstrap", "k:9092", "--kafka-max-record-bytes", "100000", "--kafka-batch-bytes", "200000"})))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> JobConfig.from(CliArgs.parse(new String[] {
                "--kafka-bootstrap", "k:9092", "--kafka-compression", "brotli"})));
        assertEquals("--kafka-linger 2m: must be from 0s to 1m", assertThrows(IllegalArgumentException.class,
                () -> JobConfig.from(CliArgs.parse(new String[] {"--kafka-bootstrap", "k:9092", "--kafka-linger", "2m"})))
                .getMessage());
        assertThrows(IllegalArgumentException.class, () -> JobConfig.from(CliArgs.parse(new String[] {
                "--kafka-bootstrap", "k:9092", "--kafka-linger", "-1s"})));
    }

    @Test
    void knownHostsAreAListAndEveryHostWithoutIt() {
        assertEquals(List.of("mx1", "mx2", "mx3"), JobConfig.from(CliArgs.parse(new String[] {
                "--known-hosts", "mx1,mx2", "--known-hosts", "mx3"})).parser.knownHosts);
        assertEquals(null, JobConfig.from(CliArgs.parse(new String[0])).parser.knownHosts);
        assertThrows(IllegalArgumentException.class, () -> JobConfig.from(CliArgs.parse(new String[] {"--known-hosts", ","})));
    }

    @Test
    void mistakesAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JobConfig.from(CliArgs.parse(new String[] {"--inptu", "x"})));
        assertEquals("unknown option --inptu (see --help)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CliArgs.parse(new String[] {"input"}));
        assertThrows(IllegalArgumentException.class,
                () -> JobConfig.from(CliArgs.parse(new String[] {"--state-backend", "memory"})));
        // every bad value is a one-line message naming the option and the value
        for (String[] bad : List.of(new String[] {"--state-backend", "memory"}, new String[] {"--parallelism", "0"},
                new String[] {"--parallelism", "many"}, new String[] {"--events", "yes"}, new String[] {"--zone", "Mars/Base"},
                new String[] {"--output", ""}, new String[] {"--max-line-chars", "-1"}, new String[] {"--transactional-id-prefix", ""},
                new String[] {"--starting-offsets", "newest"}, new String[] {"--max-parallelism", "40000"})) {
            String msg = assertThrows(IllegalArgumentException.class, () -> JobConfig.from(CliArgs.parse(bad)), bad[0]).getMessage();
            assertTrue(msg.startsWith(bad[0] + " "), msg);
            assertFalse(msg.contains("\n"), msg);
        }
        assertEquals("--rocksdb-timers is for --state-backend rocksdb, not hashmap", assertThrows(IllegalArgumentException.class,
                () -> JobConfig.from(CliArgs.parse(new String[] {"--state-backend", "hashmap", "--rocksdb-timers", "heap"})))
                .getMessage());
        assertEquals("--parallelism 8 exceeds --max-parallelism 4", assertThrows(IllegalArgumentException.class,
                () -> JobConfig.from(CliArgs.parse(new String[] {"--parallelism", "8", "--max-parallelism", "4"}))).getMessage());
    }

    @Test
    void usageIsGeneratedFromTheOptions() {
        for (OptionGroup g : JobOptions.GROUPS) {
            assertTrue(JobOptions.USAGE.contains("\n" + g.title() + ":\n"), g.title());
            for (JobOption<?> o : g.options()) {
                assertTrue(JobOptions.USAGE.contains(Options.line(o) + "\n"), o.name());
                if (o.defaultText() != null) assertTrue(Options.line(o).endsWith("(default " + o.defaultText() + ")"), o.name());
            }
        }
        assertTrue(Options.line(JobOptions.CHECKPOINT_INTERVAL)
                .endsWith("(default the cluster's, else 2m for bounded input and 10s for live Kafka input; none for an embedded"
                        + " run of at most 128 MB of files into files, whose outputs commit when it ends)"));
        assertTrue(Options.line(JobOptions.STUCK_AFTER).endsWith("(default 1h)"));
    }

    /** The README's option list is the usage text's, line for line, and names no option the job does not have. */
    @Test
    void readmeListsTheOptionsAsTheUsageTextDoes() throws Exception {
        String readme = Files.readString(Capture.repo().resolve("README.md"));
        for (OptionGroup g : JobOptions.GROUPS) {
            for (JobOption<?> o : g.options()) {
                assertTrue(readme.contains("\n" + Options.line(o) + "\n"), "README lists, as --help does: " + Options.line(o));
            }
        }
        Matcher m = Pattern.compile("(?m)^  --([a-z-]+)").matcher(readme);
        int listed = 0;
        while (m.find()) {
            listed++;
            assertTrue(JobOptions.OPTIONS.option(m.group(1)) != null, "README lists an option the job has not: --" + m.group(1));
        }
        assertTrue(listed >= JobOptions.GROUPS.stream().mapToInt(g -> g.options().size()).sum());
    }
}
