package io.qmailfleet.job.trace;

import io.qmailfleet.job.model.LifecycleRecord;

/**
 * One side of a relay link: a successful remote delivery whose reply was qmail-smtpd's
 * {@code 250 ok <T> qp <P>}, i.e. a message handed to a qmail host, maybe one of the fleet.
 */
public class RelayOffer {
    /** The receiver's qmail-queue pid {@code P}: the join key. */
    public long qp = -1;
    /** {@code T}: unix seconds on the receiver's clock. */
    public long reportedSeconds = -1;
    /** The dotted quad the sender's qmail-remote connected to. */
    public String remoteIp;
    public String recipient;
    /** Lower-cased domain of the recipient. */
    public String recipientDomain;
    public long deliveryId = -1;
    public int deliveryRun = -1;
    public long attemptStartNanos = -1;
    public long attemptEndNanos = -1;
    /** The sender's whole life cycle (to write it again with {@code relayed_to} set). */
    public LifecycleRecord sender;
    /** Processing time after which it leaves the state unmatched. */
    public long expiresAtMillis = -1;
    /** Two or more candidates were seen at once: it is never linked. */
    public boolean ambiguous;
    /** The one candidate it was paired with, while the pair settles (null when unpaired). */
    public String pairedWith;
    /** Processing time at which the pair is written as a link, unless a rival turned up first. */
    public long decideAtMillis = -1;

    public RelayOffer() {}

    @Override
    public String toString() {
        return "offer{" + (sender == null ? "?" : sender.host + "/" + sender.msgId) + " d" + deliveryId
                + " -> " + remoteIp + " T=" + reportedSeconds + " qp=" + qp + (ambiguous ? " ambiguous" : "") + "}";
    }
}
