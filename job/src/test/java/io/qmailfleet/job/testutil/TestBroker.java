package io.qmailfleet.job.testutil;

import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
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
