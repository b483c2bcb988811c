package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmailfleet.job.parse.Tai64n;
import io.qmailfleet.job.stats.FleetRollup;
import io.qmailfleet.job.stats.StatsStage;
import io.qmailfleet.job.testutil.BrokerExtension;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.PipelineRunner;
import io.qmailfleet.job.testutil.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --stats-rollup-bound log-time} on a bounded read of Kafka, against a real in-JVM broker:
 * two hosts logging the real capture over the same 20 minutes.
 *
 * <ul>
 *   <li>Each host in a partition of its own: the partitions' watermarks are the hosts' own, so the
 *       roll-up may let a window go by log time and the fleet aggregates are those of the default
 *       (processing-time) bound, with no part after its window went.
 *   <li>Both hosts in one partition, one after the other (a topic filled from archived logs): the
 *       second host's parts come after the watermark passed their windows. The default bound sums
 *       them all the same; the log-time bound writes them on their own, counts them and says so in
 *       the run's last lines.
 * </ul>
 */
class KafkaRollupBoundTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> HOSTS = List.of("mx-a", "mx-b");
    /** Hours of log the first host has in the topic of one host after the other (the capture spans 20 minutes). */
    private static final int COPIES = 80;

    /** A multilog line of the capture, {@code hours} hours later. */
    private static String shifted(String line, int hours) {
        long at = Tai64n.epochNanos(line, 1) + hours * 3_600_000_000_000L;
        return Tai64n.label(at) + line.substring(1 + Tai64n.HEX_DIGITS);
    }

    @Test
    void theLogTimeBoundSumsHostsInStepAndCountsAHostThatCameAfterItsWindowsWent(@TempDir Path tmp) throws Exception {
        List<String> lines = Capture.multilog("x").stream().map(r -> r.text).toList();
        createTopic("bound.per-host", 2);
        createTopic("bound.one-after-another", 1);
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int h = 0; h < HOSTS.size(); h++) {
                for (String line : lines) producer.send(record("bound.per-host", h, HOSTS.get(h), line));
            }
            // the first host's log of COPIES hours, then the second host's first hour: the reader
            // emits watermarks every 200 ms of its own time, several while it reads the first
            // host's 362,080 lines (it can be no more than its network buffers ahead of the host
            // sequencer), and after those lines they are hours past the second host's windows
            for (int copy = 0; copy < COPIES; copy++) {
                for (String line : lines) producer.send(record("bound.one-after-another", 0, HOSTS.get(0), shifted(line, copy)));
            }
            for (String line : lines) producer.send(record("bound.one-after-another", 0, HOSTS.get(1), line));
            producer.flush();
        }

        Run perHostDefault = run(tmp.resolve("a"), "bound.per-host");
        Run perHostLogTime = run(tmp.resolve("b"), "bound.per-host", "--stats-rollup-bound", "log-time");
        Run afterDefault = run(tmp.resolve("c"), "bound.one-after-another");
        Run afterLogTime = run(tmp.resolve("d"), "bound.one-after-another", "--stats-rollup-bound", "log-time");

        for (Run r : List.of(perHostDefault, perHostLogTime)) {
            assertEquals(2L * lines.size(), RunSummary.acc(r.result, "lines-parsed"), r.name);
            assertEquals(2L * 539, RunSummary.acc(r.result, "out-lifecycles"), r.name);
        }
        for (Run r : List.of(afterDefault, afterLogTime)) {
            assertEquals((COPIES + 1L) * lines.size(), RunSummary.acc(r.result, "lines-parsed"), r.name);
            assertEquals((COPIES + 1L) * 539, RunSummary.acc(r.result, "out-lifecycles"), r.name);
        }
        Map<String, JsonNode> truth = perHostDefault.fleet;
        assertFalse(truth.isEmpty());
        long summed = truth.values().stream().filter(n -> n.get("hosts").size() == 2).count();
        assertTrue(summed > 100, "the two hosts' parts of a window are summed: " + summed);

        // hosts in step: the same fleet records by log time as by processing time
        assertEquals(0, RunSummary.acc(perHostLogTime.result, FleetRollup.ACC_PARTS_AFTER_DROP));
        assertSameFleet(truth, perHostLogTime);
        assertFalse(perHostLogTime.text.contains("came after the fleet roll-up"), perHostLogTime.text);
        // one host after the other, by processing time: the second host's parts are still summed
        // with the first host's of its first hour (in a second revision)
        assertEquals(0, RunSummary.acc(afterDefault.result, FleetRollup.ACC_PARTS_AFTER_DROP));
        assertSameFleet(truth, firstHour(afterDefault, truth));

        // one host after the other, by log time: the second host's parts came after their windows
        // went (the first host had taken the watermark hours on, past --stats-rollup-ttl)
        long after = RunSummary.acc(afterLogTime.result, FleetRollup.ACC_PARTS_AFTER_DROP);
        assertTrue(after > 0, "parts after their window went");
        assertTrue(afterLogTime.text.contains("stats: " + after + " part(s) of windows came after the fleet roll-up had"
                + " let their window go by log time"), afterLogTime.text);
        assertNotEquals(truth, firstHour(afterLogTime, truth).fleet, "the first hour's fleet records are not all summed");
        long alone = afterLogTime.records.stream()
                .filter(n -> n.get("hosts").size() == 1 && n.get("hosts").get(0).asText().equals("mx-b")
                        && n.get("revision").asInt() == 1
                        && truth.get(key(n)) != null && truth.get(key(n)).get("hosts").size() == 2)
                .count();
        assertTrue(alone > 0, "a window both hosts had parts of, written for the second host alone as revision 1");
    }

    /** The run with only the fleet records of the windows {@code truth} has (the capture's hour). */
    private static Run firstHour(Run r, Map<String, JsonNode> truth) {
        Map<String, JsonNode> firstHour = new TreeMap<>();
        r.fleet.forEach((k, n) -> { if (truth.containsKey(k)) firstHour.put(k, n); });
        return new Run(r.name, r.result, r.text, r.records, firstHour);
    }

    /** The same fleet records; else the first that differs, and how many do. */
    private static void assertSameFleet(Map<String, JsonNode> expected, Run actual) {
        TreeSet<String> keys = new TreeSet<>(expected.keySet());
        keys.addAll(actual.fleet.keySet());
        List<String> differ = keys.stream().filter(k -> !java.util.Objects.equals(expected.get(k), actual.fleet.get(k))).toList();
        if (differ.isEmpty()) return;
        String k = differ.get(0);
        throw new AssertionError(actual.name + ": " + differ.size() + " of " + keys.size() + " fleet records differ, first "
                + k + "\nexpected " + expected.get(k) + "\nactual   " + actual.fleet.get(k));
    }

    private record Run(String name, JobExecutionResult result, String text, List<JsonNode> records, Map<String, JsonNode> fleet) {}

    private static Run run(Path out, String topic, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--kafka-bootstrap", BROKER.bootstrap(), "--input-topic", topic,
                "--group-id", "g-" + out.getFileName(), "--starting-offsets", "earliest", "--bounded", "true",
                "--sink", "files", "--output", out.toString(), "--stats-rollup-ttl", "1m", "--parallelism", "2", "--quiet"));
        args.addAll(List.of(more));
        JobConfig cfg = JobConfig.from(CliArgs.parse(args.toArray(new String[0])));
        JobExecutionResult r = Main.run(cfg);
        List<JsonNode> records = new ArrayList<>();
        for (String name : StatsStage.outputNames()) records.addAll(read(out.resolve(name)));
        return new Run(topic + " " + String.join(" ", more), r, RunSummary.text(cfg, r), records, fleet(records));
    }

    /**
     * The newest revision of each (dimension, key, window): the fleet record a reader keeps. Its
     * revision number and the order of its hosts say how its parts came, not what they sum to, so
     * they are left out; so are the quantiles of a large window (a sketch's, which depend on the
     * order its parts were merged in; their count and maximum are exact and stay).
     */
    private static Map<String, JsonNode> fleet(List<JsonNode> records) {
        Map<String, JsonNode> newest = new TreeMap<>();
        for (JsonNode n : records) {
            JsonNode old = newest.get(key(n));
            if (old == null || old.get("revision").asInt() < n.get("revision").asInt()) newest.put(key(n), n);
        }
        Map<String, JsonNode> out = new TreeMap<>();
        newest.forEach((k, n) -> {
            ObjectNode c = n.deepCopy();
            c.remove("revision");
            ArrayNode hosts = c.putArray("hosts");
            new TreeSet<>(texts(n.get("hosts"))).forEach(hosts::add);
            for (String q : List.of("ddelay_quantiles", "qtime_quantiles")) ((ObjectNode) c.get(q)).remove(List.of("p50", "p90", "p99"));
            out.put(k, c);
        });
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(x -> l.add(x.asText()));
        return l;
    }

    private static String key(JsonNode n) {
        return n.get("dimension").asText() + "|" + n.get("key").asText() + "|" + n.get("window_start").asText();
    }

    private static List<JsonNode> read(Path dir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList()) {
                for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) out.add(JSON.readTree(l));
            }
        }
        return out;
    }

    private static void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return TestBroker.producer(BROKER.bootstrap());
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String host, String line) {
        return new ProducerRecord<>(topic, partition, host.getBytes(StandardCharsets.UTF_8), line.getBytes(StandardCharsets.UTF_8));
    }
}
