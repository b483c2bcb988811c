package io.qmailfleet.job.sink;

import io.qmailfleet.job.alert.PageEvent;
import io.qmailfleet.job.alert.PageJson;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * JSON records to Kafka topics {@code <prefix>lifecycles}, {@code <prefix>alerts},
 * {@code <prefix>dead-letters}, {@code <prefix>events}, {@code <prefix>late}, keyed by host, and {@code <prefix>pages}, keyed by dedup key.
 * With exactly-once, records become visible to {@code read_committed} consumers when the checkpoint
 * that covers them completes.
 */
public final class KafkaOutputs implements PipelineSinks {
    private final String bootstrap;
    private final String topicPrefix;
    private final boolean exactlyOnce;
    private final boolean writeEvents;

    public KafkaOutputs(String bootstrap, String topicPrefix, boolean exactlyOnce, boolean writeEvents) {
        this.bootstrap = bootstrap;
        this.topicPrefix = topicPrefix;
        this.exactlyOnce = exactlyOnce;
        this.writeEvents = writeEvents;
    }

    public static String topic(String prefix, String name) {
        return prefix + name;
    }

    private static final class Serializer implements KafkaRecordSerializationSchema<KeyedJson> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(KeyedJson r, KafkaSinkContext ctx, Long timestamp) {
            return new ProducerRecord<>(topic, null, timestamp,
                    r.key == null ? null : r.key.getBytes(StandardCharsets.UTF_8),
                    r.json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private <T> void write(DataStream<T> stream, String name, SerializableFunction<T, String> key,
                           SerializableFunction<T, String> encoder) {
        String topic = topic(topicPrefix, name);
        KafkaSink<KeyedJson> sink = KafkaSink.<KeyedJson>builder()
                .setBootstrapServers(bootstrap)
                .setRecordSerializer(new Serializer(topic))
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
                .setTransactionalIdPrefix("qmail-fleet-" + name)
                // must not exceed the broker's transaction.max.timeout.ms (15 min by default)
                .setProperty("transaction.timeout.ms", "300000")
                .build();
        stream.map(new OutputCounter<T, KeyedJson>(name, v -> new KeyedJson(key.apply(v), encoder.apply(v))))
                .returns(KeyedJson.class).uid("json-" + name).name("json " + name)
                .sinkTo(sink).uid("kafka-" + name).name("kafka " + name);
    }

    @Override
    public void events(DataStream<QmailEvent> events) {
        if (writeEvents) write(events, "events", e -> e.host, JsonLines::event);
    }

    @Override
    public void deadLetters(DataStream<DeadLetter> deadLetters) {
        write(deadLetters, "dead-letters", d -> d.host, JsonLines::deadLetter);
    }

    @Override
    public void lifecycles(DataStream<LifecycleRecord> lifecycles) {
        write(lifecycles, "lifecycles", r -> r.host, JsonLines::lifecycle);
    }

    @Override
    public void alerts(DataStream<MessageAlert> alerts) {
        write(alerts, "alerts", a -> a.host, JsonLines::alert);
    }

    @Override
    public void late(DataStream<QmailEvent> late) {
        write(late, "late", e -> e.host, JsonLines::event);
    }

    /** Keyed by dedup key, so a key's trigger and resolve stay in one partition, in order. */
    @Override
    public void pages(DataStream<PageEvent> pages) {
        write(pages, "pages", p -> p.dedupKey, PageJson::page);
    }
}
