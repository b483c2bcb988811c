package io.qmailfleet.job.trace;

import io.qmailfleet.job.model.LifecycleRecord;

/**
 * The other side of a relay link: a message a host received from outside, with its
 * {@code info msg ... qp <P>} time on its own clock.
 */
public class RelayReception {
    public long qp = -1;
    /** The whole received life cycle (to write it again with {@code relayed_from} set). */
    public LifecycleRecord receiver;
    public long expiresAtMillis = -1;
    public boolean ambiguous;
    /** The one candidate it was paired with, while the pair settles (null when unpaired). */
    public String pairedWith;
    /** Processing time at which the pair is written as a link, unless a rival turned up first. */
    public long decideAtMillis = -1;

    public RelayReception() {}

    @Override
    public String toString() {
        return "reception{" + (receiver == null ? "?" : receiver.host + "/" + receiver.msgId + " info=" + receiver.infoNanos)
                + " qp=" + qp + (ambiguous ? " ambiguous" : "") + "}";
    }
}
