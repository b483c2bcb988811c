package io.qmailfleet.job.source;

import io.qmailfleet.job.model.RawLine;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;

/**
 * A cheap look at a raw line's own timestamp, for per-split watermarks at the source (the full
 * parse comes later). Knows the two stamps qmail-send lines carry: multilog's {@code @<TAI64N>}
 * and splogger's {@code <sec>.<usec>} after {@code qmail: }. Anything else (JSON envelopes,
 * other prefixes) keeps the transport's timestamp: such lines do not move the watermark.
 */
public final class LineTimestamps implements SerializableTimestampAssigner<RawLine> {
    private static final long serialVersionUID = 1L;

    /** Unix seconds of TAI64 label 0 in the daemontools convention: 2^62 + 10. */
    private static final long TAI64_UNIX_EPOCH = 4611686018427387914L;

    @Override
    public long extractTimestamp(RawLine line, long recordTimestamp) {
        long t = epochMillis(line.text);
        return t == Long.MIN_VALUE ? recordTimestamp : t;
    }

    /** Epoch millis of the line's stamp, or {@code Long.MIN_VALUE} if it has none this knows. */
    public static long epochMillis(String text) {
        if (text == null) return Long.MIN_VALUE;
        if (text.length() >= 25 && text.charAt(0) == '@') {
            long secs = 0;
            long nanos = 0;
            for (int i = 1; i <= 24; i++) {
                int d = Character.digit(text.charAt(i), 16);
                if (d < 0) return Long.MIN_VALUE;
                if (i <= 16) secs = (secs << 4) | d;
                else nanos = (nanos << 4) | d;
            }
            secs -= TAI64_UNIX_EPOCH;
            if (secs < 0 || secs > 9_000_000_000L) return Long.MIN_VALUE;
            return secs * 1000 + nanos / 1_000_000;
        }
        int q = text.indexOf("qmail: ");
        if (q >= 0 && q < 300) {
            long secs = 0;
            int i = q + 7;
            int n = text.length();
            int start = i;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9' && i - start < 12) {
                secs = secs * 10 + (text.charAt(i++) - '0');
            }
            if (i == start || i >= n || text.charAt(i) != '.') return Long.MIN_VALUE;
            i++;
            long frac = 0;
            int digits = 0;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9' && digits < 3) {
                frac = frac * 10 + (text.charAt(i++) - '0');
                digits++;
            }
            while (digits++ < 3) frac *= 10;
            return secs * 1000 + frac;
        }
        return Long.MIN_VALUE;
    }
}
