package io.qmailfleet.job.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A per-message alert event for the alert stage and on-call paging: a message stuck in the queue,
 * a delivery that hangs, and their resolutions. Written to the {@code message-alerts} output
 * (schemas/message-alert.schema.json).
 */
public class MessageAlert {
    /** {@code stuck_message}, {@code stuck_resolved}, {@code hung_delivery}, {@code hung_resolved}. */
    public AlertKind kind;
    public String host;
    public long msgId = -1;
    public long newNanos = -1;
    /** Host log time at which the alert was raised or resolved, epoch nanos. */
    public long atNanos = -1;
    /** Age of the message (stuck) or of the delivery (hung) at {@link #atNanos}, in milliseconds. */
    public long ageMillis = -1;
    /** Threshold that was crossed, in milliseconds. */
    public long thresholdMillis = -1;
    public String sender;
    /** Hung delivery: its id and recipient. */
    public long deliveryId = -1;
    public String recipient;
    public String channel;
    /**
     * How it ended for a resolve: {@code delivered}, {@code bounced}, {@code ended} (stuck_resolved);
     * the delivery outcome for hung_resolved; {@code open} for end of input / eviction without end.
     */
    public Resolution resolution;
    /** Stuck message: every recipient with its attempts (the deferral history) at the time of the alert. */
    public List<Recipient> recipients = new ArrayList<>();

    public MessageAlert() {}
}
