package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.HostState;

/**
 * Timeouts on the host's own log clock. Pending deadlines (stuck, hung, maximum open age, link
 * expiry) are summarised in one {@link HostState#nextDeadlineNanos} (the earliest); the open messages, in-flight
 * deliveries and pending links are scanned only when the clock reaches it, so the per-line path
 * never scans.
 *
 * <h2>Scan instants</h2>
 * Scans run at fixed instants of host time: a deadline is rounded up to the next multiple of the
 * scan granularity, and the scan runs <em>at</em> that instant ({@code now} is the instant, not
 * the time of the line or the wall-clock tick that got the host clock past it), on the state of
 * exactly the lines logged before it. What a scan finds and the times it stamps therefore depend
 * only on the host's log, never on when lines arrive or when a quiet host's clock is advanced by
 * wall time: a backfill and a live run raise the same checks at the same host times. Scans of
 * the same granularity instant are batched, which bounds the scan cost when many messages cross
 * their thresholds at slightly different times.
 */
final class DeadlineScanner {
    private final LifecycleConfig config;
    private final OpenMessages messages;
    private final DeliveryMatcher deliveries;
    private final LinkResolver links;

    DeadlineScanner(LifecycleConfig config, OpenMessages messages, DeliveryMatcher deliveries, LinkResolver links) {
        this.config = config;
        this.messages = messages;
        this.deliveries = deliveries;
        this.links = links;
    }

    /** Something is due at {@code deadline} (host time): scanned at the granularity instant at or after it. */
    static void arm(HostState st, long deadline) {
        if (deadline < st.nextDeadlineNanos) st.nextDeadlineNanos = deadline;
    }

    /** The scan instant of a deadline: rounded up to a multiple of the granularity (MAX stays MAX). */
    long instant(long deadline) {
        long g = config.scanGranularityNanos;
        if (g <= 1 || deadline == Long.MAX_VALUE || deadline == Long.MIN_VALUE) return deadline;
        long r = Math.floorMod(deadline, g);
        return r == 0 ? deadline : Sat.add(deadline, g - r);
    }

    /** Whether the host clock has reached the next scan instant. */
    boolean due(HostState st) {
        return st.clockNanos >= instant(st.nextDeadlineNanos);
    }

    /** The next scan instant (MAX if nothing is pending). */
    long nextInstant(HostState st) {
        return instant(st.nextDeadlineNanos);
    }

    /**
     * Runs every scan instant up to {@code upToNanos}, in order (each on the state its predecessor
     * left). The caller has released exactly the lines before the first of them and none after.
     */
    void runDue(HostState st, String host, HostOutput out, long upToNanos) {
        for (long at = instant(st.nextDeadlineNanos); at <= upToNanos; at = instant(st.nextDeadlineNanos)) {
            scan(st, host, out, at);
        }
    }

    /**
     * Scans at host time {@code now}: STUCK_CHECK and HUNG_CHECK once each, EVICT past the
     * maximum open age, expired links dropped. Sets the next scan instant (after {@code now}).
     */
    void scan(HostState st, String host, HostOutput out, long now) {
        OpenMessages.ScanResult m = messages.scan(host, now, st.run, config.maxOpenAgeNanos, links, out);
        long next = m.next;
        next = Math.min(next, deliveries.scan(host, now, m.evicted, config, out));
        next = Math.min(next, links.expire(now));
        // every deadline still pending is after now (what was due has been raised)
        st.nextDeadlineNanos = next <= now ? Sat.add(now, 1) : next;
    }
}
