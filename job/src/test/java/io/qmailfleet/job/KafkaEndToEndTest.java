package io.qmailfleet.job;

import static io.qmailfleet.job.testutil.PipelineRunner.acc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.BrokerExtension;
import io.qmailfleet.job.testutil.TestBroker;
import io.qmailfleet.job.testutil.PipelineRunner;
import io.qmailfleet.job.testutil.Schemas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Kafka path end to end, against a real in-JVM Kafka broker (KRaft, one combined node): the
 * real capture is produced to an input topic, {@link Main#run} reads it with the job's own
 * {@code KafkaSource} wiring and writes JSON to the output topics with the job's own
 * {@code KafkaSink}s, and a {@code read_committed} consumer checks what became visible.
 */
class KafkaEndToEndTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> OUTPUTS = Outputs.ALL.stream().map(Output::name).toList();

    /** The capture's known size: one qmail-send log, two runs, 539 messages. */
    private static final int MULTILOG_LINES = 4526;
    private static final int SYSLOG_LINES = 4527;
    private static final int MESSAGES = 539;

    // =============================================================================================
    // exactly-once, bounded: the whole capture through Main.run

    @Test
    void realCaptureThroughKafkaExactlyOnce() throws Exception {
        String input = "qmail.lines";
        String prefix = "qmail.";
        createTopics(Map.of(input, 3), prefix, 2);

        List<String> multilog = multilogLines();
        List<String> syslog = Files.readAllLines(Capture.syslogFile(), StandardCharsets.UTF_8);
        assertEquals(MULTILOG_LINES, multilog.size());
        assertEquals(SYSLOG_LINES, syslog.size());

        RecordMetadata empty, badEnvelope, noHost;
        Map<String, Set<Integer>> partitionsOfHost = new HashMap<>();
        int produced = 0;
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            // bad records first: their record time (wall clock) is far ahead of the capture's log
            // time and moves their partition's watermark; the capture behind them must not suffer
            Future<RecordMetadata> f1 = producer.send(record(input, "mail-a", null));
            Future<RecordMetadata> f2 = producer.send(record(input, "mail", "{\"message\":"));
            Future<RecordMetadata> f3 = producer.send(record(input, null, multilog.get(0)));
            produced += 3;
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            // multilog lines carry no host: the record key names it
            for (String line : multilog) sent.add(producer.send(record(input, "mail-a", line)));
            // syslog lines name their host ("mail") themselves, which wins over the envelope's host
            for (String line : syslog) {
                ObjectNode env = JSON.createObjectNode();
                env.put("host", "ignored-because-syslog-line-names-host");
                env.put("message", line);
                sent.add(producer.send(record(input, "mail", JSON.writeValueAsString(env))));
            }
            produced += sent.size();
            producer.flush();
            empty = f1.get();
            badEnvelope = f2.get();
            noHost = f3.get();
            for (int i = 0; i < sent.size(); i++) {
                String host = i < multilog.size() ? "mail-a" : "mail";
                partitionsOfHost.computeIfAbsent(host, h -> new java.util.HashSet<>()).add(sent.get(i).get().partition());
            }
        }
        assertEquals(1, partitionsOfHost.get("mail-a").size(), "keyed by host: one partition per host");
        assertEquals(1, partitionsOfHost.get("mail").size(), "keyed by host: one partition per host");

        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {
                "--kafka-bootstrap", BROKER.bootstrap(), "--input-topic", input, "--starting-offsets", "earliest",
                "--bounded", "true", "--sink", "kafka", "--topic-prefix", prefix, "--exactly-once", "true",
                "--checkpoint-interval", "1s", "--transactional-id-prefix", "e2e-" + prefix}));
        JobExecutionResult result = Main.run(cfg);

        long read = acc(result, "lines-read");
        long parsed = acc(result, "lines-parsed");
        long dead = acc(result, "lines-dead-lettered");
        assertEquals(produced, read, "every produced record is read once");
        assertEquals(read, parsed + dead, "every line is parsed or dead-lettered");
        assertEquals(MULTILOG_LINES + SYSLOG_LINES, parsed);
        assertEquals(3, dead);

        Map<String, List<ConsumerRecord<byte[], byte[]>>> out = new HashMap<>();
        for (String name : OUTPUTS) {
            out.put(name, readCommitted(prefix + name, acc(result, "out-" + name)));
        }

        // life cycles: every message of the capture, once per host, keyed by host
        JsonSchema lifecycleSchema = Schemas.load("lifecycle.schema.json");
        Map<String, Integer> perHost = new TreeMap<>();
        // qmail's message ids are inode numbers and come back; (run, id, queued time) is unique
        Map<String, Set<String>> lifecyclesPerHost = new HashMap<>();
        Map<String, List<String>> idsPerHost = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out.get("lifecycles")) {
            String json = value(r);
            assertEquals(Set.of(), Schemas.validate(lifecycleSchema, json), json);
            JsonNode n = JSON.readTree(json);
            String host = n.get("host").asText();
            assertEquals(host, key(r), "record key = host");
            assertEquals("complete", n.get("status").asText(), json);
            perHost.merge(host, 1, Integer::sum);
            String id = n.get("run").asLong() + "/" + n.get("msg_id").asLong();
            lifecyclesPerHost.computeIfAbsent(host, h -> new java.util.HashSet<>()).add(id + "@" + n.get("new").asText());
            idsPerHost.computeIfAbsent(host, h -> new ArrayList<>()).add(id);
        }
        assertEquals(Map.of("mail", MESSAGES, "mail-a", MESSAGES), perHost);
        // the producers compress their batches (--kafka-compression lz4 by default): the topic takes
        // less room on the broker than its JSON, which uncompressed it would exceed (record and
        // batch headers)
        long jsonBytes = 0;
        for (ConsumerRecord<byte[], byte[]> r : out.get("lifecycles")) jsonBytes += r.serializedValueSize();
        long onBroker = bytesOnBroker(prefix + "lifecycles");
        assertTrue(onBroker > 0 && onBroker < jsonBytes / 2, "lifecycles: " + onBroker + " bytes on the broker for "
                + jsonBytes + " bytes of JSON: batches not compressed");
        assertEquals(MESSAGES, lifecyclesPerHost.get("mail").size(), "no duplicates (exactly once)");
        assertEquals(MESSAGES, lifecyclesPerHost.get("mail-a").size(), "no duplicates (exactly once)");
        idsPerHost.values().forEach(java.util.Collections::sort);
        assertEquals(idsPerHost.get("mail-a"), idsPerHost.get("mail"), "multilog and syslog give the same messages");

        // dead letters: exactly the three bad records, with their Kafka origins
        JsonSchema deadSchema = Schemas.load("dead-letter.schema.json");
        Map<String, JsonNode> deadByReason = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out.get("dead-letters")) {
            String json = value(r);
            assertEquals(Set.of(), Schemas.validate(deadSchema, json), json);
            JsonNode n = JSON.readTree(json);
            String host = n.get("host").isNull() ? null : n.get("host").asText();
            assertEquals(host, key(r), "record key = host");
            assertNull(deadByReason.put(n.get("reason").asText(), n), "one dead letter per reason: " + json);
        }
        assertEquals(Set.of("EMPTY", "BAD_ENVELOPE", "NO_HOST"), deadByReason.keySet());
        assertDeadLetter(deadByReason.get("EMPTY"), empty, "mail-a", "");
        assertDeadLetter(deadByReason.get("BAD_ENVELOPE"), badEnvelope, "mail", "{\"message\":");
        assertDeadLetter(deadByReason.get("NO_HOST"), noHost, null, multilog.get(0));
        assertEquals("parse", deadByReason.get("NO_HOST").get("stage").asText());
        assertTrue(deadByReason.get("NO_HOST").get("ts").isTextual(), "the line's own time is known");

        // stats: keyed by [key, window start]; the latest record per key replaces the earlier ones
        JsonSchema statsSchema = Schemas.load("stats.schema.json");
        Map<String, Map<String, JsonNode>> latestStats = new HashMap<>();
        for (String name : List.of("senders", "recipients", "domains", "hosts")) {
            Map<String, JsonNode> latest = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : out.get(name)) {
                String json = value(r);
                assertEquals(Set.of(), Schemas.validate(statsSchema, json), json);
                JsonNode n = JSON.readTree(json);
                JsonNode k = JSON.readTree(key(r));
                assertEquals(n.get("key").asText(), k.get(0).asText(), "record key = [key, window start]");
                assertEquals(java.time.Instant.parse(n.get("window_start").asText()).toEpochMilli(), k.get(1).asLong());
                JsonNode old = latest.get(key(r));
                if (old == null || old.get("revision").asInt() < n.get("revision").asInt()) latest.put(key(r), n);
            }
            latestStats.put(name, latest);
        }
        Map<String, Long> completedPerHost = new TreeMap<>();
        for (JsonNode n : latestStats.get("hosts").values()) {
            completedPerHost.merge(n.get("key").asText(), n.get("messages").asLong(), Long::sum);
        }
        assertEquals(Map.of("mail", (long) MESSAGES, "mail-a", (long) MESSAGES), completedPerHost);
        // the two hosts' parts of a domain's window are rolled up into one fleet record
        long exampleCom = 0;
        boolean rolledUp = false;
        for (JsonNode n : latestStats.get("domains").values()) {
            if (!n.get("key").asText().equals("example.com")) continue;
            exampleCom += n.get("messages").asLong();
            rolledUp |= n.get("hosts").size() == 2;
        }
        assertEquals(2 * 337, exampleCom, "zrhosts: 337 messages to example.com, once per host");
        assertTrue(rolledUp, "some example.com window has both hosts' parts");

        // events: one per parsed line, each with its host and Kafka origin
        JsonSchema eventSchema = Schemas.load("event.schema.json");
        Map<String, Integer> eventsPerHost = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out.get("events")) {
            String json = value(r);
            assertEquals(Set.of(), Schemas.validate(eventSchema, json), json);
            JsonNode n = JSON.readTree(json);
            String host = n.get("host").asText();
            assertEquals(host, key(r), "record key = host");
            assertTrue(n.get("origin").asText().startsWith("kafka:" + input + "/"), json);
            eventsPerHost.merge(host, 1, Integer::sum);
        }
        assertEquals(parsed, out.get("events").size());
        assertEquals(Map.of("mail", SYSLOG_LINES, "mail-a", MULTILOG_LINES), eventsPerHost);

        // lines in order per partition: nothing late; message alerts valid and keyed by host
        assertEquals(List.of(), out.get("late").stream().map(KafkaEndToEndTest::value).toList());
        JsonSchema alertSchema = Schemas.load("message-alert.schema.json");
        for (ConsumerRecord<byte[], byte[]> r : out.get("message-alerts")) {
            String json = value(r);
            assertEquals(Set.of(), Schemas.validate(alertSchema, json), json);
            assertEquals(JSON.readTree(json).get("host").asText(), key(r));
        }
        Map<String, Long> alertsPerHost = out.get("message-alerts").stream()
                .collect(Collectors.groupingBy(KafkaEndToEndTest::key, Collectors.counting()));
        assertEquals(alertsPerHost.get("mail-a"), alertsPerHost.get("mail"), "both copies of the log alert alike");

        // the paging stream: valid, keyed by dedup key; each copy of the log pages its three alert: lines
        JsonSchema pageSchema = Schemas.load("page-event.schema.json");
        Map<String, Set<String>> triggersPerHost = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out.get("alerts")) {
            String json = value(r);
            assertEquals(Set.of(), Schemas.validate(pageSchema, json), json);
            JsonNode n = JSON.readTree(json);
            assertEquals(n.get("dedup_key").asText(), key(r));
            if (n.get("event_action").asText().equals("trigger")) {
                triggersPerHost.computeIfAbsent(n.get("payload").get("source").asText(), h -> new TreeSet<>())
                        .add(n.get("dedup_key").asText().replaceFirst(":mail(-a)?:", ":"));
            }
        }
        Set<String> three = Set.of("qmail_alert:unable-to-reread-control-locals",
                "qmail_alert:unable-to-reread-control-virtualdomains", "qmail_alert:oh-no-lost-spawn-connection-dying");
        assertEquals(Map.of("mail", three, "mail-a", three), triggersPerHost);
    }

    private static void assertDeadLetter(JsonNode d, RecordMetadata md, String host, String raw) {
        assertNotNull(d);
        assertEquals("kafka:" + md.topic() + "/" + md.partition(), d.get("origin").asText(), d::toString);
        assertEquals(md.offset(), d.get("position").asLong(), d::toString);
        if (host == null) assertTrue(d.get("host").isNull(), d::toString);
        else assertEquals(host, d.get("host").asText(), d::toString);
        assertEquals(raw, d.get("raw").asText(), d::toString);
    }

    // =============================================================================================
    // committed offsets: a second bounded run reads only what came after the first

    @Test
    void committedOffsetsResumeWhereTheLastRunStopped() throws Exception {
        String input = "resume.lines";
        String prefix = "resume.";
        createTopics(Map.of(input, 1), prefix, 1);
        List<String> multilog = multilogLines();
        int cut = 3000;
        String[] args = {
                "--kafka-bootstrap", BROKER.bootstrap(), "--input-topic", input, "--group-id", "resume-test",
                "--starting-offsets", "committed", "--bounded", "true", "--sink", "kafka",
                // the source's own offset commit at checkpoints is asynchronous and often lost when
                // a bounded run ends (committed offset 2427 of 3000, or none): the job commits where
                // the run stopped once it has finished
                "--topic-prefix", prefix, "--checkpoint-interval", "1s"};

        produce(input, "mail-b", multilog.subList(0, cut));
        JobExecutionResult first = Main.run(JobConfig.from(CliArgs.parse(args)));
        assertEquals(cut, acc(first, "lines-read"), "no committed offsets yet: from the earliest");
        assertEquals(cut, acc(first, "lines-parsed"));
        assertEquals(cut, committedOffset(input, "resume-test"), "a finished bounded run commits where it stopped");

        produce(input, "mail-b", multilog.subList(cut, multilog.size()));
        JobExecutionResult second = Main.run(JobConfig.from(CliArgs.parse(args)));
        assertEquals(multilog.size() - cut, acc(second, "lines-read"), "only the lines after the committed offset");
        assertEquals(multilog.size(), committedOffset(input, "resume-test"));

        // at least once, no failure: each line became exactly one event, in offset order
        List<ConsumerRecord<byte[], byte[]>> events = readCommitted(prefix + "events", multilog.size());
        assertEquals(multilog.size(), events.size());
        long expected = 0;
        for (ConsumerRecord<byte[], byte[]> r : events) {
            assertEquals(expected++, JSON.readTree(value(r)).get("position").asLong());
        }
    }

    // =============================================================================================
    // a backfill of one host's files into Kafka: each key's records in the order they were made

    /**
     * One host's files, read by one reader whose task also runs the host sequencer, into topics of
     * two partitions at parallelism 2: the events, host events and life cycles of the host reach one
     * producer each, in the order the job made them, so in their partition a line's event comes
     * after the lines before it in its file (the host events interleave qmail-send's and
     * tcpserver's files by time), and the life cycles end in log order.
     */
    @Test
    void aBackfillOfOneHostsFilesKeepsEachHostsOrderInItsPartition() throws Exception {
        String prefix = "order.";
        createTopics(Map.of(), prefix, 2);
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {
                "--input", Capture.repo().resolve("samples/fleet").toString(), "--sink", "kafka",
                "--kafka-bootstrap", BROKER.bootstrap(), "--topic-prefix", prefix, "--events", "true",
                "--parallelism", "2", "--quiet"}));
        assertTrue(cfg.sequencerInReader);
        JobExecutionResult result = Main.run(cfg);
        for (String name : List.of(Outputs.EVENTS.name(), Outputs.HOST_EVENTS.name())) {
            List<ConsumerRecord<byte[], byte[]>> records = readCommitted(prefix + name, acc(result, "out-" + name));
            assertEquals(acc(result, "out-" + name), records.size(), name);
            assertTrue(records.size() > 1000, name + ": " + records.size());
            Map<String, Long> lastPosition = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                assertEquals("mail", key(r));
                JsonNode e = JSON.readTree(value(r));
                String origin = e.get("origin").asText();
                long position = e.get("position").asLong();
                String at = name + " partition " + r.partition() + " offset " + r.offset() + ": " + origin + " " + position;
                Long before = lastPosition.get(r.partition() + " " + origin);
                assertTrue(before == null || position > before, at + " after " + before);
                lastPosition.put(r.partition() + " " + origin, position);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> lifecycles = readCommitted(prefix + "lifecycles", acc(result, "out-lifecycles"));
        assertEquals(MESSAGES, lifecycles.size());
        Map<Integer, java.time.Instant> lastEnd = new HashMap<>();
        int ended = 0;
        for (ConsumerRecord<byte[], byte[]> r : lifecycles) {
            JsonNode end = JSON.readTree(value(r)).path("end");
            if (!end.isTextual()) continue; // open at the end of the input, or abandoned
            java.time.Instant at = java.time.Instant.parse(end.asText());
            java.time.Instant before = lastEnd.get(r.partition());
            assertTrue(before == null || !at.isBefore(before),
                    "lifecycles partition " + r.partition() + " offset " + r.offset() + ": " + at + " after " + before);
            lastEnd.put(r.partition(), at);
            ended++;
        }
        assertTrue(ended > 500, "life cycles that ended: " + ended);
    }

    // =============================================================================================
    // Kafka helpers

    private static List<String> multilogLines() throws IOException {
        Path dir = Capture.multilogDir();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = new ArrayList<>(s.filter(f -> f.getFileName().toString().startsWith("@")).sorted().toList());
        }
        files.add(dir.resolve("current"));
        List<String> lines = new ArrayList<>();
        for (Path f : files) lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
        return lines;
    }

    private static void createTopics(Map<String, Integer> inputs, String prefix, int outputPartitions) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        inputs.forEach((t, p) -> topics.add(new NewTopic(t, p, (short) 1)));
        for (String name : OUTPUTS) topics.add(new NewTopic(prefix + name, outputPartitions, (short) 1));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap()))) {
            admin.createTopics(topics).all().get();
        }
    }

    /** The bytes the broker's log directories hold for {@code topic}, all partitions. */
    private static long bytesOnBroker(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap()))) {
            List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
            long bytes = 0;
            for (var dirs : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
                for (var dir : dirs.values()) {
                    for (var e : dir.replicaInfos().entrySet()) {
                        if (e.getKey().topic().equals(topic)) bytes += e.getValue().size();
                    }
                }
            }
            return bytes;
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return TestBroker.producer(BROKER.bootstrap());
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, String value) {
        return new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static void produce(String topic, String key, List<String> lines) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (String line : lines) sent.add(producer.send(record(topic, key, line)));
            producer.flush();
            for (Future<RecordMetadata> f : sent) f.get();
        }
    }

    private static long committedOffset(String topic, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap()))) {
            var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            var om = offsets.get(new TopicPartition(topic, 0));
            return om == null ? -1 : om.offset();
        }
    }

    /**
     * Every record a {@code read_committed} consumer sees in the topic: polls until at least
     * {@code expected} records have arrived and the consumer is at the end of every partition (so
     * records beyond the expected count are seen too), or until the timeout.
     */
    private static List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, long expected) {
        return TestBroker.readCommitted(BROKER.bootstrap(), topic, expected, READ_TIMEOUT);
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }

    private static String value(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }
}
