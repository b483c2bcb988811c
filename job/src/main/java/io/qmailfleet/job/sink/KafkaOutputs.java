package io.qmailfleet.job.sink;

import io.qmailfleet.job.model.DeadLetter;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * JSON records to one Kafka topic per {@link Output}, {@code <prefix><output name>}, keyed by host.
 * With exactly-once, records become visible to {@code read_committed} consumers when the checkpoint
 * that covers them completes; transactional ids are {@code <transactional id prefix><output name>},
 * so two deployments on one Kafka cluster need different prefixes.
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
 *
 * <p><b>Batches.</b> Each producer fills batches of up to {@link Batching#batchBytes} per partition,
 * waits up to {@link Batching#linger} for a batch to fill, and compresses it
 * ({@link Batching#compression}, lz4 by default, as the shipper's line topic). The producer's own
 * defaults (16 KB batches, 5 ms, no compression) send the job's output in many small requests:
 * in a Kafka backfill (BENCHMARKS.md) the job spent a quarter more CPU and the broker three times
 * as much as with these. A batch is one message to the broker, so it is never larger than the
 * record limit.
 */
public final class KafkaOutputs implements PipelineSinks {
    /** Default of {@code --kafka-max-record-bytes}: the producer's default {@code max.request.size}. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1048576;

    private final String bootstrap;
    private final String topicPrefix;
    private final boolean exactlyOnce;
    private final String transactionalIdPrefix;
    private final int maxRecordBytes;
    private final Batching batching;
    private DataStream<DeadLetter> deadLetters;
    private final List<DataStream<DeadLetter>> tooLarge = new ArrayList<>();

    public KafkaOutputs(String bootstrap, String topicPrefix, boolean exactlyOnce, String transactionalIdPrefix) {
        this(bootstrap, topicPrefix, exactlyOnce, transactionalIdPrefix, DEFAULT_MAX_RECORD_BYTES);
    }

    public KafkaOutputs(String bootstrap, String topicPrefix, boolean exactlyOnce, String transactionalIdPrefix,
                        int maxRecordBytes) {
        this(bootstrap, topicPrefix, exactlyOnce, transactionalIdPrefix, maxRecordBytes, Batching.DEFAULT);
    }

    public KafkaOutputs(String bootstrap, String topicPrefix, boolean exactlyOnce, String transactionalIdPrefix,
                        int maxRecordBytes, Batching batching) {
        this.bootstrap = bootstrap;
        this.topicPrefix = topicPrefix;
        this.exactlyOnce = exactlyOnce;
        this.transactionalIdPrefix = transactionalIdPrefix;
        this.maxRecordBytes = maxRecordBytes;
        this.batching = batching;
    }

    /**
     * How the output producers batch and compress ({@code --kafka-linger}, {@code --kafka-batch-bytes},
     * {@code --kafka-compression}): {@code linger.ms}, {@code batch.size} (used up to the record
     * limit) and {@code compression.type}.
     */
    public record Batching(Duration linger, int batchBytes, String compression) implements Serializable {
        /** The values {@code compression.type} takes. */
        public static final List<String> COMPRESSIONS = List.of("none", "gzip", "snappy", "lz4", "zstd");
        public static final Batching DEFAULT = new Batching(Duration.ofMillis(50), 512 * 1024, "lz4");

        /** The producer properties, with the batch no larger than {@code maxRecordBytes}. */
        Properties producerProperties(int maxRecordBytes) {
            Properties p = new Properties();
            p.setProperty("linger.ms", Long.toString(linger.toMillis()));
            p.setProperty("batch.size", Integer.toString(Math.min(batchBytes, maxRecordBytes)));
            p.setProperty("compression.type", compression);
            return p;
        }
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
                    r.json);
        }
    }

    @Override
    public <T> void write(Output<T> output, List<DataStream<T>> parts) {
        if (output == Outputs.DEAD_LETTERS) {
            PipelineSinks.super.write(output, parts);
            return;
        }
        send(output, parts);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> void write(Output<T> output, DataStream<T> stream) {
        if (output == Outputs.DEAD_LETTERS) {
            // written in finish(), together with the records of other outputs that are too large
            deadLetters = (DataStream<DeadLetter>) stream;
            return;
        }
        send(output, List.of(stream));
    }

    private KafkaSink<KeyedJson> sink(Output<?> output) {
        String name = output.name();
        return KafkaSink.<KeyedJson>builder()
                .setBootstrapServers(bootstrap)
                .setRecordSerializer(new Serializer(output.topic(topicPrefix)))
                .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix + name)
                // must not exceed the broker's transaction.max.timeout.ms (15 min by default)
                .setProperty("transaction.timeout.ms", "300000")
                // every record that gets here fits (KafkaRecords keeps larger ones out)
                .setProperty("max.request.size", Integer.toString(maxRecordBytes))
                .setKafkaProducerConfig(batching.producerProperties(maxRecordBytes))
                .build();
    }

    /**
     * The output's streams to its topic. Each is encoded to JSON where it is made, chained to the
     * operator that makes it (an output of several, such as the life cycles of the host sequencer
     * and the relay trace's updates, would otherwise meet as records in an encoder that could be
     * chained to neither, every record crossing a network channel to reach it); only their JSON
     * meets, at one producer per subtask. The producers run at the first stream's parallelism,
     * where it is made: over a forward channel each key's records (a host's events, a message's
     * life cycles, an alert's pages) reach one producer in the order they were made, also when the
     * stream comes from a task of another parallelism than the job's (the reader's, for one host's
     * files). A record too large for Kafka goes to {@link #tooLarge}.
     */
    private <T> void send(Output<T> output, List<DataStream<T>> parts) {
        DataStream<KeyedJson> all = null;
        for (int i = 0; i < parts.size(); i++) {
            SingleOutputStreamOperator<KeyedJson> records = records(output, parts.get(i), i == 0 ? "" : "-" + (i + 1));
            tooLarge.add(records.getSideOutput(KafkaRecords.TOO_LARGE));
            all = all == null ? records : all.union(records);
        }
        all.sinkTo(sink(output)).uid("kafka-" + output.name()).name("kafka " + output.name())
                .setParallelism(parts.get(0).getParallelism());
    }

    /** The stream's records as JSON, at its parallelism (chained to the operator that makes them). */
    private <T> SingleOutputStreamOperator<KeyedJson> records(Output<T> output, DataStream<T> stream, String suffix) {
        String name = output.name();
        return stream.process(new KafkaRecords<T>(name, output.host(), output.encoder(), maxRecordBytes))
                .returns(KeyedJson.class).uid("json-" + name + suffix).name("json " + name + suffix)
                .setParallelism(stream.getParallelism());
    }

    @Override
    public void finish() {
        if (deadLetters == null) return;
        DataStream<DeadLetter> all = deadLetters;
        for (DataStream<DeadLetter> t : tooLarge) all = all.union(t);
        send(Outputs.DEAD_LETTERS, List.of(all));
        deadLetters = null;
        tooLarge.clear();
    }
}
