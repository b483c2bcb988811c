package io.qmailfleet.job.trace;

import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleRecordSerializer;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The other side of a relay link: a message a host received from outside, with its
 * {@code info msg ... qp <P>} time on its own clock.
 *
 * <p>Matching needs only the receiver's host, message id, {@code new msg} and {@code info msg}
 * times; the whole life cycle is needed only when the reception is linked (to write it again with
 * {@code relayed_from}). So a reception travels and waits in the relay linker's state in its
 * <i>compact form</i> ({@link #pack}): those four in {@link #host}, {@link #msgId},
 * {@link #newNanos}, {@link #infoNanos}, and the life cycle as the bytes of
 * {@link LifecycleRecordSerializer} in {@link #receiverBytes}, decoded by {@link #receiver()} when a
 * link is written. A reception made by {@link RelaySides#reception} (or restored from a savepoint of
 * a version before the compact form) holds the object in {@link #receiver}; the linker packs it when
 * it arrives.
 *
 * <p>Flink writes it with {@link RelaySideSerializers} (a field added here must be added there).
 */
@TypeInfo(RelaySideSerializers.ReceptionType.Factory.class)
public class RelayReception {
    public long qp = -1;
    /** The whole received life cycle as an object: null in the compact form (see {@link #receiverBytes}). */
    public LifecycleRecord receiver;
    /** Compact form: the receiver's host, message id, {@code new msg} and {@code info msg} times. */
    public String host;
    public long msgId = -1;
    public long newNanos = -1;
    public long infoNanos = -1;
    /** Compact form: the receiver's whole life cycle, serialized ({@link LifecycleRecordSerializer#toBytes}). */
    public byte[] receiverBytes;
    /** As {@link RelayOffer#expiresAtMillis}. */
    public long expiresAtMillis = -1;
    public boolean ambiguous;
    /** The one candidate it was paired with, while the pair settles (null when unpaired). */
    public String pairedWith;
    /** Processing time at which the pair is written as a link, unless a rival turned up first. */
    public long decideAtMillis = -1;

    public RelayReception() {}

    /** Turns the reception into its compact form, if it is not in it. */
    public RelayReception pack() {
        return pack(null);
    }

    /**
     * Turns the reception into its compact form, if it is not in it. {@code bytes} is the receiver
     * already serialized ({@link LifecycleRecordSerializer#toBytes}), or null to serialize it here.
     */
    public RelayReception pack(byte[] bytes) {
        if (receiver != null) {
            host = receiver.host;
            msgId = receiver.msgId;
            newNanos = receiver.newNanos;
            infoNanos = receiver.infoNanos;
            receiverBytes = bytes != null ? bytes : LifecycleRecordSerializer.toBytes(receiver);
            receiver = null;
        }
        return this;
    }

    /** Whether it knows its receiver's life cycle (in either form). */
    public boolean hasReceiver() {
        return receiver != null || receiverBytes != null;
    }

    /** The received life cycle (decoded from the compact form: a new object on each call), or null. */
    public LifecycleRecord receiver() {
        if (receiver != null) return receiver;
        return receiverBytes == null ? null : LifecycleRecordSerializer.fromBytes(receiverBytes);
    }

    @Override
    public String toString() {
        String b = receiver != null ? receiver.host + "/" + receiver.msgId + " info=" + receiver.infoNanos
                : receiverBytes != null ? host + "/" + msgId + " info=" + infoNanos : "?";
        return "reception{" + b + " qp=" + qp + (ambiguous ? " ambiguous" : "") + "}";
    }
}
