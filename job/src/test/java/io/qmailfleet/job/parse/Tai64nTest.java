package io.qmailfleet.job.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** multilog's TAI64N labels to epoch nanoseconds, checked against a decoding by the JDK's own hex parser. */
class Tai64nTest {
    /** The JDK's reading of the 24 characters at p: the daemontools convention, or INVALID. */
    private static long reference(String s, int p) {
        String hi = s.substring(p, p + 16);
        String lo = s.substring(p + 16, p + 24);
        if (!hi.matches("[0-9a-fA-F]{16}") || !lo.matches("[0-9a-fA-F]{8}")) return Tai64n.INVALID;
        long h = Long.parseUnsignedLong(hi, 16);
        long l = Long.parseLong(lo, 16);
        if (h < 0 || l >= 1_000_000_000L) return Tai64n.INVALID;
        long secs = h - Tai64n.UNIX_EPOCH_LABEL;
        if (secs > Long.MAX_VALUE / 1_000_000_000L - 1 || secs < -(Long.MAX_VALUE / 1_000_000_000L - 1)) return Tai64n.INVALID;
        return secs * 1_000_000_000L + l;
    }

    @Test
    void labelsOfRealTimesDecodeToTheirTime() {
        long[] times = {0L, 1L, 999_999_999L, 1_764_619_200_123_456_789L, -1L, -86_400_000_000_000L, 4_102_444_800_000_000_000L};
        for (long t : times) {
            String label = Tai64n.label(t);
            assertEquals(t, Tai64n.epochNanos(label, 1), label);
            assertEquals(t, Tai64n.epochNanos(label.toUpperCase(), 1), "upper case: " + label);
            assertNull(Tai64n.problem(label, 1), label);
        }
        assertEquals(1_764_619_200L, Tai64n.epochSeconds(Tai64n.label(1_764_619_200_500_000_000L), 1));
    }

    @Test
    void randomLabelsAndBadDigitsDecodeAsTheJdkReadsThem() {
        Random rnd = new Random(42);
        String digits = "0123456789abcdefABCDEF";
        String bad = "gG /:@`\u00e9\u0660\uff10";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder("@");
            // mostly real-looking labels (4000000...), some with any first digit
            b.append(i % 4 == 0 ? digits.charAt(rnd.nextInt(digits.length())) : '4');
            for (int d = 1; d < 24; d++) b.append(digits.charAt(rnd.nextInt(digits.length())));
            if (i % 3 == 0) b.setCharAt(1 + rnd.nextInt(24), bad.charAt(rnd.nextInt(bad.length())));
            String s = b.toString();
            assertEquals(reference(s, 1), Tai64n.epochNanos(s, 1), s);
            assertEquals(reference(s, 1) != Tai64n.INVALID, Tai64n.isLabel(s, 1), s);
        }
    }

    @Test
    void whatIsWrongWithALabelIsSaid() {
        assertEquals("TAI64N label shorter than 24 hex digits", Tai64n.problem("@4000000069", 1));
        assertEquals("bad hex digit in the TAI64N label", Tai64n.problem("@40000000692d8a4e2g3b4c5d", 1));
        assertEquals("bad hex digit in the TAI64N label", Tai64n.problem("@80000000692d8a4e1a3b4c5d", 1), "2^63 and above");
        assertEquals("TAI64N nanoseconds >= 10^9", Tai64n.problem("@40000000692d8a4e3b9aca00", 1));
        assertEquals(Tai64n.INVALID, Tai64n.epochNanos("@4000000069", 1));
    }
}
