package io.qmailfleet.job.sink;

import java.io.IOException;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;

/**
 * Writes chunks of JSON lines ({@link JsonLinesEncoder}) into a part file, each with one write: the
 * local file system's part-file stream is unbuffered, and a chunk is whole lines, so what a
 * checkpoint commits is whole lines.
 */
final class JsonLinesFileWriter implements BulkWriter<JsonChunk> {
    private final FSDataOutputStream out;

    JsonLinesFileWriter(FSDataOutputStream out) {
        this.out = out;
    }

    /** The factory the file sink creates a writer per part file with. */
    static BulkWriter.Factory<JsonChunk> factory() {
        return JsonLinesFileWriter::new;
    }

    @Override
    public void addElement(JsonChunk chunk) throws IOException {
        out.write(chunk.bytes, 0, chunk.length);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void finish() throws IOException {
        flush();
    }
}
