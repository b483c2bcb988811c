package io.qmailfleet.job.sink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;

/**
 * Writes JSON lines (UTF-8, one {@code \n} after each) into a part file through a 64 KiB buffer.
 * The local file system's part-file stream is unbuffered, so writing each line straight to it
 * costs a system call for the line and another for its newline. The buffer is written out on every
 * {@link #flush()}, which the file sink calls before it takes a checkpoint's snapshot of the part
 * file, and on {@link #finish()}, before the part file is closed, so what a checkpoint commits is
 * whole lines.
 */
final class JsonLinesFileWriter implements BulkWriter<String> {
    static final int BUFFER = 64 * 1024;

    private final FSDataOutputStream out;
    private final byte[] buf = new byte[BUFFER];
    private int used;

    JsonLinesFileWriter(FSDataOutputStream out) {
        this.out = out;
    }

    /** The factory the file sink creates a writer per part file with. */
    static BulkWriter.Factory<String> factory() {
        return JsonLinesFileWriter::new;
    }

    @Override
    public void addElement(String line) throws IOException {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (used + bytes.length + 1 > buf.length) {
            drain();
            if (bytes.length + 1 > buf.length) {
                out.write(bytes);
                out.write('\n');
                return;
            }
        }
        System.arraycopy(bytes, 0, buf, used, bytes.length);
        used += bytes.length;
        buf[used++] = '\n';
    }

    private void drain() throws IOException {
        if (used > 0) {
            out.write(buf, 0, used);
            used = 0;
        }
    }

    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    @Override
    public void finish() throws IOException {
        flush();
    }
}
