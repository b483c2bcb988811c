package io.qmailfleet.job.lifecycle;

/** Saturating long arithmetic for times that may be Long.MIN_VALUE/MAX_VALUE ("none"). */
public final class Sat {
    private Sat() {}

    public static long add(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        return r;
    }

    public static long sub(long a, long b) {
        long r = a - b;
        if (((a ^ b) & (a ^ r)) < 0) return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        return r;
    }

    /** a * b for b > 0, saturating. */
    public static long mul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long r = a * b;
        if ((hi == 0 && r >= 0) || (hi == -1 && r < 0)) return r;
        return (a < 0) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
}
