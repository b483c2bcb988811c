package io.qmailfleet.job.sink;

import io.qmailfleet.job.alert.PageEvent;
import io.qmailfleet.job.alert.PageJson;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * JSON records to Kafka topics {@code <prefix>lifecycles}, {@code <prefix>alerts},
 * {@code <prefix>dead-letters}, {@code <prefix>events}, {@code <prefix>late}, keyed by host, and {@code <prefix>pages}, keyed by dedup key.
 * With exactly-once, records become visible to {@code read_committed} consumers when the checkpoint
 * that covers them completes.
 *
 * <p><b>Record timestamps.</b> The Kafka timestamp of every output record is the time the job
 * writes it (processing time, set by the producer), never the log time: a host whose clock runs a
 * month ahead would otherwise write records the broker rejects ({@code log.message.timestamp.after.max.ms},
 * one hour by default), and a month-old backfill would write records that time retention deletes at
 * once. The log times are in the JSON ({@code ts}, {@code new}, {@code end}, ...).
 *
 * <p><b>Record size.</b> A record larger than {@code --kafka-max-record-bytes} is not sent (the
 * sink would fail on it): it becomes a {@code RECORD_TOO_LARGE} dead letter (see {@link KafkaRecords}).
 * The output topics' {@code max.message.bytes} must be at least that limit (the broker default,
 * 1048588, is; {@code deploy/create-topics.sh} sets it).
 */
public final class KafkaOutputs implements PipelineSinks {
    /** Default of {@code --kafka-max-record-bytes}: the producer's default {@code max.request.size}. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1048576;

    private final String bootstrap;
    private final String topicPrefix;
    private final boolean exactlyOnce;
    private final boolean writeEvents;
    private final int maxRecordBytes;
    private DataStream<DeadLetter> deadLetters;
    private final List<DataStream<DeadLetter>> tooLarge = new ArrayList<>();

    public KafkaOutputs(String bootstrap, String topicPrefix, boolean exactlyOnce, boolean writeEvents) {
        this(bootstrap, topicPrefix, exactlyOnce, writeEvents, DEFAULT_MAX_RECORD_BYTES);
    }

    public KafkaOutputs(String bootstrap, String topicPrefix, boolean exactlyOnce, boolean writeEvents,
                        int maxRecordBytes) {
        this.bootstrap = bootstrap;
        this.topicPrefix = topicPrefix;
        this.exactlyOnce = exactlyOnce;
        this.writeEvents = writeEvents;
        this.maxRecordBytes = maxRecordBytes;
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
        public ProducerRecord<byte[], byte[]> serialize(KeyedJson r, KafkaSinkContext ctx, Long logTime) {
            // no timestamp: the producer stamps the record with the time it sends it (see above)
            return new ProducerRecord<>(topic, null, null,
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
                // every record that gets here fits (KafkaRecords keeps larger ones out)
                .setProperty("max.request.size", Integer.toString(maxRecordBytes))
                .build();
        SingleOutputStreamOperator<KeyedJson> records = stream
                .process(new KafkaRecords<T>(name, key, encoder, maxRecordBytes))
                .returns(KeyedJson.class).uid("json-" + name).name("json " + name);
        if (!name.equals("dead-letters")) tooLarge.add(records.getSideOutput(KafkaRecords.TOO_LARGE));
        records.sinkTo(sink).uid("kafka-" + name).name("kafka " + name);
    }

    @Override
    public void events(DataStream<QmailEvent> events) {
        if (writeEvents) write(events, "events", e -> e.host, JsonLines::event);
    }

    @Override
    public void deadLetters(DataStream<DeadLetter> deadLetters) {
        // written in finish(), together with the records of other outputs that are too large
        this.deadLetters = deadLetters;
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

    @Override
    public void finish() {
        if (deadLetters == null) return;
        DataStream<DeadLetter> all = deadLetters;
        for (DataStream<DeadLetter> t : tooLarge) all = all.union(t);
        write(all, "dead-letters", d -> d.host, JsonLines::deadLetter);
        deadLetters = null;
        tooLarge.clear();
    }
}
