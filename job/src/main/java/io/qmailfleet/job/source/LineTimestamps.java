package io.qmailfleet.job.source;

import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.Tai64n;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;

/**
 * A cheap look at a raw line's own timestamp, for per-split watermarks at the source (the full
 * parse comes later). Knows the two stamps qmail-send lines carry: multilog's {@code @<TAI64N>} (decoded by {@link Tai64n})
 * and splogger's {@code <sec>.<usec>} after {@code qmail: }. Anything else (JSON envelopes,
 * other prefixes) keeps the transport's timestamp: such lines do not move the watermark.
 */
public final class LineTimestamps implements SerializableTimestampAssigner<RawLine> {
    private static final long serialVersionUID = 1L;

    @Override
    public long extractTimestamp(RawLine line, long recordTimestamp) {
        long t = epochMillis(line.text);
        return t == Long.MIN_VALUE ? recordTimestamp : t;
    }

    /** Epoch millis of the line's stamp, or {@code Long.MIN_VALUE} if it has none this knows. */
    public static long epochMillis(String text) {
        if (text == null) return Long.MIN_VALUE;
        if (text.length() >= 25 && text.charAt(0) == '@') {
            long nanos = Tai64n.epochNanos(text, 1);
            if (nanos == Tai64n.INVALID || nanos < 0) return Long.MIN_VALUE;
            return nanos / 1_000_000L;
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
