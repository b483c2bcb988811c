package io.qmailfleet.job;

import static io.qmailfleet.job.testutil.PipelineRunner.acc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import io.qmailfleet.job.parse.Tai64n;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.source.LineTimestamps;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.BrokerExtension;
import io.qmailfleet.job.testutil.TestBroker;
import io.qmailfleet.job.testutil.PipelineRunner;
import io.qmailfleet.job.testutil.Schemas;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hosts with wrong clocks and records Kafka would refuse, against a real in-JVM broker left at its
 * defaults (notably {@code log.message.timestamp.after.max.ms} = 1 h), with the topics configured
 * exactly as {@code deploy/create-topics.sh} configures them: one host's clock runs a month ahead of
 * the broker's, another's a month behind, the shipper stamps records with the log time, one line is
 * 2 MB long and one message's life cycle is larger than the record limit. The job must finish with
 * every output committed: records stamped with the time they were written, the too-long line and
 * the too-large life cycle dead-lettered with their reasons.
 */
class KafkaClockSkewTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MONTH = Duration.ofDays(30);
    private static final String PREFIX = "skew.";
    private static final String INPUT = PREFIX + "lines";
    private static final String[] OUTPUTS = Outputs.ALL.stream().map(Output::name).toArray(String[]::new);
    private static final int MAX_RECORD_BYTES = 65536;
    private static final int BIG_RECIPIENTS = 400;
    private static final int LONG_LINE_CHARS = 2_000_000;

    /** A multilog line stamped at {@code t}. */
    private static String ml(Instant t, String text) {
        return Tai64n.label(t.getEpochSecond(), t.getNano()) + " " + text;
    }

    /** One message of {@code recipients} remote recipients, each delivered once, 1 ms per line from {@code t0}. */
    private static List<String> message(Instant t0, long id, int recipients) {
        List<String> lines = new ArrayList<>();
        Instant[] t = {t0};
        java.util.function.Consumer<String> add = s -> {
            lines.add(ml(t[0], s));
            t[0] = t[0].plusMillis(1);
        };
        add.accept("new msg " + id);
        add.accept("info msg " + id + ": bytes 2048 from <list-owner@lists.example.org> qp " + (id + 7000) + " uid 1008");
        for (int d = 1; d <= recipients; d++) {
            String rcpt = "subscriber-number-" + d + "-with-a-long-mailbox-name@customer-" + d + ".example.net";
            add.accept("starting delivery " + d + ": msg " + id + " to remote " + rcpt);
            add.accept("delivery " + d + ": success: 192.0.2." + (d % 250) + "_accepted_message./Remote_host_said:_250_2.0.0_Ok:_queued_as_"
                    + Long.toHexString(id * 100000 + d).toUpperCase() + "/");
        }
        add.accept("end msg " + id);
        return lines;
    }

    /** The topic configs deploy/create-topics.sh sets, read from its dry run (the real script, run by bash). */
    private static Map<String, Map<String, String>> createTopicsConfigs() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Capture.repo().resolve("deploy/create-topics.sh").toString(),
                BROKER.bootstrap(), "2", "1");
        pb.environment().put("DRY_RUN", "1");
        pb.environment().put("TOPIC_PREFIX", PREFIX);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Map<String, Map<String, String>> topics = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (!line.contains("--create")) continue;
            String[] w = line.trim().split("\\s+");
            String topic = null;
            Map<String, String> configs = new LinkedHashMap<>();
            for (int i = 0; i + 1 < w.length; i++) {
                if (w[i].equals("--topic")) topic = w[i + 1];
                if (w[i].equals("--config")) {
                    String[] kv = w[i + 1].split("=", 2);
                    configs.put(kv[0], kv[1]);
                }
            }
            topics.put(topic, configs);
        }
        return topics;
    }

    @Test
    void hostsAMonthAheadAndBehindAndRecordsKafkaWouldRefuseDoNotStopTheJob() throws Exception {
        Map<String, Map<String, String>> configs = createTopicsConfigs();
        Set<String> expected = new java.util.HashSet<>(Set.of(INPUT));
        for (String name : OUTPUTS) expected.add(PREFIX + name);
        assertEquals(expected, configs.keySet());
        assertEquals("LogAppendTime", configs.get(INPUT).get("message.timestamp.type"));
        assertEquals("CreateTime", configs.get(PREFIX + "lifecycles").get("message.timestamp.type"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap()))) {
            List<NewTopic> topics = new ArrayList<>();
            configs.forEach((t, c) -> topics.add(new NewTopic(t, 2, (short) 1).configs(c)));
            admin.createTopics(topics).all().get();
        }

        Instant start = Instant.now();
        Instant ahead = start.plus(MONTH);
        Instant behind = start.minus(MONTH);
        Map<String, List<String>> linesOfHost = new LinkedHashMap<>();
        List<String> a = new ArrayList<>(message(ahead, 101, 1));
        a.addAll(message(ahead.plusSeconds(10), 102, BIG_RECIPIENTS));
        a.addAll(message(ahead.plusSeconds(20), 103, 2));
        linesOfHost.put("ahead", a);
        List<String> b = new ArrayList<>(message(behind, 201, 1));
        String longLine = ml(behind.plusSeconds(5), "warning: " + "x".repeat(LONG_LINE_CHARS));
        b.add(longLine);
        b.addAll(message(behind.plusSeconds(10), 202, 3));
        linesOfHost.put("behind", b);

        int produced = 0;
        RecordMetadata longLineAt = null;
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : linesOfHost.entrySet()) {
                for (String line : e.getValue()) {
                    // a shipper that stamps each record with the line's log time
                    long logTime = LineTimestamps.epochMillis(line);
                    Future<RecordMetadata> f = producer.send(new ProducerRecord<>(INPUT, null, logTime,
                            e.getKey().getBytes(StandardCharsets.UTF_8), line.getBytes(StandardCharsets.UTF_8)));
                    if (line == longLine) longLineAt = f.get();
                    sent.add(f);
                }
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) f.get();
            produced = sent.size();
        }

        JobExecutionResult result = Main.run(JobConfig.from(CliArgs.parse(new String[] {
                "--kafka-bootstrap", BROKER.bootstrap(), "--input-topic", INPUT, "--starting-offsets", "earliest",
                "--bounded", "true", "--sink", "kafka", "--topic-prefix", PREFIX, "--exactly-once", "true",
                "--checkpoint-interval", "1s", "--kafka-max-record-bytes", Integer.toString(MAX_RECORD_BYTES)})));
        Instant end = Instant.now();

        long read = acc(result, "lines-read");
        assertEquals(produced, read);
        assertEquals(read, acc(result, "lines-parsed") + acc(result, "lines-dead-lettered"));
        assertEquals(1, acc(result, "lines-dead-lettered"), "the 2 MB line");

        // the input topic stamped the lines on arrival, whatever the shipper said
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(INPUT, produced)) {
            assertEquals(TimestampType.LOG_APPEND_TIME, r.timestampType());
            assertTrue(within(r.timestamp(), start, end), "arrival time, not log time: " + r.timestamp());
        }

        Map<String, List<ConsumerRecord<byte[], byte[]>>> out = new HashMap<>();
        for (String name : OUTPUTS) out.put(name, readCommitted(PREFIX + name, acc(result, "out-" + name)));

        // every output record is stamped with the time the job wrote it; the log time is in the JSON
        for (String name : OUTPUTS) {
            for (ConsumerRecord<byte[], byte[]> r : out.get(name)) {
                assertEquals(TimestampType.CREATE_TIME, r.timestampType());
                assertTrue(within(r.timestamp(), start, end), name + ": processing time, not log time: " + r.timestamp());
            }
        }

        // life cycles: all but the one too large, with their hosts' own (skewed) times
        JsonSchema lifecycleSchema = Schemas.load("lifecycle.schema.json");
        Map<String, Instant> newOfLifecycle = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out.get("lifecycles")) {
            String json = value(r);
            assertEquals(Set.of(), Schemas.validate(lifecycleSchema, json), json);
            JsonNode n = JSON.readTree(json);
            assertEquals("complete", n.get("status").asText(), json);
            newOfLifecycle.put(n.get("host").asText() + "/" + n.get("msg_id").asLong(), Instant.parse(n.get("new").asText()));
        }
        assertEquals(Set.of("ahead/101", "ahead/103", "behind/201", "behind/202"), newOfLifecycle.keySet());
        assertEquals(ahead, newOfLifecycle.get("ahead/101"));
        assertEquals(behind, newOfLifecycle.get("behind/201"));
        assertEquals(acc(result, "lines-parsed"), out.get("events").size(), "every parsed line is an event");
        assertEquals(List.of(), out.get("late").stream().map(KafkaClockSkewTest::value).toList(),
                "a month between two hosts' clocks makes no line late");

        // dead letters: the 2 MB line (parse stage) and the too-large life cycle (sink stage)
        JsonSchema deadSchema = Schemas.load("dead-letter.schema.json");
        Map<String, JsonNode> deadByReason = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out.get("dead-letters")) {
            String json = value(r);
            assertEquals(Set.of(), Schemas.validate(deadSchema, json), json);
            JsonNode n = JSON.readTree(json);
            deadByReason.put(n.get("reason").asText(), n);
        }
        assertEquals(Set.of("TOO_LONG", "RECORD_TOO_LARGE"), deadByReason.keySet());
        JsonNode tooLong = deadByReason.get("TOO_LONG");
        assertEquals("behind", tooLong.get("host").asText());
        assertEquals("kafka:" + INPUT + "/" + longLineAt.partition(), tooLong.get("origin").asText());
        assertEquals(longLineAt.offset(), tooLong.get("position").asLong());
        assertEquals(longLine.length(), tooLong.get("raw_length").asInt());
        JsonNode tooLarge = deadByReason.get("RECORD_TOO_LARGE");
        assertEquals("sink", tooLarge.get("stage").asText());
        assertEquals("ahead", tooLarge.get("host").asText());
        assertEquals("output:lifecycles", tooLarge.get("origin").asText());
        assertTrue(tooLarge.get("raw").asText().startsWith("{\"record\":\"lifecycle\""), tooLarge.toString());
        assertTrue(tooLarge.get("raw").asText().contains("\"msg_id\":102"), tooLarge.toString());
        assertTrue(tooLarge.get("truncated").asBoolean());
        assertTrue(tooLarge.get("raw_length").asInt() > MAX_RECORD_BYTES - 200, tooLarge.toString());
        assertTrue(tooLarge.get("detail").asText().contains("--kafka-max-record-bytes " + MAX_RECORD_BYTES), tooLarge.toString());
        assertEquals(4, acc(result, "out-lifecycles"), "written: four life cycles, not the fifth");
    }

    @Test
    void outputTopicsThatTakeSmallerRecordsThanTheLimitAreOneClearErrorAtSubmission() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("small.lines", 1, (short) 1),
                    new NewTopic("small.lifecycles", 1, (short) 1).configs(Map.of("max.message.bytes", "100000")))).all().get();
        }
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> Main.run(JobConfig.from(CliArgs.parse(new String[] {
                        "--kafka-bootstrap", BROKER.bootstrap(), "--input-topic", "small.lines", "--bounded", "true",
                        "--sink", "kafka", "--topic-prefix", "small."}))));
        assertEquals("Kafka output topics take smaller records than --kafka-max-record-bytes 1048576: "
                + "small.lifecycles has max.message.bytes 100000; lower --kafka-max-record-bytes or raise the"
                + " topics' max.message.bytes (deploy/create-topics.sh)", e.getMessage());
    }

    private static boolean within(long millis, Instant start, Instant end) {
        return millis >= start.toEpochMilli() - 1000 && millis <= end.toEpochMilli() + 1000;
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = TestBroker.producerProperties(BROKER.bootstrap());
        // the 2 MB line: a shipper must allow records as large as the input topic does
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 << 20));
        return TestBroker.producer(p);
    }

    /** Every record a read_committed consumer sees, once at least {@code expected} came and it is at the end. */
    private static List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, long expected) {
        return TestBroker.readCommitted(BROKER.bootstrap(), topic, expected, Duration.ofSeconds(30));
    }

    private static String value(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }
}
