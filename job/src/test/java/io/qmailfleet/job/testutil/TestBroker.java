package io.qmailfleet.job.testutil;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * The in-JVM Kafka 4.2.0 broker of the Kafka tests: one combined broker and controller (KRaft).
 * Only what one broker cannot do differently from a production broker is changed (the transaction
 * and offsets logs cannot have 3 replicas; no initial rebalance delay); everything else, timestamp
 * limits and {@code message.max.bytes} included, is the broker's default.
 */
public final class TestBroker {
    private TestBroker() {}

    /**
     * Producer settings of the tests' own producers that keep them going on a slow machine: one
     * request in flight (a retried batch can never overtake or be overtaken, so an idempotent
     * producer cannot fall into OUT_OF_ORDER_SEQUENCE_NUMBER retries), and long request and
     * delivery timeouts (a loaded broker answers late, it does not lose records).
     */
    public static Properties patient(Properties p) {
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "120000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "600000");
        return p;
    }

    /**
     * Properties of a test's own producer, as a shipper of lines would send: every record
     * acknowledged by all replicas, idempotent, {@link #patient}, batches of 5 ms.
     */
    public static Properties producerProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        patient(p);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return p;
    }

    /** A producer of byte records with {@link #producerProperties}. */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return producer(producerProperties(bootstrap));
    }

    public static KafkaProducer<byte[], byte[]> producer(Properties p) {
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * What a read_committed consumer sees in {@code topic} from the beginning, read until at least
     * {@code expected} records have come and it is at the end of every partition (so records beyond
     * the expected count are seen too), or until {@code timeout}: then whatever came so far.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrap, String topic, long expected,
                                                                     Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        read(bootstrap, topic, expected, timeout, out);
        return out;
    }

    /** Like {@link #readCommitted}, but fails when the records have not all come within {@code timeout}. */
    public static List<ConsumerRecord<byte[], byte[]>> awaitCommitted(String bootstrap, String topic, long expected,
                                                                      Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        if (!read(bootstrap, topic, expected, timeout, out)) {
            throw new AssertionError(topic + ": " + out.size() + " committed records, expected " + expected);
        }
        return out;
    }

    /** Reads into {@code out}; true when at least {@code expected} came and the consumer reached the end. */
    private static boolean read(String bootstrap, String topic, long expected, Duration timeout,
                                List<ConsumerRecord<byte[], byte[]>> out) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(topic)) tps.add(new TopicPartition(topic, pi.partition()));
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) out.add(r);
                if (out.size() < expected) continue;
                Map<TopicPartition, Long> end = c.endOffsets(tps);
                boolean atEnd = true;
                for (TopicPartition tp : tps) atEnd &= c.position(tp) >= end.get(tp);
                if (atEnd) return true;
            }
        }
        return false;
    }

    /** Formats, starts and waits for a one-node cluster; the caller closes it. */
    public static KafkaClusterTestKit start() throws Exception {
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build();
        KafkaClusterTestKit kafka = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
        return kafka;
    }
}
