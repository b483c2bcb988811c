package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.testutil.PipelineRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A live exactly-once job on a real in-JVM Kafka broker, hosts that go quiet: each host logs one
 * message and then nothing at all, and its life cycle must still become visible to a
 * read_committed consumer (before, it waited for the host's next line, forever if none came).
 */
class KafkaQuietHostTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @Test
    void aMessageOfAHostThatThenLogsNothingBecomesVisible() throws Exception {
        try (LiveKafkaLatency live = new LiveKafkaLatency("quiet")) {
            live.startJob("--checkpoint-interval", "1s");
            // lines produced while the job starts are a backlog, not a live pace: wait until it runs
            live.message("warmup", 1, 1);
            live.awaitLifecycle("warmup", 1, Duration.ofSeconds(120));
            // each host logs one message, then stays silent for the rest of the test
            for (String host : List.of("mx1", "mx2", "mx3")) {
                live.message(host, 100, 1);
                live.awaitLifecycle(host, 100, Duration.ofSeconds(120));
            }
            // mx1 comes back once, and goes quiet again
            live.message("mx1", 101, 2);
            live.awaitLifecycle("mx1", 101, Duration.ofSeconds(120));
        }
    }

    /**
     * The latency benchmark (not part of the build: run with {@code -Dlatency.messages=N}): end msg
     * acknowledged -> life cycle visible to read_committed, p50/p99, with the live defaults
     * (10 s checkpoints, 2 s reorder bound) unless {@code -Dlatency.args} says otherwise. Each
     * message is sent a pseudo-random 0..{@code latency.spread.ms} (default 10 s) after the previous
     * one became visible, so that end times fall all over the checkpoint cycle.
     */
    @Test
    @EnabledIfSystemProperty(named = "latency.messages", matches = "\\d+")
    void latencyOfQuietHostsLifeCycles() throws Exception {
        int n = Integer.getInteger("latency.messages");
        String extra = System.getProperty("latency.args", "").trim();
        long spreadMillis = Long.getLong("latency.spread.ms", 10_000L); // the live checkpoint interval
        try (LiveKafkaLatency live = new LiveKafkaLatency("latency")) {
            live.startJob(extra.isEmpty() ? new String[0] : extra.split("\\s+"));
            live.message("warmup", 1, 1);
            live.awaitLifecycle("warmup", 1, Duration.ofSeconds(120));
            List<Long> ms = new ArrayList<>();
            String[] hosts = {"mx1", "mx2", "mx3"};
            for (int i = 0; i < n; i++) {
                String host = hosts[i % hosts.length];
                long ended = live.message(host, 1000 + i, 1 + i);
                long visible = live.awaitLifecycle(host, 1000 + i, Duration.ofSeconds(120));
                ms.add(visible - ended);
                Thread.sleep((i * 7919L) % spreadMillis); // spread the end msg times over the checkpoint cycle
            }
            String result = String.format("end msg acknowledged -> life cycle visible (read_committed), %d messages, "
                            + "args [%s]: p50 %d ms, p99 %d ms, max %d ms", n, extra,
                    LiveKafkaLatency.percentile(ms, 50), LiveKafkaLatency.percentile(ms, 99),
                    LiveKafkaLatency.percentile(ms, 100));
            System.out.println(result);
            assertTrue(ms.size() == n);
        }
    }
}
