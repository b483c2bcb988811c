package io.qmailfleet.job.source;

import io.qmailfleet.job.model.RawLine;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One Kafka record = one log line (raw text or a JSON envelope). The transport's host is the
 * record header {@code host} if present, else the record key (producers should key records by
 * host: that keeps each host's lines in one partition, in order). A trailing CR/LF is removed.
 * A record with a null value becomes an empty line, which the parser dead-letters: nothing is
 * dropped here.
 */
public final class KafkaLineDeserializer implements KafkaRecordDeserializationSchema<RawLine> {
    private static final long serialVersionUID = 1L;

    public static final String HOST_HEADER = "host";

    /**
     * The origin of the partition read last, one string for its records: made once per partition
     * change, not per record, and the same object from record to record, which lets the JSON
     * writers copy its encoding ({@code JsonText.repeatedStringField}).
     */
    private transient String origin;
    private transient String originTopic;
    private transient int originPartition;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawLine> out) {
        if (origin == null || record.partition() != originPartition || !record.topic().equals(originTopic)) {
            originTopic = record.topic();
            originPartition = record.partition();
            origin = origin(originTopic, originPartition);
        }
        out.collect(toRawLine(record, origin));
    }

    /** A record's origin: {@code kafka:<topic>/<partition>}. */
    static String origin(String topic, int partition) {
        return "kafka:" + topic + "/" + partition;
    }

    public static RawLine toRawLine(ConsumerRecord<byte[], byte[]> record) {
        return toRawLine(record, origin(record.topic(), record.partition()));
    }

    private static RawLine toRawLine(ConsumerRecord<byte[], byte[]> record, String origin) {
        String host = null;
        Header h = record.headers() == null ? null : record.headers().lastHeader(HOST_HEADER);
        if (h != null && h.value() != null && h.value().length > 0) {
            host = new String(h.value(), StandardCharsets.UTF_8).trim();
        } else if (record.key() != null && record.key().length > 0) {
            host = new String(record.key(), StandardCharsets.UTF_8).trim();
        }
        if (host != null && host.isEmpty()) host = null;
        byte[] v = record.value();
        int len = v == null ? 0 : v.length;
        while (len > 0 && (v[len - 1] == '\n' || v[len - 1] == '\r')) len--;
        String text = v == null ? "" : new String(v, 0, len, StandardCharsets.UTF_8);
        RawLine line = new RawLine(text, host, origin, record.offset());
        line.arrivalMillis = record.timestamp();
        return line;
    }

    @Override
    public TypeInformation<RawLine> getProducedType() {
        return TypeInformation.of(RawLine.class);
    }
}
