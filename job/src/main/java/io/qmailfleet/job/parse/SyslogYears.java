package io.qmailfleet.job.parse;

import java.io.Serializable;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.MonthDay;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HashMap;

/**
 * The year of RFC 3164 dates, which have none, per host.
 *
 * <p>The reference time R of a line is the last splogger stamp seen from <b>the line's own
 * host</b> (two hosts in one file may be years apart: a restored backup, a wrong clock); before
 * that host's first stamp, the configured reference, else the wall clock. The year is chosen so
 * that the date (in the configured zone) falls in {@code (R - 11 months, R + 1 month]}: a
 * {@code Dec 31} line read with R in early January is last year's, a {@code Jan 1} line read with
 * R on Dec 31 next year's. A {@code Feb 29} with no leap year in that window has no year.
 *
 * <p>Plain Java, no Flink; one instance per parser. At most {@value #MAX_HOSTS} hosts are
 * remembered (a flood of made-up host names clears the table rather than growing it).
 */
final class SyslogYears implements Serializable {
    private static final long serialVersionUID = 1L;
    static final long NONE = Long.MIN_VALUE;
    static final int MAX_HOSTS = 100_000;

    private final long configuredReferenceMillis;
    /** Per host, a one-element holder of its last stamp (updated in place: no boxing per line). */
    private final HashMap<String, long[]> lastStampNanos = new HashMap<>();
    /** The host of the previous stamp and its holder (consecutive lines mostly share a host). */
    private transient String lastHost;
    private transient long[] lastHolder;

    /** @param configuredReferenceMillis reference before a host's first stamp; -1 = the wall clock */
    SyslogYears(long configuredReferenceMillis) {
        this.configuredReferenceMillis = configuredReferenceMillis;
    }

    /** Remembers a splogger stamp (epoch nanos) of a host. */
    void stamp(String host, long epochNanos) {
        if (host == null) return;
        if (host != lastHost) {
            long[] h = lastStampNanos.get(host);
            if (h == null) {
                if (lastStampNanos.size() >= MAX_HOSTS) lastStampNanos.clear();
                h = new long[1];
                lastStampNanos.put(host, h);
            }
            lastHost = host;
            lastHolder = h;
        }
        lastHolder[0] = epochNanos;
    }

    /** The host's last splogger stamp (epoch nanos), or {@link #NONE}. */
    long lastStamp(String host) {
        long[] t = host == null ? null : lastStampNanos.get(host);
        return t == null ? NONE : t[0];
    }

    /** Epoch nanos of {@code mon day hh:mm:ss} on the host, or {@link #NONE} if no year fits. */
    long resolve(String host, int mon, int day, int hh, int mm, int ss, ZoneId zone) {
        long ref = lastStamp(host);
        long refMillis = ref != NONE ? Math.floorDiv(ref, 1_000_000L)
                : configuredReferenceMillis >= 0 ? configuredReferenceMillis : System.currentTimeMillis();
        return inferYear(mon, day, hh, mm, ss, refMillis, zone);
    }

    /**
     * Epoch nanos of an RFC 3164 date: the year puts it in {@code (R - 11 months, R + 1 month]},
     * R = {@code refMillis}; {@link #NONE} if no year does.
     */
    static long inferYear(int mon, int day, int hh, int mm, int ss, long refMillis, ZoneId zone) {
        MonthDay md;
        try {
            md = MonthDay.of(mon, day);
        } catch (DateTimeException e) {
            return NONE;
        }
        ZonedDateTime r = Instant.ofEpochMilli(refMillis).atZone(zone);
        ZonedDateTime lo = r.minusMonths(11);
        ZonedDateTime hi = r.plusMonths(1);
        for (int y = r.getYear() - 1; y <= r.getYear() + 1; y++) {
            if (!md.isValidYear(y)) continue;
            ZonedDateTime t = LocalDateTime.of(md.atYear(y), java.time.LocalTime.of(hh, mm, Math.min(ss, 59))).atZone(zone);
            if (t.isAfter(lo) && !t.isAfter(hi)) return t.toEpochSecond() * 1_000_000_000L;
        }
        return NONE;
    }
}
