package io.qmailfleet.job.sink;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Encodes the records of one Kafka output (keyed JSON), counts them ({@link RecordCount},
 * {@code out-<name>}), and keeps every record the broker would reject out of the sink: a record
 * larger than the limit goes to {@link #TOO_LARGE} as a {@code RECORD_TOO_LARGE} dead letter
 * instead. One rejected record must not fail the sink, because the Kafka sink cannot skip a record
 * the broker refused: it fails the task (and, in the connector's close path, the whole TaskManager).
 *
 * <p>The other rejection, a timestamp out of the topic's range, cannot happen here: the Kafka
 * record timestamp is the time the sink writes the record, never the log time (see
 * {@link KafkaOutputs}).
 */
public final class KafkaRecords<T> extends ProcessFunction<T, KeyedJson> {
    private static final long serialVersionUID = 1L;

    /** Records too large for Kafka, as dead letters for the {@code dead-letters} output. */
    public static final OutputTag<DeadLetter> TOO_LARGE = new OutputTag<>("kafka-too-large") {};

    /**
     * Bytes of a record beside its key and value: the record batch header (61 bytes), the record's
     * own header (at most 21 bytes) and room for the producer's upper-bound estimate.
     */
    public static final int RECORD_OVERHEAD_BYTES = 128;

    private final String name;
    private final SerializableFunction<T, String> key;
    private final JsonEncoder<T> encoder;
    private final int maxRecordBytes;
    private transient JsonText json;
    private transient RecordCount count;
    private transient Counter tooLarge;

    public KafkaRecords(String name, SerializableFunction<T, String> key, JsonEncoder<T> encoder,
                        int maxRecordBytes) {
        this.name = name;
        this.key = key;
        this.encoder = encoder;
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public void open(OpenContext ctx) {
        json = new JsonText();
        count = new RecordCount(getRuntimeContext(), "out-" + name); // Output.counter()
        tooLarge = getRuntimeContext().getMetricGroup().counter("records-too-large-" + name);
    }

    /** The bytes a record takes against the limit: key, value and {@link #RECORD_OVERHEAD_BYTES}. */
    private static long size(String key, long valueBytes) {
        long k = key == null ? 0 : utf8Length(key);
        return k + valueBytes + RECORD_OVERHEAD_BYTES;
    }

    private static long utf8Length(String s) {
        // exact without copying: 1 byte below U+0080, 2 below U+0800, 4 for a surrogate pair, else 3
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    @Override
    public void processElement(T value, Context ctx, Collector<KeyedJson> out) {
        String k = key.apply(value);
        json.reset();
        encoder.write(json, value);
        long size = size(k, json.length());
        if (size <= maxRecordBytes) {
            count.add();
            out.collect(new KeyedJson(k, json.toBytes()));
            return;
        }
        tooLarge.inc();
        DeadLetter d = DeadLetter.of("sink", DeadLetterReason.RECORD_TOO_LARGE,
                "a " + name + " record of " + size + " bytes is larger than --kafka-max-record-bytes "
                        + maxRecordBytes + "; its JSON starts in raw",
                json.toString(), k, "output:" + name, -1);
        Long t = ctx.timestamp();
        d.tsNanos = t == null || t < 0 ? -1 : t * 1_000_000L;
        if (name.equals(Outputs.DEAD_LETTERS.name())) {
            // a dead letter's raw text is cut to DeadLetter.MAX_RAW_CHARS, so this one always fits
            json.reset();
            JsonLines.deadLetter(json, d);
            count.add();
            out.collect(new KeyedJson(k, json.toBytes()));
        } else {
            ctx.output(TOO_LARGE, d);
        }
    }
}
