package io.qmailfleet.job.sink;

import java.io.IOException;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;

/**
 * Writes records as JSON lines (UTF-8, one {@code \n} after each) into a part file: each record is
 * encoded straight into one 64 KiB buffer of lines ({@link JsonText}), with no string or byte array
 * per record, and the buffer goes to the file when it is full. The local file system's part-file
 * stream is unbuffered, so writing each line straight to it would cost a system call per line. The
 * buffer is written out on every {@link #flush()}, which the file sink calls before it takes a
 * checkpoint's snapshot of the part file, and on {@link #finish()}, before the part file is closed,
 * so what a checkpoint commits is whole lines.
 */
final class JsonLinesFileWriter<T> implements BulkWriter<T> {
    static final int BUFFER = 64 * 1024;

    private final FSDataOutputStream out;
    private final JsonEncoder<T> encoder;
    private final JsonText lines = new JsonText();

    JsonLinesFileWriter(FSDataOutputStream out, JsonEncoder<T> encoder) {
        this.out = out;
        this.encoder = encoder;
    }

    /** The factory the file sink creates a writer per part file with. */
    static <T> BulkWriter.Factory<T> factory(JsonEncoder<T> encoder) {
        return out -> new JsonLinesFileWriter<>(out, encoder);
    }

    @Override
    public void addElement(T record) throws IOException {
        encoder.write(lines, record);
        lines.line();
        // a record larger than the buffer grows it and is written out at once
        if (lines.length() >= BUFFER) lines.writeTo(out);
    }

    @Override
    public void flush() throws IOException {
        if (lines.length() > 0) lines.writeTo(out);
        out.flush();
    }

    @Override
    public void finish() throws IOException {
        flush();
    }
}
