package io.qmailfleet.job.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.qmailfleet.job.model.RawLine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class KafkaLineDeserializerTest {
    private static ConsumerRecord<byte[], byte[]> record(String key, String value, String hostHeader) {
        RecordHeaders headers = new RecordHeaders();
        if (hostHeader != null) headers.add("host", hostHeader.getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>("qmail-lines", 3, 42L, 1795551251915L, TimestampType.CREATE_TIME, -1, -1,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), headers, Optional.empty());
    }

    @Test
    void keyIsTheHostAndPositionIsTheOffset() {
        RawLine l = KafkaLineDeserializer.toRawLine(record("mx1", "@400000006b05f01d368b8a04 new msg 1459593\n", null));
        assertEquals("mx1", l.host);
        assertEquals("@400000006b05f01d368b8a04 new msg 1459593", l.text);
        assertEquals("kafka:qmail-lines/3", l.origin);
        assertEquals(42L, l.position);
        assertEquals(1795551251915L, l.arrivalMillis);
    }

    @Test
    void recordsOfOnePartitionShareOneOriginString() {
        KafkaLineDeserializer d = new KafkaLineDeserializer();
        List<RawLine> out = new ArrayList<>();
        Collector<RawLine> collect = new ListCollector<>(out);
        d.deserialize(record("mx1", "a", null), collect);
        d.deserialize(record("mx1", "b", null), collect);
        d.deserialize(new ConsumerRecord<>("qmail-lines", 4, 7L, "mx2".getBytes(StandardCharsets.UTF_8),
                "c".getBytes(StandardCharsets.UTF_8)), collect);
        d.deserialize(new ConsumerRecord<>("other-topic", 4, 8L, "mx2".getBytes(StandardCharsets.UTF_8),
                "d".getBytes(StandardCharsets.UTF_8)), collect);
        d.deserialize(record("mx1", "e", null), collect);
        assertEquals(List.of("kafka:qmail-lines/3", "kafka:qmail-lines/3", "kafka:qmail-lines/4", "kafka:other-topic/4",
                "kafka:qmail-lines/3"), out.stream().map(l -> l.origin).toList());
        assertSame(out.get(0).origin, out.get(1).origin);
        assertEquals(List.of("a", "b", "c", "d", "e"), out.stream().map(l -> l.text).toList());
        assertEquals(List.of(42L, 42L, 7L, 8L, 42L), out.stream().map(l -> l.position).toList());
    }

    @Test
    void hostHeaderWinsOverKey() {
        assertEquals("mx2", KafkaLineDeserializer.toRawLine(record("partition-key", "x", "mx2")).host);
    }

    @Test
    void noKeyNoHeaderLeavesHostToTheLineOrEnvelope() {
        assertNull(KafkaLineDeserializer.toRawLine(record(null, "x", null)).host);
    }

    @Test
    void nullValueBecomesAnEmptyLineForTheParserToDeadLetter() {
        assertEquals("", KafkaLineDeserializer.toRawLine(record("mx1", null, null)).text);
    }
}
