package io.qmailfleet.job.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link AlertEngine#nextChange}: the engine skips the sweep of a stream's keys while the host's
 * time is before it, so it must never be later than the first instant at which the key's state
 * machine ({@link AlertEngine#step}, {@link AlertEngine#idle}) would change the key by time alone.
 * Checked on random keys in every state, each first stepped to a time {@code t0} (as a sweep
 * leaves it), at random instants between {@code t0} and its next change (triggers that left the
 * hour by then count for nothing); and at the next change itself something does change for most
 * keys (the bound is not just far too early).
 */
class AlertKeyNextChangeTest {
    private static final long S = 1_000_000_000L;
    private static final long HOUR = Duration.ofHours(1).toNanos();
    private static final int MAX_PER_HOUR = 3;

    /** A key in a random state, from {@code seed} (the same seed gives the same key). */
    private static AlertKey key(long seed, long t0) {
        Random r = new Random(seed);
        AlertKey k = new AlertKey();
        k.dedupKey = "k" + seed;
        k.stream = r.nextBoolean() ? "host" : "message";
        k.active = r.nextBoolean();
        k.firing = r.nextBoolean();
        k.forNanos = r.nextInt(4) * 60 * S;
        k.keepNanos = r.nextInt(4) * 60 * S;
        k.quietNanos = r.nextBoolean() ? 0 : (1 + r.nextInt(10)) * 60 * S;
        k.activeSinceNanos = t0 - r.nextInt(600) * S;
        k.lastSeenNanos = t0 - r.nextInt(600) * S;
        k.clearSinceNanos = k.active ? -1 : t0 - r.nextInt(600) * S;
        k.openMembers = r.nextInt(3) - 1;
        int triggers = r.nextInt(MAX_PER_HOUR + 2);
        List<Long> times = new ArrayList<>();
        long t = t0 - HOUR - r.nextInt(1800) * S;
        for (int i = 0; i < triggers; i++) {
            t += r.nextInt(1200) * S;
            times.add(Math.min(t, t0));
        }
        k.triggerTimes = times;
        return k;
    }

    /** What the key does from {@code now} on: triggers that left the hour by then count for nothing. */
    private static String state(AlertKey k, long now) {
        List<Long> inHour = k.triggerTimes.stream().filter(t -> t > now - HOUR).toList();
        return k.active + " " + k.firing + " " + k.clearSinceNanos + " " + k.activeSinceNanos + " " + inHour;
    }

    @Test
    void nothingChangesBeforeTheNextChange() {
        long t0 = 1_795_551_251L * S;
        int changedAtDue = 0;
        int withDue = 0;
        for (long seed = 0; seed < 5_000; seed++) {
            AlertKey settled = key(seed, t0);
            AlertEngine.step(settled, t0, MAX_PER_HOUR);
            if (AlertEngine.idle(settled, t0)) continue; // dropped by the sweep at t0
            long due = AlertEngine.nextChange(settled, MAX_PER_HOUR);
            assertTrue(due > Long.MIN_VALUE);
            Random r = new Random(seed);
            for (int i = 0; i < 20; i++) {
                long span = due == Long.MAX_VALUE ? 3 * HOUR : due - t0;
                if (span <= 0) break; // due now: the next line sweeps
                long now = t0 + (long) (r.nextDouble() * span);
                if (now >= due) continue;
                AlertKey k = key(seed, t0);
                AlertEngine.step(k, t0, MAX_PER_HOUR);
                assertNull(AlertEngine.step(k, now, MAX_PER_HOUR), () -> "seed " + k.dedupKey + " acted before " + due);
                assertEquals(state(settled, now), state(k, now), "seed " + seed + ": changed before its next change");
                assertFalse(AlertEngine.idle(k, now), "seed " + seed + ": idle before its next change");
            }
            if (due != Long.MAX_VALUE && due > t0) {
                withDue++;
                AlertKey k = key(seed, t0);
                AlertEngine.step(k, t0, MAX_PER_HOUR);
                String action = AlertEngine.step(k, due, MAX_PER_HOUR);
                if (action != null || !state(settled, due).equals(state(k, due)) || AlertEngine.idle(k, due)) changedAtDue++;
            }
        }
        assertTrue(withDue > 1_000, "keys with a next change: " + withDue);
        assertTrue(changedAtDue > withDue / 2, changedAtDue + " of " + withDue + " changed at their next change");
    }
}
