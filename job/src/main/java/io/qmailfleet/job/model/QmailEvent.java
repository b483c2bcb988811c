package io.qmailfleet.job.model;

import java.util.Objects;

/**
 * One parsed log line, or a control event between the host stage and the per-message stage.
 *
 * <p>A single flat Flink POJO for every kind (see {@link #type}): flat public fields serialize
 * fast with Flink's PojoSerializer and never fall back to Kryo. Fields that do not apply to a kind
 * keep their "unset" value: -1 for numbers, null for objects.
 *
 * <p>Between tasks it travels in the compact form of {@link QmailEventSerializer} (streams typed
 * {@link QmailEventTypeInfo}); a new field must be added there too (its round-trip test fails
 * otherwise).
 */
public class QmailEvent {
    // ---- every event
    /** Host the line belongs to (syslog host field, envelope, Kafka key/header, or file rule). */
    public String host;
    /** Event time: the line's own log timestamp, epoch nanoseconds (UTC). */
    public long tsNanos;
    public EventType type;
    /** Timestamp format of the line. */
    public LogFormat format;
    /** Where the line came from ({@code file:<path>} or {@code kafka:<topic>/<partition>}). */
    public String origin;
    /** Line number in the file or Kafka offset. */
    public long position = -1;
    /**
     * Per-host arrival sequence number, assigned by the host stage; orders lines with equal
     * timestamps. -1 before the host stage.
     */
    public long seq = -1;

    // ---- qmail-send fields
    /** Message id (queue inode number) for NEW/INFO/START/BOUNCE/TRIPLE/END and control events. */
    public long msgId = -1;
    /** Delivery id for START_DELIVERY, DELIVERY_RESULT, DELIVERY_INTERRUPTED, HUNG_CHECK. */
    public long deliveryId = -1;
    /** {@code local} or {@code remote} (START_DELIVERY; copied onto results by the host stage). */
    public String channel;
    /** Recipient (START_DELIVERY and enriched results) or envelope sender without brackets (INFO_MSG). */
    public String address;
    /**
     * START_DELIVERY to a local recipient: the mailbox behind a virtual-domain address
     * ({@code example.org-export@example.org} is {@code export@example.org}), else the address;
     * see {@code parse.Mailbox}. Null for other kinds.
     */
    public String mailbox;
    /**
     * The qmail-send instance of a multi-queue set-up that wrote the line: indimail's
     * {@code queue<N>} suffix; null when the line has none.
     */
    public String queue;
    /** Report text (DELIVERY_RESULT), warning/alert text, tcpserver detail, other program's text. */
    public String text;
    public long bytes = -1;
    /** qp of INFO_MSG and BOUNCE_MSG; for a forward success the qp in {@code did_0+1+0/qp_<qp>/}. */
    public long qp = -1;
    public long uid = -1;
    /** DELIVERY_RESULT outcome; {@code report mangled} is a DEFERRAL with {@link #mangled} set. */
    public Outcome outcome;
    public boolean mangled;
    /** STATUS: deliveries in progress and concurrency limits. */
    public int localUsed = -1;
    public int localMax = -1;
    public int remoteUsed = -1;
    public int remoteMax = -1;
    /** STATUS: the {@code exitasap} suffix (qmail-send got SIGTERM while deliveries ran). */
    public boolean exitasap;

    // ---- tcpserver fields
    /** tcpserver child pid (TCP_PID/OK/DENY/END). */
    public long pid = -1;
    /** TCP_STATUS: connections in use; TCP_END: raw wait status. */
    public long count = -1;
    /** TCP_STATUS: connection limit. */
    public long limit = -1;

    // ---- other programs
    /** OTHER_PROGRAM: the program that wrote the line (chkuser, simscan, spamdyke, ...). */
    public String program;

    // ---- splogger split lines (SPLIT_HEAD, CONTINUATION): the qmail text to join
    public String raw;

    // ---- enrichment added by the host stage
    /** qmail-send run number on this host (1 = the first start-up seen; 0 = before any start-up). */
    public int run = -1;
    /** DELIVERY_RESULT/INTERRUPTED/HUNG_CHECK: when the matching {@code starting delivery} was logged. */
    public long startNanos = -1;
    /** INFO_MSG of a bounce or forwarded copy: {@code bounce} or {@code forward}; null otherwise. */
    public LinkKind linkKind;
    /** The original message's id (linkKind set). */
    public long linkMsgId = -1;
    /** The original message's {@code new msg} time, epoch nanos, -1 if unknown (linkKind set). */
    public long linkBirthNanos = -1;
    /** For a forward: the recipient whose delivery made the copy. */
    public String linkRecipient;

    public QmailEvent() {}

    public QmailEvent(String host, long tsNanos, EventType type) {
        this.host = host;
        this.tsNanos = tsNanos;
        this.type = type;
    }

    /** A shallow copy (all fields are immutable values). */
    public QmailEvent copy() {
        QmailEvent e = new QmailEvent();
        e.host = host; e.tsNanos = tsNanos; e.type = type; e.format = format; e.origin = origin;
        e.position = position; e.seq = seq; e.msgId = msgId; e.deliveryId = deliveryId;
        e.channel = channel; e.address = address; e.mailbox = mailbox; e.queue = queue; e.text = text; e.bytes = bytes; e.qp = qp;
        e.uid = uid; e.outcome = outcome; e.mangled = mangled; e.localUsed = localUsed;
        e.localMax = localMax; e.remoteUsed = remoteUsed; e.remoteMax = remoteMax;
        e.exitasap = exitasap; e.pid = pid; e.count = count; e.limit = limit; e.program = program;
        e.raw = raw; e.run = run; e.startNanos = startNanos; e.linkKind = linkKind;
        e.linkMsgId = linkMsgId; e.linkBirthNanos = linkBirthNanos; e.linkRecipient = linkRecipient;
        return e;
    }

    /**
     * Equality on what the line said (type, time, host and the qmail/tcpserver fields), ignoring
     * where it came from (format, origin, position, seq) and the host stage's enrichment. Two
     * captures of the same qmail-send output in different formats give equal events when their
     * stamps are equal.
     */
    public boolean sameContent(QmailEvent o) {
        return o != null && type == o.type && tsNanos == o.tsNanos && Objects.equals(host, o.host)
                && sameFields(o);
    }

    /** Like {@link #sameContent} but ignoring the timestamp too. */
    public boolean sameFields(QmailEvent o) {
        return o != null && type == o.type && msgId == o.msgId && deliveryId == o.deliveryId
                && Objects.equals(channel, o.channel) && Objects.equals(address, o.address)
                && Objects.equals(mailbox, o.mailbox) && Objects.equals(queue, o.queue)
                && Objects.equals(text, o.text) && bytes == o.bytes && qp == o.qp && uid == o.uid
                && outcome == o.outcome && mangled == o.mangled && localUsed == o.localUsed
                && localMax == o.localMax && remoteUsed == o.remoteUsed && remoteMax == o.remoteMax
                && exitasap == o.exitasap && pid == o.pid && count == o.count && limit == o.limit
                && Objects.equals(program, o.program) && Objects.equals(raw, o.raw);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof QmailEvent)) return false;
        QmailEvent e = (QmailEvent) o;
        return sameContent(e) && format == e.format && Objects.equals(origin, e.origin)
                && position == e.position && seq == e.seq && run == e.run
                && startNanos == e.startNanos && Objects.equals(linkKind, e.linkKind)
                && linkMsgId == e.linkMsgId && linkBirthNanos == e.linkBirthNanos
                && Objects.equals(linkRecipient, e.linkRecipient);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, tsNanos, type, msgId, deliveryId, text);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("QmailEvent{").append(type).append(' ').append(host)
                .append(" t=").append(tsNanos);
        if (msgId >= 0) b.append(" msg=").append(msgId);
        if (deliveryId >= 0) b.append(" d=").append(deliveryId);
        if (channel != null) b.append(' ').append(channel);
        if (address != null) b.append(" addr=").append(address);
        if (queue != null) b.append(' ').append(queue);
        if (outcome != null) b.append(' ').append(outcome);
        if (text != null) b.append(" text=").append(text.length() > 80 ? text.substring(0, 80) + "..." : text);
        if (qp >= 0) b.append(" qp=").append(qp);
        if (run >= 0) b.append(" run=").append(run);
        return b.append('}').toString();
    }
}
