package io.qmailfleet.job.sink;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * JSON records to one Kafka topic per {@link Output}, {@code <prefix><output name>}, keyed by host.
 * With exactly-once, records become visible to {@code read_committed} consumers when the checkpoint
 * that covers them completes; transactional ids are {@code <transactional id prefix><output name>},
 * so two deployments on one Kafka cluster need different prefixes.
 */
public final class KafkaOutputs implements PipelineSinks {
    private final String bootstrap;
    private final String topicPrefix;
    private final boolean exactlyOnce;
    private final String transactionalIdPrefix;

    public KafkaOutputs(String bootstrap, String topicPrefix, boolean exactlyOnce, String transactionalIdPrefix) {
        this.bootstrap = bootstrap;
        this.topicPrefix = topicPrefix;
        this.exactlyOnce = exactlyOnce;
        this.transactionalIdPrefix = transactionalIdPrefix;
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

    @Override
    public <T> void write(Output<T> output, DataStream<T> stream) {
        String name = output.name();
        KafkaSink<KeyedJson> sink = KafkaSink.<KeyedJson>builder()
                .setBootstrapServers(bootstrap)
                .setRecordSerializer(new Serializer(output.topic(topicPrefix)))
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix + name)
                // must not exceed the broker's transaction.max.timeout.ms (15 min by default)
                .setProperty("transaction.timeout.ms", "300000")
                .build();
        SerializableFunction<T, String> key = output.host();
        SerializableFunction<T, String> json = output.json();
        stream.map(new OutputCounter<T, KeyedJson>(output.counter(), v -> new KeyedJson(key.apply(v), json.apply(v))))
                .returns(KeyedJson.class).uid("json-" + name).name("json " + name)
                .sinkTo(sink).uid("kafka-" + name).name("kafka " + name);
    }
}
