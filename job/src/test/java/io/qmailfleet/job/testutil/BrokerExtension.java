package io.qmailfleet.job.testutil;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's in-JVM broker ({@link TestBroker#start}): started before the class's tests,
 * closed after them. Register it as a static field with {@code @RegisterExtension}.
 */
public final class BrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private KafkaClusterTestKit kafka;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        kafka = TestBroker.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (kafka != null) kafka.close();
        kafka = null;
    }

    /** The broker's bootstrap servers; only while the class's tests run. */
    public String bootstrap() {
        if (kafka == null) throw new IllegalStateException("the broker is not running");
        return kafka.bootstrapServers();
    }
}
