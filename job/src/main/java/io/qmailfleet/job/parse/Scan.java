package io.qmailfleet.job.parse;

import io.qmailfleet.job.model.DeadLetterReason;

/**
 * A cursor over {@code s[pos, end)} of one line, created per parse call: the only mutable state of
 * a line's scan, never shared between lines or parsers. A malformed field throws {@link Malformed}
 * with the dead-letter reason and a detail; nothing is remembered after the call.
 */
final class Scan {
    final String s;
    final int end;
    int pos;

    Scan(String s, int pos, int end) {
        this.s = s;
        this.pos = pos;
        this.end = end;
    }

    /** Why a line does not parse; carries no stack trace (it is a result, not a bug). */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;
        final DeadLetterReason reason;
        final String detail;

        Malformed(DeadLetterReason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
            this.detail = detail;
        }
    }

    static Malformed fail(DeadLetterReason reason, String detail) {
        return new Malformed(reason, detail);
    }

    static Malformed truncated(String detail) {
        return new Malformed(DeadLetterReason.TRUNCATED, detail);
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean starts(String s, int p, int end, String lit) {
        return end - p >= lit.length() && s.startsWith(lit, p);
    }

    boolean atEnd() {
        return pos >= end;
    }

    boolean starts(String lit) {
        return starts(s, pos, end, lit);
    }

    /** Skips {@code lit} if it is at the cursor. */
    boolean skip(String lit) {
        if (!starts(lit)) return false;
        pos += lit.length();
        return true;
    }

    /** Skips {@code lit}, or fails TRUNCATED naming what was being read. */
    void expect(String lit, String what) throws Malformed {
        if (skip(lit)) return;
        throw truncated(what + ": expected '" + lit + "' at offset " + pos + (pos >= end ? " (line ends there)" : ""));
    }

    /** Fails TRUNCATED unless the cursor is at the end. */
    void expectEnd(String what) throws Malformed {
        if (pos != end) throw truncated(what + ": unexpected text after the last field");
    }

    /**
     * Unsigned decimal at the cursor, which moves after it: the value, -1 if there is no digit, -2
     * if it does not fit a long (the cursor stops at the digit that overflows).
     */
    long num() {
        long v = 0;
        int i = pos;
        while (i < end) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') break;
            int d = c - '0';
            if (v > (Long.MAX_VALUE - d) / 10) {
                pos = i;
                return -2;
            }
            v = v * 10 + d;
            i++;
        }
        int start = pos;
        pos = i;
        return i == start ? -1 : v;
    }

    /** Like {@link #num} but fails TRUNCATED on a missing or overflowing number. */
    long need(String what) throws Malformed {
        int at = pos;
        long v = num();
        if (v >= 0) return v;
        if (v == -2) throw truncated(what + " does not fit a long");
        throw truncated(what + ": expected a number at offset " + at + (at >= end ? " (line ends there)" : ""));
    }

    int needInt(String what) throws Malformed {
        long v = need(what);
        if (v > Integer.MAX_VALUE) throw truncated(what + " does not fit an int");
        return (int) v;
    }

    /** The number s[p, q) if it is all digits and fits a long, else -1. */
    static long number(String s, int p, int q) {
        Scan c = new Scan(s, p, q);
        long v = c.num();
        return v >= 0 && c.pos == q ? v : -1;
    }

    static String snippet(String s, int p, int end) {
        int n = Math.min(end, p + 60);
        StringBuilder b = new StringBuilder(Math.max(0, n - p) + 3);
        for (int i = p; i < n; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (n < end) b.append("...");
        return b.toString();
    }
}
