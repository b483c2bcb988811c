package io.qmailfleet.job.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;

/**
 * Lines of a UTF-8 file that end at {@code \n} only, as qmail-send, multilog and syslog daemons
 * write them and as {@code wc -l} counts them: a {@code \r} inside a line stays in the line (Flink's
 * {@code TextLineInputFormat} would split there too, giving two lines and two dead letters for
 * one). A {@code \r} right before the {@code \n} is part of the terminator (a file copied through
 * a CRLF tool). An unterminated last line is a line; an empty file has none. Undecodable bytes
 * become U+FFFD (the parser dead-letters such a line as BINARY).
 */
public final class NewlineLineFormat extends SimpleStreamFormat<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public StreamFormat.Reader<String> createReader(Configuration config, FSDataInputStream stream) throws IOException {
        return new LineReader(stream);
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return BasicTypeInfo.STRING_TYPE_INFO;
    }

    /**
     * Splits a byte stream at {@code \n} and decodes each line on its own: a {@code \n} byte is
     * never part of a multi-byte UTF-8 sequence, so this gives what decoding the whole stream and
     * splitting the text gives, and a line of ASCII becomes a string in one copy.
     */
    static final class LineReader implements StreamFormat.Reader<String> {
        private final InputStream in;
        private byte[] buf = new byte[64 * 1024];
        /** The next line starts here; bytes up to {@link #len} are read and not yet returned. */
        private int pos;
        private int len;
        private boolean eof;

        LineReader(InputStream in) {
            this.in = in;
        }

        @Override
        public String read() throws IOException {
            int scanned = pos;
            while (true) {
                for (int i = scanned; i < len; i++) {
                    if (buf[i] == '\n') {
                        int start = pos;
                        pos = i + 1;
                        return line(start, i);
                    }
                }
                // no newline in the unread bytes: fill() moves them to the front and reads more
                int unread = len - pos;
                if (eof || !fill()) {
                    eof = true;
                    if (pos == len) return null;
                    int start = pos;
                    pos = len;
                    return line(start, len); // an unterminated last line
                }
                scanned = unread;
            }
        }

        /**
         * The text of bytes {@code [start, end)} without a last {@code \r} (of a {@code \r\n}
         * terminator, or at the end of an unterminated last line).
         */
        private String line(int start, int end) {
            if (end > start && buf[end - 1] == '\r') end--;
            return new String(buf, start, end - start, StandardCharsets.UTF_8);
        }

        /**
         * Reads more bytes after the unread ones, moving those to the front of the buffer (or into a
         * larger one when a single line fills it). False at the end of the stream.
         */
        private boolean fill() throws IOException {
            int unread = len - pos;
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, unread);
            } else if (unread == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            pos = 0;
            len = unread;
            int n;
            do {
                n = in.read(buf, len, buf.length - len);
            } while (n == 0);
            if (n < 0) return false;
            len += n;
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
