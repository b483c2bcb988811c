package io.qmailfleet.job.sink;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * A compact JSON writer into one reused byte buffer, in UTF-8: the bytes of the text Jackson's
 * {@code JsonGenerator} writes with its default settings (no spaces; {@code "} and {@code \}
 * escaped, control characters as {@code \b \t \n \f \r} or <code>&#92;u00XX</code>, everything else as it
 * is) encoded as {@code String.getBytes(UTF_8)} encodes it (an unpaired surrogate as {@code ?}),
 * without a generator, writer, temporary string or character-to-byte pass per field or record.
 * {@link #reset()} starts the next record; a file writer keeps its lines in one instance and writes
 * the buffer out when it is full ({@link #line()}, {@link #writeTo}). One instance per thread.
 *
 * <p>Times are written as {@link Instant#toString()} does (ISO 8601 UTC, the fraction in groups of
 * three digits as the value needs), with the date and time of day of the last second kept, since
 * consecutive log lines mostly share it.
 */
public final class JsonText {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    /** "00" to "99": the two digits of each number below 100. */
    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }
    /** Largest epoch second of year 9999 (Instant.toString writes a '+' and more digits beyond). */
    private static final long MAX_FAST_SECOND = 253402300799L;

    private byte[] buf = new byte[1024];
    private int len;
    /** A value was written at this nesting level: the next field or element needs a comma. */
    private boolean comma;

    /** {@link #repeatedStringField}'s last value and its encoding (quotes included). */
    private String repeated;
    private byte[] repeatedBytes = new byte[128];
    private int repeatedLength;

    private long cachedSecond = Long.MIN_VALUE;
    private final byte[] cachedDateTime = new byte[19];

    /** Empties the buffer for the next record. */
    public void reset() {
        len = 0;
        comma = false;
    }

    /** Ends a record of a JSON-lines buffer with a newline: the next record starts without a comma. */
    public void line() {
        ensure(1);
        buf[len++] = '\n';
        comma = false;
    }

    /** Bytes in the buffer. */
    public int length() {
        return len;
    }

    /** Writes the buffer to {@code out} and empties it. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, len);
        len = 0;
    }

    /** The buffer itself: its first {@link #length()} bytes are the text (valid until it is written to again). */
    byte[] buffer() {
        return buf;
    }

    /** A copy of the buffer's bytes. */
    public byte[] toBytes() {
        return Arrays.copyOf(buf, len);
    }

    /** The buffer as text. */
    @Override
    public String toString() {
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }

    private void ensure(long more) {
        if (len + more > buf.length) grow(more);
    }

    private void grow(long more) {
        long need = len + more;
        if (need > Integer.MAX_VALUE - 16) throw new IllegalStateException("a JSON record of more than 2 GB");
        buf = Arrays.copyOf(buf, (int) Math.max(need, Math.min(Integer.MAX_VALUE - 16L, 2L * buf.length)));
    }

    private void put(byte c) {
        ensure(1);
        buf[len++] = c;
    }

    private void put(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
    }

    /** Text known to be ASCII (names, numbers, constants). */
    private void ascii(String s) {
        ensure(s.length());
        copyAscii(s);
    }

    /**
     * Copies ASCII text into room already ensured. {@code String.getBytes(int, int, byte[], int)}
     * copies each char's low byte, which for ASCII is its UTF-8 byte; on a compact (Latin-1) string it
     * is one array copy.
     */
    @SuppressWarnings("deprecation")
    private void copyAscii(String s) {
        int n = s.length();
        s.getBytes(0, n, buf, len);
        len += n;
    }

    public void startObject() {
        ensure(2);
        if (comma) buf[len++] = ',';
        buf[len++] = '{';
        comma = false;
    }

    public void endObject() {
        put((byte) '}');
        comma = true;
    }

    public void endArray() {
        put((byte) ']');
        comma = true;
    }

    /** A field's name: ASCII with nothing to escape, as every name of the job's schemas is. */
    private void name(String name) {
        ensure(name.length() + 4);
        if (comma) buf[len++] = ',';
        buf[len++] = '"';
        copyAscii(name);
        buf[len++] = '"';
        buf[len++] = ':';
        comma = true;
    }

    public void objectField(String name) {
        name(name);
        put((byte) '{');
        comma = false;
    }

    public void arrayField(String name) {
        name(name);
        put((byte) '[');
        comma = false;
    }

    public void nullField(String name) {
        name(name);
        put(NULL);
    }

    public void numberField(String name, long v) {
        name(name);
        number(v);
    }

    /** A number field as Jackson writes a double ({@link Double#toString}); the value must be finite. */
    public void numberField(String name, double v) {
        name(name);
        ascii(Double.toString(v));
    }

    /**
     * A number field of {@code Math.round(v * 1e6) / 1e6} ({@code v} to six decimals), as
     * {@link #numberField(String, double)} writes that double. From 0.001 up to 10^7 (where
     * {@link Double#toString} writes no exponent) its digits are written from the rounded integer:
     * the shortest decimal of such a double is that integer's with the point six places left, since
     * any other decimal of six places or fewer is at least 10^-6 away, far more than the double's
     * spacing there ({@code JsonTextTest} compares the two for every value up to 3 and for random
     * ones). Zero is {@code 0.0}; anything else goes through {@link Double#toString}.
     */
    public void micros6Field(String name, double v) {
        name(name);
        long k = Math.round(v * 1e6);
        if (k == 0) {
            ensure(3);
            buf[len++] = '0';
            buf[len++] = '.';
            buf[len++] = '0';
            return;
        }
        if (k <= -PLAIN_MICROS_MAX || k >= PLAIN_MICROS_MAX || (k > -1000 && k < 1000)) {
            ascii(Double.toString(k / 1e6));
            return;
        }
        ensure(22);
        if (k < 0) {
            buf[len++] = '-';
            k = -k;
        }
        number(k / 1_000_000);
        int frac = (int) (k % 1_000_000);
        buf[len++] = '.';
        if (frac == 0) {
            buf[len++] = '0';
            return;
        }
        int digits = 6;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        for (int i = len + digits - 1; i >= len; i--) {
            buf[i] = (byte) ('0' + frac % 10);
            frac /= 10;
        }
        len += digits;
    }

    /** 10^13: a value of micros at or past it is 10^7 or more, which {@link Double#toString} writes with an exponent. */
    private static final long PLAIN_MICROS_MAX = 10_000_000_000_000L;

    /** A string element of an array (the value must not be null). */
    public void stringElement(String v) {
        if (comma) put((byte) ',');
        string(v);
        comma = true;
    }

    public void booleanField(String name, boolean v) {
        name(name);
        put(v ? TRUE : FALSE);
    }

    /** A string field (the value must not be null). */
    public void stringField(String name, String v) {
        name(name);
        string(v);
    }

    /**
     * A string field whose value is often the same string object as in the record before (a line's
     * origin: one string for all lines of a file): the last value's encoded bytes are kept, and
     * copied while the same object comes again. Writes what {@link #stringField} writes.
     */
    public void repeatedStringField(String name, String v) {
        name(name);
        if (v != repeated || v == null) {
            int start = len;
            string(v);
            int n = len - start;
            if (repeatedBytes.length < n) repeatedBytes = new byte[Math.max(n, 2 * repeatedBytes.length)];
            System.arraycopy(buf, start, repeatedBytes, 0, n);
            repeatedLength = n;
            repeated = v;
        } else {
            ensure(repeatedLength);
            System.arraycopy(repeatedBytes, 0, buf, len, repeatedLength);
            len += repeatedLength;
        }
    }

    /** A string field whose value is known to be ASCII that needs no escaping (constants, enum names). */
    public void plainField(String name, String v) {
        name(name);
        ensure(v.length() + 2);
        buf[len++] = '"';
        copyAscii(v);
        buf[len++] = '"';
    }

    /** A whole JSON value made elsewhere (e.g. by Jackson), as the next value at this level. */
    public void value(String json) {
        if (comma) put((byte) ',');
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        put(bytes);
        comma = true;
    }

    /** A time field, or null for a negative (unknown) time. */
    public void optTimeField(String name, long epochNanos) {
        if (epochNanos < 0) nullField(name);
        else timeField(name, epochNanos);
    }

    /** A time field: ISO 8601 UTC as {@link Instant#toString()} writes it. */
    public void timeField(String name, long epochNanos) {
        name(name);
        put((byte) '"');
        iso(epochNanos);
        put((byte) '"');
    }

    /** One character known to be ASCII (tests put separators between values with it). */
    void raw(char c) {
        put((byte) c);
    }

    private void number(long v) {
        if (v == Long.MIN_VALUE) {
            ascii(Long.toString(v));
            return;
        }
        ensure(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        if (v < 10) {
            buf[len++] = (byte) ('0' + v);
            return;
        }
        int at;
        if (v > Integer.MAX_VALUE) {
            int digits = 10;
            for (long t = v / 10_000_000_000L; t > 0; t /= 10) digits++;
            at = len + digits;
            len = at;
            // the digits beyond an int's go by long division, the rest as an int's below
            while (v > Integer.MAX_VALUE) {
                long q = v / 100;
                at -= 2;
                put2(buf, at, (int) (v - q * 100));
                v = q;
            }
        } else {
            at = len + digits((int) v);
            len = at;
        }
        // the last digits of an int, two at a time (most numbers here are ids, sizes and counts)
        int x = (int) v;
        while (x >= 100) {
            int q = x / 100;
            at -= 2;
            put2(buf, at, x - q * 100);
            x = q;
        }
        if (x >= 10) put2(buf, at - 2, x);
        else buf[at - 1] = (byte) ('0' + x);
    }

    /** The decimal digits of a positive int. */
    private static int digits(int x) {
        return x < 100 ? (x < 10 ? 1 : 2) : x < 10_000 ? (x < 1_000 ? 3 : 4) : x < 1_000_000 ? (x < 100_000 ? 5 : 6)
                : x < 100_000_000 ? (x < 10_000_000 ? 7 : 8) : x < 1_000_000_000 ? 9 : 10;
    }

    /**
     * A string in quotes: printable ASCII is copied byte for byte, what JSON needs escaped is
     * escaped, the rest is encoded as UTF-8.
     */
    private void string(String s) {
        int n = s.length();
        // the most a character can take: 6 bytes for a control character's escape, 3 bytes of UTF-8 (a pair of 2 chars takes 4)
        ensure(6L * n + 2);
        byte[] b = buf;
        int p = len;
        b[p++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80) {
                if (c == '"' || c == '\\') {
                    b[p++] = '\\';
                }
                b[p++] = (byte) c;
            } else if (c < 0x20) {
                b[p++] = '\\';
                switch (c) {
                    case '\b': b[p++] = 'b'; break;
                    case '\t': b[p++] = 't'; break;
                    case '\n': b[p++] = 'n'; break;
                    case '\f': b[p++] = 'f'; break;
                    case '\r': b[p++] = 'r'; break;
                    default:
                        b[p++] = 'u';
                        b[p++] = '0';
                        b[p++] = '0';
                        b[p++] = HEX[c >> 4];
                        b[p++] = HEX[c & 0xF];
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | c >> 6);
                b[p++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isSurrogate(c)) {
                char low;
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(low = s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, low);
                    b[p++] = (byte) (0xF0 | cp >> 18);
                    b[p++] = (byte) (0x80 | cp >> 12 & 0x3F);
                    b[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
                    b[p++] = (byte) (0x80 | cp & 0x3F);
                    i++;
                } else {
                    b[p++] = '?'; // as String.getBytes(UTF_8) replaces an unpaired surrogate
                }
            } else {
                b[p++] = (byte) (0xE0 | c >> 12);
                b[p++] = (byte) (0x80 | c >> 6 & 0x3F);
                b[p++] = (byte) (0x80 | c & 0x3F);
            }
        }
        b[p++] = '"';
        len = p;
    }

    /** Appends {@code Instant.ofEpochSecond(s, n).toString()} of an epoch-nanosecond time. */
    void iso(long epochNanos) {
        long second = Math.floorDiv(epochNanos, 1_000_000_000L);
        int nano = (int) Math.floorMod(epochNanos, 1_000_000_000L);
        if (second < 0 || second > MAX_FAST_SECOND) {
            ascii(Instant.ofEpochSecond(second, nano).toString());
            return;
        }
        if (second != cachedSecond) {
            dateTime(second, cachedDateTime);
            cachedSecond = second;
        }
        ensure(19 + 11);
        System.arraycopy(cachedDateTime, 0, buf, len, 19);
        len = fractionAndZone(buf, len + 19, nano);
    }

    /**
     * What follows the seconds in {@link Instant#toString()}: the fraction in groups of three digits,
     * if any, and 'Z' (at most 11 bytes), at {@code at}; returns the position after it.
     */
    private static int fractionAndZone(byte[] b, int at, int nano) {
        if (nano != 0) {
            b[at++] = '.';
            int width;
            int v;
            if (nano % 1_000_000 == 0) {
                width = 3;
                v = nano / 1_000_000;
            } else if (nano % 1000 == 0) {
                width = 6;
                v = nano / 1000;
            } else {
                width = 9;
                v = nano;
            }
            // two digits at a time from the right, then the one left of an odd width
            int i = at + width;
            while (i > at + 1) {
                int q = v / 100;
                i -= 2;
                put2(b, i, v - q * 100);
                v = q;
            }
            if (i > at) b[at] = (byte) ('0' + v);
            at += width;
        }
        b[at++] = 'Z';
        return at;
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
        byte[] text = new byte[30];
        dateTime(second, text);
        return new String(text, 0, fractionAndZone(text, 19, nano), StandardCharsets.ISO_8859_1);
    }

    /** yyyy-MM-ddTHH:mm:ss of a non-negative epoch second up to year 9999. */
    static void dateTime(long epochSecond, byte[] out) {
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

    /** The two digits of {@code v} (0 to 99) at {@code at}, from {@link #DIGIT_PAIRS}. */
    private static void put2(byte[] out, int at, int v) {
        out[at] = DIGIT_PAIRS[2 * v];
        out[at + 1] = DIGIT_PAIRS[2 * v + 1];
    }

    private static void put4(byte[] out, int at, int v) {
        out[at] = (byte) ('0' + v / 1000);
        out[at + 1] = (byte) ('0' + v / 100 % 10);
        out[at + 2] = (byte) ('0' + v / 10 % 10);
        out[at + 3] = (byte) ('0' + v % 10);
    }
}
