package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CliTest {
    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(2), Durations.parse("2s"));
        assertEquals(Duration.ofMinutes(30), Durations.parse("30m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofDays(8), Durations.parse("8d"));
        assertEquals(Duration.ofHours(1), Durations.parse("PT1H"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("3 weeks"));
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
        assertEquals(false, c.writeEvents);
        assertEquals("Europe/Berlin", c.parser.zone);
        assertEquals("rocksdb", c.stateBackend);
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
        assertEquals(Duration.ofSeconds(2), backfill.checkpointInterval);
        assertEquals(Duration.ofSeconds(2), JobConfig.from(CliArgs.parse(new String[0])).checkpointInterval);
        assertEquals(200000, JobConfig.from(CliArgs.parse(new String[] {"--kafka-bootstrap", "k:9092",
                "--kafka-max-record-bytes", "200000"})).kafkaMaxRecordBytes);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobConfig.from(CliArgs.parse(
                new String[] {"--kafka-bootstrap", "k:9092", "--kafka-max-record-bytes", "1000"})));
        assertEquals("--kafka-max-record-bytes must be at least 65536", e.getMessage());
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
    }
}
