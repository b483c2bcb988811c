package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.HostState;

/**
 * Timeouts on the host's own log clock. Pending deadlines (stuck, hung, maximum open age, link
 * expiry) are summarised in one {@link HostState#nextDeadlineNanos}; the open messages, in-flight
 * deliveries and pending links are scanned only when the clock reaches it, and then at most once
 * per scan granularity, so the per-line path never scans.
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

    /** Something is due at {@code deadline} (host time). */
    static void arm(HostState st, long deadline) {
        if (deadline < st.nextDeadlineNanos) st.nextDeadlineNanos = deadline;
    }

    /** Whether the host clock has reached the next deadline. */
    static boolean due(HostState st) {
        return st.clockNanos >= st.nextDeadlineNanos;
    }

    /**
     * Scans at the host clock: STUCK_CHECK and HUNG_CHECK once each, EVICT past the maximum open
     * age, expired links dropped. Recomputes the next deadline (not before clock + scan
     * granularity unless {@code exact}).
     */
    void scan(HostState st, String host, HostOutput out, boolean exact) {
        long now = st.clockNanos;
        OpenMessages.ScanResult m = messages.scan(host, now, st.run, config.maxOpenAgeNanos, links, out);
        long next = m.next;
        next = Math.min(next, deliveries.scan(host, now, m.evicted, config, out));
        next = Math.min(next, links.expire(now));
        st.nextDeadlineNanos = (exact || next == Long.MAX_VALUE)
                ? next : Math.max(next, Sat.add(now, config.scanGranularityNanos));
    }
}
