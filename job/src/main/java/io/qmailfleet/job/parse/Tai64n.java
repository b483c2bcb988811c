package io.qmailfleet.job.parse;

/**
 * The one TAI64N decoder of the job (multilog's {@code @<24 hex>} label), used by the parser, the
 * source's watermark timestamps, the benchmarks and the tests.
 *
 * <p>16 hex digits of seconds and 8 of nanoseconds. Seconds follow the daemontools convention:
 * label {@code 2^62 + 10 + unix seconds} (multilog does not apply leap seconds). Upper-case hex is
 * accepted.
 */
public final class Tai64n {
    /** The TAI64 label of unix second 0 in the daemontools convention: 2^62 + 10. */
    public static final long UNIX_EPOCH_LABEL = (1L << 62) + 10;
    /** Returned for a label that cannot be decoded. */
    public static final long INVALID = Long.MIN_VALUE;
    /** Characters of a label without its {@code @}. */
    public static final int HEX_DIGITS = 24;

    private static final long NANOS = 1_000_000_000L;
    private static final long MAX_SECS = Long.MAX_VALUE / NANOS - 1;

    private Tai64n() {}

    /** Epoch nanoseconds of the 24 hex digits at {@code s[p, p+24)}, or {@link #INVALID}. */
    public static long epochNanos(CharSequence s, int p) {
        if (p < 0 || p + HEX_DIGITS > s.length()) return INVALID;
        long hi = hex(s, p, 16);
        long lo = hex(s, p + 16, 8);
        if (hi < 0 || lo < 0 || lo >= NANOS) return INVALID;
        long secs = hi - UNIX_EPOCH_LABEL;
        if (secs > MAX_SECS || secs < -MAX_SECS) return INVALID;
        return secs * NANOS + lo;
    }

    /** Why the 24 characters at p are no valid label, or null when they are one. */
    public static String problem(CharSequence s, int p) {
        if (p < 0 || p + HEX_DIGITS > s.length()) return "TAI64N label shorter than 24 hex digits";
        long hi = hex(s, p, 16);
        long lo = hex(s, p + 16, 8);
        if (hi < 0 || lo < 0) return "bad hex digit in the TAI64N label";
        if (lo >= NANOS) return "TAI64N nanoseconds >= 10^9";
        long secs = hi - UNIX_EPOCH_LABEL;
        if (secs > MAX_SECS || secs < -MAX_SECS) return "TAI64N label out of range";
        return null;
    }

    /** Whether {@code s[p, p+24)} is a valid label. */
    public static boolean isLabel(CharSequence s, int p) {
        return problem(s, p) == null;
    }

    /** Unix seconds of the label at p (valid labels only). */
    public static long epochSeconds(CharSequence s, int p) {
        return hex(s, p, 16) - UNIX_EPOCH_LABEL;
    }

    /** The multilog label {@code @<24 hex>} of an epoch-nanosecond time (lower-case hex). */
    public static String label(long epochNanos) {
        long secs = Math.floorDiv(epochNanos, NANOS);
        long nanos = Math.floorMod(epochNanos, NANOS);
        return String.format("@%016x%08x", UNIX_EPOCH_LABEL + secs, nanos);
    }

    /** The multilog label of a unix time in seconds plus nanoseconds. */
    public static String label(long epochSeconds, long nanos) {
        return String.format("@%016x%08x", UNIX_EPOCH_LABEL + epochSeconds, nanos);
    }

    /** The value of each ASCII hex digit, -1 for any other character below 128. */
    private static final byte[] HEX_VALUE = new byte[128];

    static {
        java.util.Arrays.fill(HEX_VALUE, (byte) -1);
        for (int c = '0'; c <= '9'; c++) HEX_VALUE[c] = (byte) (c - '0');
        for (int c = 'a'; c <= 'f'; c++) HEX_VALUE[c] = (byte) (c - 'a' + 10);
        for (int c = 'A'; c <= 'F'; c++) HEX_VALUE[c] = (byte) (c - 'A' + 10);
    }

    /**
     * n (at most 16) hex digits at p as a non-negative long, or -1 (bad digit, or a 16-digit value
     * >= 2^63). A table, not a test per range: the digits of a label are as likely letters as
     * numbers, and the tests' mispredicted branches were most of the decoding's time.
     */
    private static long hex(CharSequence s, int p, int n) {
        long v = 0;
        for (int i = p; i < p + n; i++) {
            char c = s.charAt(i);
            int d = c < 128 ? HEX_VALUE[c] : -1;
            if (d < 0) return -1;
            v = (v << 4) | d;
        }
        // 16 digits fill the 64 bits: a first digit above 7 sets the sign bit
        return v < 0 ? -1 : v;
    }
}
