package io.qmailfleet.job.source;

import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
        return new LineReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return BasicTypeInfo.STRING_TYPE_INFO;
    }

    /** Splits a character stream at {@code \n}. */
    static final class LineReader implements StreamFormat.Reader<String> {
        private final java.io.Reader in;
        private final char[] buf = new char[8192];
        private int pos;
        private int len;
        private boolean eof;

        LineReader(java.io.Reader in) {
            this.in = in;
        }

        @Override
        public String read() throws IOException {
            StringBuilder line = null;
            while (true) {
                if (pos == len) {
                    if (eof || !fill()) {
                        eof = true;
                        return line == null ? null : strip(line.toString()); // unterminated last line
                    }
                }
                int start = pos;
                while (pos < len && buf[pos] != '\n') pos++;
                if (pos < len) { // found '\n'
                    String s;
                    if (line == null) {
                        s = new String(buf, start, pos - start);
                    } else {
                        line.append(buf, start, pos - start);
                        s = line.toString();
                    }
                    pos++;
                    return strip(s);
                }
                if (line == null) line = new StringBuilder(Math.max(16, (pos - start) * 2));
                line.append(buf, start, pos - start);
            }
        }

        private boolean fill() throws IOException {
            int n;
            do {
                n = in.read(buf, 0, buf.length);
            } while (n == 0);
            if (n < 0) return false;
            pos = 0;
            len = n;
            return true;
        }

        /** Drops the {@code \r} of a {@code \r\n} terminator. */
        private static String strip(String s) {
            int n = s.length();
            return n > 0 && s.charAt(n - 1) == '\r' ? s.substring(0, n - 1) : s;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
