package io.qmailfleet.job.trace;

import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleRecordSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One side of a relay link: a successful remote delivery whose reply was qmail-smtpd's
 * {@code 250 ok <T> qp <P>}, i.e. a message handed to a qmail host, maybe one of the fleet.
 *
 * <p>The sender's life cycle is needed only when the offer is linked (to write it again with
 * {@code relayed_to}); until then the offer travels and waits in the relay linker's state in its
 * <i>compact form</i> ({@link #pack}): the sender's identity in {@link #senderHost},
 * {@link #senderMsgId}, {@link #senderNewNanos}, and the life cycle as the bytes of
 * {@link LifecycleRecordSerializer} in {@link #senderBytes}, decoded by {@link #sender()} when a link
 * is written. An offer made by {@link RelaySides#offers} (or restored from a savepoint of a version
 * before the compact form) holds the object in {@link #sender}; the linker packs it when it arrives.
 *
 * <p>Flink writes it with {@link RelaySideSerializers} (a field added here must be added there).
 */
@TypeInfo(RelaySideSerializers.OfferType.Factory.class)
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
    /** The sender's whole life cycle as an object: null in the compact form (see {@link #senderBytes}). */
    public LifecycleRecord sender;
    /** Compact form: the sender's host, message id and {@code new msg} time (its identity). */
    public String senderHost;
    public long senderMsgId = -1;
    public long senderNewNanos = -1;
    /** Compact form: the sender's whole life cycle, serialized ({@link LifecycleRecordSerializer#toBytes}). */
    public byte[] senderBytes;
    /**
     * Processing time after which it leaves the state unmatched (its arrival plus the buffer; its
     * timer is at the next whole second, {@link RelayLinker#timerAt}).
     */
    public long expiresAtMillis = -1;
    /** Two or more candidates were seen at once: it is never linked. */
    public boolean ambiguous;
    /** The one candidate it was paired with, while the pair settles (null when unpaired). */
    public String pairedWith;
    /** Processing time at which the pair is written as a link, unless a rival turned up first. */
    public long decideAtMillis = -1;

    public RelayOffer() {}

    /**
     * Turns the offer into its compact form, if it is not in it: the sender's identity and bytes
     * instead of the object. {@code bytes} is the sender already serialized (offers of one life
     * cycle share it), or null to serialize it here.
     */
    public RelayOffer pack(byte[] bytes) {
        if (sender != null) {
            senderHost = sender.host;
            senderMsgId = sender.msgId;
            senderNewNanos = sender.newNanos;
            senderBytes = bytes != null ? bytes : LifecycleRecordSerializer.toBytes(sender);
            sender = null;
        }
        return this;
    }

    /** Whether it knows its sender's life cycle (in either form). */
    public boolean hasSender() {
        return sender != null || senderBytes != null;
    }

    /** The sender's life cycle (decoded from the compact form: a new object on each call), or null. */
    public LifecycleRecord sender() {
        if (sender != null) return sender;
        return senderBytes == null ? null : LifecycleRecordSerializer.fromBytes(senderBytes);
    }

    @Override
    public String toString() {
        String s = sender != null ? sender.host + "/" + sender.msgId : senderBytes != null ? senderHost + "/" + senderMsgId : "?";
        return "offer{" + s + " d" + deliveryId + " -> " + remoteIp + " T=" + reportedSeconds + " qp=" + qp
                + (ambiguous ? " ambiguous" : "") + "}";
    }
}
