package io.qmailfleet.job.sink;

import java.time.Instant;

/**
 * A compact JSON writer into one reused {@link StringBuilder}: the same text Jackson's
 * {@code JsonGenerator} writes with its default settings (no spaces; {@code "} and {@code \}
 * escaped, control characters as {@code \b \t \n \f \r} or <code>&#92;u00XX</code>, everything else as it
 * is), without a generator, writer or temporary string per field. One instance per thread
 * ({@link JsonLines} keeps one in a thread local); {@link #reset()} starts the next record.
 *
 * <p>Times are written as {@link Instant#toString()} does (ISO 8601 UTC, the fraction in groups of
 * three digits as the value needs), with the date and time of day of the last second kept, since
 * consecutive log lines mostly share it.
 */
public final class JsonText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** Largest epoch second of year 9999 (Instant.toString writes a '+' and more digits beyond). */
    private static final long MAX_FAST_SECOND = 253402300799L;

    final StringBuilder b = new StringBuilder(1024);
    /** A value was written at this nesting level: the next field or element needs a comma. */
    private boolean comma;

    private long cachedSecond = Long.MIN_VALUE;
    private final char[] cachedDateTime = new char[19];

    public void reset() {
        b.setLength(0);
        comma = false;
    }

    @Override
    public String toString() {
        return b.toString();
    }

    public void startObject() {
        if (comma) b.append(',');
        b.append('{');
        comma = false;
    }

    public void endObject() {
        b.append('}');
        comma = true;
    }

    public void endArray() {
        b.append(']');
        comma = true;
    }

    private void name(String name) {
        if (comma) b.append(',');
        b.append('"').append(name).append("\":");
        comma = true;
    }

    public void objectField(String name) {
        name(name);
        b.append('{');
        comma = false;
    }

    public void arrayField(String name) {
        name(name);
        b.append('[');
        comma = false;
    }

    public void nullField(String name) {
        name(name);
        b.append("null");
    }

    public void numberField(String name, long v) {
        name(name);
        b.append(v);
    }

    /** A number field as Jackson writes a double ({@link Double#toString}); the value must be finite. */
    public void numberField(String name, double v) {
        name(name);
        b.append(v);
    }

    /** A string element of an array (the value must not be null). */
    public void stringElement(String v) {
        if (comma) b.append(',');
        string(v);
        comma = true;
    }

    public void booleanField(String name, boolean v) {
        name(name);
        b.append(v);
    }

    /** A string field (the value must not be null). */
    public void stringField(String name, String v) {
        name(name);
        string(v);
    }

    /** A string field whose value is known to need no escaping (constants, enum names). */
    public void plainField(String name, String v) {
        name(name);
        b.append('"').append(v).append('"');
    }

    /** A time field, or null for a negative (unknown) time. */
    public void optTimeField(String name, long epochNanos) {
        if (epochNanos < 0) nullField(name);
        else timeField(name, epochNanos);
    }

    /** A time field: ISO 8601 UTC as {@link Instant#toString()} writes it. */
    public void timeField(String name, long epochNanos) {
        name(name);
        b.append('"');
        iso(epochNanos);
        b.append('"');
    }

    private void string(String s) {
        b.append('"');
        int n = s.length();
        int from = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') continue;
            b.append(s, from, i);
            from = i + 1;
            b.append('\\');
            switch (c) {
                case '"': b.append('"'); break;
                case '\\': b.append('\\'); break;
                case '\b': b.append('b'); break;
                case '\t': b.append('t'); break;
                case '\n': b.append('n'); break;
                case '\f': b.append('f'); break;
                case '\r': b.append('r'); break;
                default: b.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        b.append(s, from, n);
        b.append('"');
    }

    /** Appends {@code Instant.ofEpochSecond(s, n).toString()} of an epoch-nanosecond time. */
    void iso(long epochNanos) {
        long second = Math.floorDiv(epochNanos, 1_000_000_000L);
        int nano = (int) Math.floorMod(epochNanos, 1_000_000_000L);
        if (second < 0 || second > MAX_FAST_SECOND) {
            b.append(Instant.ofEpochSecond(second, nano));
            return;
        }
        if (second != cachedSecond) {
            dateTime(second, cachedDateTime);
            cachedSecond = second;
        }
        b.append(cachedDateTime);
        fractionAndZone(b, nano);
    }

    /** What follows the seconds in {@link Instant#toString()}: the fraction in groups of three digits, if any, and 'Z'. */
    private static void fractionAndZone(StringBuilder b, int nano) {
        if (nano != 0) {
            b.append('.');
            if (nano % 1_000_000 == 0) digits(b, nano / 1_000_000, 3);
            else if (nano % 1000 == 0) digits(b, nano / 1000, 6);
            else digits(b, nano, 9);
        }
        b.append('Z');
    }

    private static void digits(StringBuilder b, int v, int width) {
        for (int div = pow10(width - 1); div > 0; div /= 10) {
            b.append((char) ('0' + (v / div) % 10));
        }
    }

    private static int pow10(int e) {
        int p = 1;
        for (int i = 0; i < e; i++) p *= 10;
        return p;
    }

    /**
     * {@code Instant.ofEpochSecond(s, n).toString()} of an epoch-nanosecond time, without
     * {@code java.time}'s formatter (which took 1.6 % of a backfill's CPU where times are made into
     * text outside a JSON writer).
     */
    public static String isoString(long epochNanos) {
        long second = Math.floorDiv(epochNanos, 1_000_000_000L);
        int nano = (int) Math.floorMod(epochNanos, 1_000_000_000L);
        if (second < 0 || second > MAX_FAST_SECOND) return Instant.ofEpochSecond(second, nano).toString();
        char[] date = new char[19];
        dateTime(second, date);
        StringBuilder text = new StringBuilder(30).append(date);
        fractionAndZone(text, nano);
        return text.toString();
    }

    /** yyyy-MM-ddTHH:mm:ss of a non-negative epoch second up to year 9999. */
    static void dateTime(long epochSecond, char[] out) {
        long days = epochSecond / 86_400;
        int secOfDay = (int) (epochSecond % 86_400);
        // civil date from days since 1970-01-01 (proleptic Gregorian)
        long z = days + 719_468;
        long era = z / 146_097;
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long y = yoe + era * 400;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int d = (int) (doy - (153 * mp + 2) / 5 + 1);
        int m = (int) (mp < 10 ? mp + 3 : mp - 9);
        if (m <= 2) y++;
        put4(out, 0, (int) y);
        out[4] = '-';
        put2(out, 5, m);
        out[7] = '-';
        put2(out, 8, d);
        out[10] = 'T';
        put2(out, 11, secOfDay / 3600);
        out[13] = ':';
        put2(out, 14, secOfDay / 60 % 60);
        out[16] = ':';
        put2(out, 17, secOfDay % 60);
    }

    private static void put2(char[] out, int at, int v) {
        out[at] = (char) ('0' + v / 10);
        out[at + 1] = (char) ('0' + v % 10);
    }

    private static void put4(char[] out, int at, int v) {
        out[at] = (char) ('0' + v / 1000);
        out[at + 1] = (char) ('0' + v / 100 % 10);
        out[at + 2] = (char) ('0' + v / 10 % 10);
        out[at + 3] = (char) ('0' + v % 10);
    }
}
