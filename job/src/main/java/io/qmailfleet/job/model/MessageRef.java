package io.qmailfleet.job.model;

/** A link to another message life cycle on the same host. */
public class MessageRef {
    public long msgId = -1;
    /** The other message's {@code new msg} time, epoch nanos (-1 if unknown): with host and id it names one life cycle. */
    public long birthNanos = -1;
    /** The qp that links the two messages. */
    public long qp = -1;
    /** For a forward: the recipient whose delivery made the copy. */
    public String recipient;

    public MessageRef() {}

    public MessageRef(long msgId, long birthNanos, long qp, String recipient) {
        this.msgId = msgId;
        this.birthNanos = birthNanos;
        this.qp = qp;
        this.recipient = recipient;
    }
}
