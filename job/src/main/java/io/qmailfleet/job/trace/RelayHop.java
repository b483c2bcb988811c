package io.qmailfleet.job.trace;

/**
 * One hop of a message through the fleet: host A's successful remote delivery linked to the message
 * host B queued from it. Written to the {@code hops} output (schemas/hop.schema.json). Times are
 * epoch nanos on the clock of the host that logged them (-1 when unknown).
 */
public class RelayHop {
    public String fromHost;
    public long fromMsgId = -1;
    public long fromNewNanos = -1;
    public String fromSender;
    public long deliveryId = -1;
    public int deliveryRun = -1;
    public String recipient;
    public String remoteIp;
    /** A's {@code starting delivery} time. */
    public long attemptStartNanos = -1;
    /** A's {@code delivery D: success} time. */
    public long attemptEndNanos = -1;
    /** {@code T} of {@code 250 ok T qp P}: unix seconds on B's clock. */
    public long reportedSeconds = -1;
    public long qp = -1;
    public String toHost;
    public long toMsgId = -1;
    public long toNewNanos = -1;
    public long toInfoNanos = -1;
    /** B's {@code end msg} time (-1 while B's message was still queued). */
    public long toEndNanos = -1;
    /** B's life-cycle status: complete, open or abandoned. */
    public String toStatus;

    public RelayHop() {}

    /**
     * From A's attempt start to B's {@code end msg}, in nanos; -1 when either is unknown. The two
     * ends are on two hosts' clocks: a skew between them shows up here as is.
     */
    public long delayNanos() {
        return attemptStartNanos < 0 || toEndNanos < 0 ? -1 : toEndNanos - attemptStartNanos;
    }

    /**
     * How far the receiver's clock is ahead of the sender's, in whole seconds (negative: behind),
     * estimated from the one moment both logged: B's {@code T} (whole seconds, so taken as T + 0.5 s)
     * and A's {@code delivery D: success}; null (as -1 is a valid value, {@code Long.MIN_VALUE}) when
     * A's result time is unknown. Good to about a second.
     */
    public long receiverClockAheadSeconds() {
        if (attemptEndNanos < 0 || reportedSeconds < 0) return Long.MIN_VALUE;
        return Math.round((reportedSeconds * 1e9 + 5e8 - attemptEndNanos) / 1e9);
    }

    @Override
    public String toString() {
        return "hop{" + fromHost + "/" + fromMsgId + " d" + deliveryId + " -> " + toHost + "/" + toMsgId + " qp=" + qp + "}";
    }
}
