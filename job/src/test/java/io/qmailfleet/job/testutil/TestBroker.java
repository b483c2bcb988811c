package io.qmailfleet.job.testutil;

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
