package io.qmailfleet.job.source;

import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.QmailLineParser;
import io.qmailfleet.job.parse.Tai64n;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;

/**
 * A cheap look at a raw line's own timestamp, for per-split watermarks at the source (the full
 * parse comes later). Knows the two stamps qmail-send lines carry: multilog's {@code @<TAI64N>}
 * (decoded by {@link Tai64n}, also behind a grep-style {@code FILE:} prefix) and splogger's
 * {@code <sec>.<usec>} after the syslog tag {@code qmail}: {@code qmail: }, {@code qmail[pid]: }
 * or RFC 5424's {@code qmail PROCID MSGID SD}, with any run of blanks before the stamp. Anything
 * else (JSON envelopes, other programs, other prefixes) keeps the transport's timestamp: such
 * lines do not move the watermark.
 */
public final class LineTimestamps implements SerializableTimestampAssigner<RawLine> {
    private static final long serialVersionUID = 1L;

    /** How far into a line the syslog tag {@code qmail} is looked for. */
    private static final int TAG_WINDOW = 300;

    @Override
    public long extractTimestamp(RawLine line, long recordTimestamp) {
        long t = epochMillis(line.text);
        return t == Long.MIN_VALUE ? recordTimestamp : t;
    }

    /** Epoch millis of the line's stamp, or {@code Long.MIN_VALUE} if it has none this knows. */
    public static long epochMillis(String text) {
        if (text == null || text.isEmpty()) return Long.MIN_VALUE;
        int label = text.charAt(0) == '@' ? 0 : QmailLineParser.grepPrefixedLabel(text, 0, text.length());
        if (label >= 0) {
            if (text.length() < label + 25) return Long.MIN_VALUE;
            long nanos = Tai64n.epochNanos(text, label + 1);
            if (nanos == Tai64n.INVALID || nanos < 0) return Long.MIN_VALUE;
            return nanos / 1_000_000L;
        }
        int n = text.length();
        for (int q = text.indexOf("qmail"); q >= 0 && q < TAG_WINDOW; q = text.indexOf("qmail", q + 5)) {
            if (q > 0 && text.charAt(q - 1) != ' ') continue;
            int i = q + 5;
            if (i < n && text.charAt(i) == '[') {
                int close = text.indexOf(']', i);
                if (close < 0) return Long.MIN_VALUE;
                i = close + 1;
            }
            if (i < n && text.charAt(i) == ':') {
                i++;
            } else if (i < n && text.charAt(i) == ' ') { // RFC 5424: APP PROCID MSGID SD
                for (int field = 0; field < 3; field++) {
                    i = skipBlanks(text, i);
                    if (i < n && text.charAt(i) == '[') return Long.MIN_VALUE; // structured data: not a splogger line shape
                    while (i < n && text.charAt(i) != ' ') i++;
                }
            } else {
                continue;
            }
            long t = sploggerMillis(text, skipBlanks(text, i));
            if (t != Long.MIN_VALUE) return t;
        }
        return Long.MIN_VALUE;
    }

    private static int skipBlanks(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
        return i;
    }

    /** {@code <sec>.<6 digits>} followed by a space or {@code +} at i, as epoch millis. */
    private static long sploggerMillis(String text, int i) {
        int n = text.length();
        long secs = 0;
        int start = i;
        while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9' && i - start < 12) secs = secs * 10 + (text.charAt(i++) - '0');
        if (i == start || i >= n || text.charAt(i) != '.') return Long.MIN_VALUE;
        int f = ++i;
        long frac = 0;
        while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            if (i - f < 3) frac = frac * 10 + (text.charAt(i) - '0');
            i++;
        }
        if (i - f != 6 || i >= n || (text.charAt(i) != ' ' && text.charAt(i) != '+')) return Long.MIN_VALUE;
        return secs * 1000 + frac;
    }
}
