package io.qmailfleet.job;

import static io.qmailfleet.job.testutil.PipelineRunner.acc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.ParseFunction;
import io.qmailfleet.job.parse.Tai64n;
import io.qmailfleet.job.sink.KafkaOutputs;
import io.qmailfleet.job.source.KafkaLines;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.BrokerExtension;
import io.qmailfleet.job.testutil.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A live exactly-once job loses a TaskManager: the real capture is produced in two halves to a
 * real in-JVM broker, the job (the job's own Kafka source, graph and Kafka sinks) runs on a
 * MiniCluster of two one-slot TaskManagers, and after the first half is visible one TaskManager is
 * terminated and a fresh one started. What read_committed consumers see must equal a bounded run
 * without failure over the same input, with no duplicate and nothing missing, and the line counts
 * of the job's whole life must still add up (read = parsed + dead = lines produced).
 */
class KafkaTaskManagerLossTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(2).setNumberSlotsPerTaskManager(1).build());

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration AWAIT = Duration.ofSeconds(120);

    @Test
    void aLostTaskManagerChangesNothingInTheCommittedOutputAndTheCountsAddUp(
            @InjectMiniCluster MiniCluster cluster, @TempDir Path savepoints) throws Exception {
        String input = "loss.lines";
        createTopics(input, "live.", "base.");
        List<String> lines = multilogLines();
        // a last line 10 s after the capture's end: the live job releases its reorder buffer on it
        // (a bounded run releases everything at the end of its input anyway)
        String last = lines.get(lines.size() - 1);
        lines.add(Tai64n.label(Tai64n.epochNanos(last, 1) + 10_000_000_000L) + " warning: end of the test log");
        int half = lines.size() / 2;

        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(500);
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {
                "--kafka-bootstrap", BROKER.bootstrap(), "--input-topic", input, "--starting-offsets", "earliest",
                "--group-id", "loss-live", "--sink", "kafka", "--topic-prefix", "live.", "--exactly-once", "true"}));
        DataStream<RawLine> source = KafkaLines.stream(env, cfg, null);
        FleetPipeline.build(source, cfg, new KafkaOutputs(BROKER.bootstrap(), "live.", true, cfg.transactionalIdPrefix, cfg.kafkaMaxRecordBytes));
        JobClient job = env.executeAsync("task manager loss");

        produce(input, "mail", lines.subList(0, half));
        awaitCommitted("live.events", half);

        // one of the two TaskManagers (each runs one of the job's two slots) goes away, a new one comes
        cluster.terminateTaskManager(0).get();
        cluster.startTaskManager();
        produce(input, "mail", lines.subList(half, lines.size()));
        List<ConsumerRecord<byte[], byte[]>> events = awaitCommitted("live.events", lines.size());
        List<ConsumerRecord<byte[], byte[]>> lifecycles = awaitCommitted("live.lifecycles", 539);

        String savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL).get();
        assertTrue(savepoint != null && !savepoint.isEmpty());
        JobExecutionResult live = job.getJobExecutionResult().get();
        var graph = cluster.getExecutionGraph(job.getJobID()).get();
        assertTrue(graph.getStatusTimestamp(JobStatus.RESTARTING) > 0, "the job did restart after the loss");

        assertEquals(lines.size(), acc(live, ParseFunction.ACC_READ), "every line read once over the job's life");
        assertEquals(acc(live, ParseFunction.ACC_READ),
                acc(live, ParseFunction.ACC_PARSED) + acc(live, ParseFunction.ACC_DEAD));

        // the baseline: the same input, bounded, no failure
        JobExecutionResult base = Main.run(JobConfig.from(CliArgs.parse(new String[] {
                "--kafka-bootstrap", BROKER.bootstrap(), "--input-topic", input, "--starting-offsets", "earliest",
                "--group-id", "loss-base", "--bounded", "true", "--sink", "kafka", "--topic-prefix", "base.",
                "--exactly-once", "true", "--checkpoint-interval", "1s"})));
        assertEquals(lines.size(), acc(base, ParseFunction.ACC_READ));
        assertEquals(sorted(awaitCommitted("base.events", lines.size())), sorted(events), "events: as the baseline");
        assertEquals(sorted(awaitCommitted("base.lifecycles", 539)), sorted(lifecycles), "life cycles: as the baseline");
        assertEquals(539, lifecycles.size(), "no duplicates, none missing");
    }

    private static List<String> sorted(List<ConsumerRecord<byte[], byte[]>> records) {
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) out.add(new String(r.value(), StandardCharsets.UTF_8));
        out.sort(null);
        return out;
    }

    private static List<String> multilogLines() throws Exception {
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

    private static void createTopics(String input, String... prefixes) throws Exception {
        List<NewTopic> topics = new ArrayList<>(List.of(new NewTopic(input, 2, (short) 1)));
        for (String p : prefixes) {
            for (String name : List.of("lifecycles", "message-alerts", "dead-letters", "events", "late")) {
                topics.add(new NewTopic(p + name, 2, (short) 1));
            }
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap()))) {
            admin.createTopics(topics).all().get();
        }
    }

    private static void produce(String topic, String key, List<String> lines) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        TestBroker.patient(p);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (String line : lines) {
                sent.add(producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                        line.getBytes(StandardCharsets.UTF_8))));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) f.get();
        }
    }

    /**
     * What a read_committed consumer sees in the topic once at least {@code expected} records are
     * committed and it has reached the end of every partition; fails if they never come.
     */
    private static List<ConsumerRecord<byte[], byte[]>> awaitCommitted(String topic, int expected) {
        return TestBroker.awaitCommitted(BROKER.bootstrap(), topic, expected, AWAIT);
    }
}
