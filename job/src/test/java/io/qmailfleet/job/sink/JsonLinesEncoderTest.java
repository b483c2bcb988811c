package io.qmailfleet.job.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.local.LocalDataOutputStream;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file outputs' encoder and writer: each record's JSON line as {@link JsonLines} makes it, in
 * order, in chunks of whole lines; a chunk is sent when it is full, and everything held is sent
 * before a checkpoint barrier and at the end of the input, so a checkpoint's part file holds exactly
 * the records before its barrier. Records larger than a chunk included; every record counted.
 */
class JsonLinesEncoderTest {
    @TempDir
    Path dir;

    private static QmailEvent event(int i) {
        QmailEvent e = new QmailEvent();
        e.type = EventType.DELIVERY_RESULT;
        e.host = "mx" + (i % 3);
        e.tsNanos = 1_795_550_799_534_648_500L + i * 1_000L;
        e.deliveryId = i;
        // every 1000th record is larger than a chunk; some text is not ASCII
        e.text = i % 1000 == 999 ? "y".repeat(JsonLinesEncoder.CHUNK + i) : "Remote_host_said: \u00fcber \"" + i + "\"";
        return e;
    }

    @Test
    void sendsWholeLinesInFullChunksAndEverythingHeldBeforeABarrierAndAtTheEnd() throws Exception {
        JsonLinesEncoder<QmailEvent> encoder = new JsonLinesEncoder<>("out-events", JsonLines::event);
        StringBuilder expected = new StringBuilder();
        List<byte[]> chunks = new ArrayList<>();
        int barriers = 0;
        try (var h = new OneInputStreamOperatorTestHarness<QmailEvent, JsonChunk>(encoder)) {
            h.open();
            // the last record (5001st) is small: it stays held until the end of the input
            for (int i = 0; i < 5001; i++) {
                QmailEvent e = event(i);
                h.processElement(new StreamRecord<>(e, i));
                expected.append(JsonLines.event(e)).append('\n');
                List<byte[]> sent = take(h);
                for (byte[] c : sent) {
                    // sent because it was full: at least a chunk, of whole lines
                    assertTrue(c.length >= JsonLinesEncoder.CHUNK, "a chunk of " + c.length + " bytes sent before it was full");
                    assertEquals('\n', c[c.length - 1]);
                }
                chunks.addAll(sent);
                assertTrue(encoder.held() < JsonLinesEncoder.CHUNK, "held " + encoder.held());
                if (i % 1700 == 1699) {
                    h.prepareSnapshotPreBarrier(++barriers);
                    chunks.addAll(take(h));
                    assertEquals(0, encoder.held());
                    assertEquals(expected.toString(), text(chunks), "before barrier " + barriers);
                    // a barrier with nothing held sends nothing
                    h.prepareSnapshotPreBarrier(++barriers);
                    assertEquals(List.of(), take(h));
                }
            }
            assertTrue(encoder.held() > 0, "the last records are held until the end");
            h.endInput();
            chunks.addAll(take(h));
            assertEquals(0, encoder.held());
            assertEquals(expected.toString(), text(chunks));
            assertEquals(5001L, h.getEnvironment().getAccumulatorRegistry().getUserMap().get("out-events").getLocalValue());
            // 5 records larger than a chunk, 1.3 MB of lines in all: far fewer chunks than records
            assertTrue(chunks.size() < 100, chunks.size() + " chunks");
        }
    }

    @Test
    void theWriterWritesEachChunksLinesAndNothingBeyondThem() throws Exception {
        Path file = dir.resolve("part.jsonl");
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (LocalDataOutputStream stream = new LocalDataOutputStream(file.toFile())) {
            BulkWriter<JsonChunk> w = JsonLinesFileWriter.factory().create(stream);
            byte[] buffer = new byte[0];
            for (int i = 0; i < 50; i++) {
                byte[] lines = (JsonLines.event(event(i * 37)) + "\n").repeat(1 + i).getBytes(StandardCharsets.UTF_8);
                // one buffer for every chunk, longer than its lines (as the encoder's is)
                if (buffer.length < lines.length + 100) buffer = new byte[2 * lines.length + 100];
                System.arraycopy(lines, 0, buffer, 0, lines.length);
                java.util.Arrays.fill(buffer, lines.length, buffer.length, (byte) 'x');
                w.addElement(new JsonChunk(buffer, lines.length));
                expected.write(lines);
                if (i % 7 == 6) {
                    w.flush();
                    assertEquals(expected.toString(StandardCharsets.UTF_8), Files.readString(file, StandardCharsets.UTF_8));
                }
            }
            w.finish();
        }
        assertEquals(expected.toString(StandardCharsets.UTF_8), Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * The chunks sent since the last call, as copies of their bytes: a chunk is the encoder's own
     * buffer, valid until the encoder is called again.
     */
    @SuppressWarnings("unchecked")
    private static List<byte[]> take(OneInputStreamOperatorTestHarness<QmailEvent, JsonChunk> h) {
        List<byte[]> out = new ArrayList<>();
        Object o;
        while ((o = h.getOutput().poll()) != null) {
            if (o instanceof StreamRecord) {
                JsonChunk c = ((StreamRecord<JsonChunk>) o).getValue();
                out.add(java.util.Arrays.copyOf(c.bytes, c.length));
            }
        }
        return out;
    }

    private static String text(List<byte[]> chunks) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] c : chunks) all.writeBytes(c);
        return all.toString(StandardCharsets.UTF_8);
    }
}
