package io.qmailfleet.job.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.local.LocalDataOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file sink's writer: each record's JSON line as {@link JsonLines} makes it, in order, whole
 * lines in the file after every flush (a checkpoint's snapshot), records larger than the buffer
 * included.
 */
class JsonLinesFileWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesEveryRecordAsItsJsonLineAndOnlyWholeLinesAtAFlush() throws Exception {
        Path file = dir.resolve("part.jsonl");
        StringBuilder expected = new StringBuilder();
        try (LocalDataOutputStream stream = new LocalDataOutputStream(file.toFile())) {
            BulkWriter<QmailEvent> w = JsonLinesFileWriter.<QmailEvent>factory(JsonLines::event).create(stream);
            for (int i = 0; i < 5000; i++) {
                QmailEvent e = new QmailEvent();
                e.type = EventType.DELIVERY_RESULT;
                e.host = "mx" + (i % 3);
                e.tsNanos = 1_795_550_799_534_648_500L + i * 1_000L;
                e.deliveryId = i;
                // every 1000th record is larger than the writer's buffer; some text is not ASCII
                e.text = i % 1000 == 999 ? "y".repeat(JsonLinesFileWriter.BUFFER + i) : "Remote_host_said: \u00fcber \"" + i + "\"";
                w.addElement(e);
                expected.append(JsonLines.event(e)).append('\n');
                if (i % 1700 == 1699) {
                    w.flush();
                    assertEquals(expected.toString(), Files.readString(file, StandardCharsets.UTF_8), "after record " + i);
                }
            }
            w.finish();
        }
        String written = Files.readString(file, StandardCharsets.UTF_8);
        assertEquals(5000, written.lines().count());
        assertEquals(expected.toString(), written);
    }
}
