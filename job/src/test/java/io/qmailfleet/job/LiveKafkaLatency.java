package io.qmailfleet.job;

import io.qmailfleet.job.parse.Tai64n;
import io.qmailfleet.job.testutil.TestBroker;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.sink.KafkaOutputs;
import io.qmailfleet.job.source.KafkaLines;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * A live job on Kafka (exactly once unless its arguments say otherwise), fed one message at a
 * time by hosts that log nothing else in between: measures, per message, the wall time from its {@code end msg} line being acknowledged
 * by the broker to its life cycle being visible to a {@code read_committed} consumer.
 *
 * <p>The lines are multilog lines stamped with the wall clock at which they are produced, as
 * qmail-send would stamp them; after each message its host is silent until its next one. A reader
 * thread polls the lifecycles topic all the time and notes when each life cycle first became
 * visible, so messages can be sent while earlier ones are still on their way.
 */
final class LiveKafkaLatency implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaClusterTestKit kafka;
    private final String bootstrap;
    private final String input;
    private final String prefix;
    private JobClient job;
    private final KafkaProducer<byte[], byte[]> producer;
    /** Life cycles seen by the read_committed consumer: "host msgid" -> wall ms seen. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean closing;
    private volatile Throwable readerFailure;

    LiveKafkaLatency(String name) throws Exception {
        kafka = TestBroker.start();
        bootstrap = kafka.bootstrapServers();
        input = name + ".lines";
        prefix = name + ".";
        List<NewTopic> topics = new ArrayList<>(List.of(new NewTopic(input, 3, (short) 1)));
        for (String o : io.qmailfleet.job.sink.Outputs.ALL.stream().map(io.qmailfleet.job.sink.Output::name).toList()) {
            topics.add(new NewTopic(prefix + o, 1, (short) 1));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(topics).all().get();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        TestBroker.patient(p);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TopicPartition tp = new TopicPartition(prefix + "lifecycles", 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        reader = new Thread(() -> read(consumer), "lifecycles reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** The reader thread: notes the wall time at which each life cycle is first returned. */
    private void read(KafkaConsumer<byte[], byte[]> consumer) {
        try (consumer) {
            while (!closing) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    long now = System.currentTimeMillis();
                    JsonNode n = JSON.readTree(r.value());
                    seen.putIfAbsent(n.get("host").asText() + " " + n.get("msg_id").asLong(), now);
                }
            }
        } catch (Throwable t) {
            readerFailure = t;
        }
    }

    /**
     * Submits the live job (on the MiniCluster of the calling test) with the job's own options plus
     * {@code args}: exactly once unless they say {@code --exactly-once false}.
     */
    void startJob(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--kafka-bootstrap", bootstrap, "--input-topic", input,
                "--starting-offsets", "earliest", "--group-id", prefix + "job", "--sink", "kafka",
                "--topic-prefix", prefix, "--exactly-once", "true"));
        all.addAll(Arrays.asList(args));
        JobConfig cfg = JobConfig.from(CliArgs.parse(all.toArray(new String[0])));
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(cfg.checkpointInterval.toMillis());
        DataStream<RawLine> source = KafkaLines.stream(env, cfg, null);
        // the delivery guarantee and the producers' batches as the options say (exactly once unless
        // args say --exactly-once false)
        FleetPipeline.build(source, cfg, new KafkaOutputs(bootstrap, prefix, cfg.exactlyOnce, cfg.transactionalIdPrefix,
                cfg.kafkaMaxRecordBytes, cfg.kafkaBatching));
        job = env.executeAsync("live latency");
    }

    /** One multilog line stamped now. */
    private static String line(String text) {
        return Tai64n.label(System.currentTimeMillis() * 1_000_000L) + " " + text;
    }

    private void send(String host, String text) throws Exception {
        producer.send(new ProducerRecord<>(input, host.getBytes(StandardCharsets.UTF_8),
                line(text).getBytes(StandardCharsets.UTF_8))).get();
    }

    /**
     * One complete message of {@code host} (new msg ... end msg, each line acknowledged before the
     * next); returns the wall time (ms) at which its end msg line was acknowledged.
     */
    long message(String host, long msgId, int deliveryId) throws Exception {
        send(host, "new msg " + msgId);
        send(host, "info msg " + msgId + ": bytes 512 from <alice@example.com> qp " + (1000 + msgId) + " uid 1008");
        send(host, "starting delivery " + deliveryId + ": msg " + msgId + " to local bob@example.com");
        send(host, "status: local 1/10 remote 0/20");
        send(host, "delivery " + deliveryId + ": success: did_1+0+0/");
        send(host, "status: local 0/10 remote 0/20");
        send(host, "end msg " + msgId);
        return System.currentTimeMillis();
    }

    /** Polls the lifecycles topic until the life cycle of (host, msgId) is visible; returns the wall ms it was seen. */
    long awaitLifecycle(String host, long msgId, Duration timeout) throws Exception {
        String key = host + " " + msgId;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!seen.containsKey(key)) {
            if (readerFailure != null) throw new AssertionError("the lifecycles reader failed", readerFailure);
            if (System.nanoTime() > deadline) {
                throw new AssertionError("life cycle of " + key + " not visible after " + timeout + "; seen " + seen.keySet());
            }
            Thread.sleep(2);
        }
        return seen.get(key);
    }

    /** Whether the life cycle of (host, msgId) has been seen already (does not wait). */
    boolean visible(String host, long msgId) {
        return seen.containsKey(host + " " + msgId);
    }

    /** p-th percentile (0..100) of the values, nearest rank. */
    static long percentile(List<Long> values, double p) {
        List<Long> s = new ArrayList<>(values);
        s.sort(null);
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
    }

    @Override
    public void close() throws Exception {
        if (job != null) job.cancel().get();
        closing = true;
        reader.join(10_000);
        producer.close();
        kafka.close();
    }
}
