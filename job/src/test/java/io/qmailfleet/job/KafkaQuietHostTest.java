package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.testutil.PipelineRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
     * (10 s checkpoints, 2 s reorder bound) unless {@code -Dlatency.args} says otherwise.
     * Messages start a pseudo-random 0..2 x {@code latency.gap.ms} (default 1000) apart, whatever
     * the checkpoint cycle, so their end times fall all over it; messages overlap, but each goes to
     * a host (of {@code latency.hosts}, default 20) whose previous message is visible already, so
     * every host is quiet from its end msg until its life cycle is seen. 200 messages take about
     * 200 x the gap plus one latency.
     */
    @Test
    @EnabledIfSystemProperty(named = "latency.messages", matches = "\\d+")
    void latencyOfQuietHostsLifeCycles() throws Exception {
        int n = Integer.getInteger("latency.messages");
        int hostCount = Integer.getInteger("latency.hosts", 20);
        long gapMillis = Long.getLong("latency.gap.ms", 1_000L);
        String extra = System.getProperty("latency.args", "").trim();
        Duration timeout = Duration.ofSeconds(120);
        try (LiveKafkaLatency live = new LiveKafkaLatency("latency")) {
            live.startJob(extra.isEmpty() ? new String[0] : extra.split("\\s+"));
            // lines produced while the job starts are a backlog, not a live pace: wait until it runs
            live.message("warmup", 1, 1);
            live.awaitLifecycle("warmup", 1, timeout);
            List<String> hosts = new ArrayList<>();
            for (int h = 1; h <= hostCount; h++) hosts.add(String.format("mx%02d", h));
            Map<String, Long> pending = new HashMap<>(); // host -> its message not yet seen
            List<String> hostOf = new ArrayList<>();
            List<Long> ended = new ArrayList<>();
            java.util.Random gaps = new java.util.Random(7919);
            long next = System.currentTimeMillis();
            for (int i = 0; i < n; i++) {
                long wait = next - System.currentTimeMillis();
                if (wait > 0) Thread.sleep(wait);
                String host = null;
                long deadline = System.nanoTime() + timeout.toNanos();
                while (host == null) {
                    pending.entrySet().removeIf(e -> live.visible(e.getKey(), e.getValue()));
                    for (String h : hosts) {
                        if (!pending.containsKey(h)) { host = h; break; }
                    }
                    if (host == null) {
                        assertTrue(System.nanoTime() < deadline, "no host free for " + timeout + ": " + pending);
                        Thread.sleep(5);
                    }
                }
                // hosts are taken round robin among the free ones: rotate the chosen one to the end
                hosts.remove(host);
                hosts.add(host);
                long msgId = 1000 + i;
                pending.put(host, msgId);
                hostOf.add(host);
                ended.add(live.message(host, msgId, 1 + i));
                next += (long) (gaps.nextDouble() * 2 * gapMillis);
            }
            List<Long> ms = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ms.add(live.awaitLifecycle(hostOf.get(i), 1000 + i, timeout) - ended.get(i));
            }
            String result = String.format("end msg acknowledged -> life cycle visible (read_committed), %d messages, "
                            + "%d hosts, mean gap %d ms, args [%s]: p50 %d ms, p99 %d ms, max %d ms, min %d ms", n,
                    hostCount, gapMillis, extra, LiveKafkaLatency.percentile(ms, 50),
                    LiveKafkaLatency.percentile(ms, 99), LiveKafkaLatency.percentile(ms, 100),
                    LiveKafkaLatency.percentile(ms, 0));
            System.out.println(result);
            assertTrue(ms.size() == n);
        }
    }
}
