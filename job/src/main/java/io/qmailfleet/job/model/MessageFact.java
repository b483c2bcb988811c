package io.qmailfleet.job.model;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One fact of a message life cycle, emitted by the lifecycle builder on its side output
 * {@code LifecycleBuilder.FACTS} for any stage that counts or follows messages without keeping
 * their whole record: a message accepted ({@code info msg}), a delivery attempt ended
 * ({@code delivery <d>:} or an interruption) or a message ended ({@code end msg}; records written
 * {@code open} or {@code abandoned} are on the life-cycle stream only). Each fact carries the
 * Flink timestamp of its line. Times are the host's log time, epoch nanos.
 */
@TypeInfo(MessageFactTypeInfo.Factory.class)
public class MessageFact {
    public FactKind kind;
    public String host;
    /**
     * Index of the lifecycle-builder subtask that produced the fact. Each subtask sends a host's
     * facts in that host's log order, so a consumer keyed by host can take the host's clock as the
     * minimum over the {@link #producers} subtasks' latest times.
     */
    public int producer;
    /** How many lifecycle-builder subtasks there are (every one of them may send facts of a host). */
    public int producers = 1;
    public long msgId = -1;
    /** Log time of the line the fact comes from. */
    public long tsNanos = -1;
    /** Envelope sender as logged, without brackets ("" for a bounce, {@code #@[]}); null if no info line was seen. */
    public String sender;
    /** uid of {@code info msg}; -1 if unknown. */
    public long uid = -1;
    /** Message size from {@code info msg}; -1 if unknown. */
    public long bytes = -1;
    /** {@code info msg} time (the message's birth in qmailanalog's terms); -1 if unknown. */
    public long infoNanos = -1;

    // ---- ATTEMPT_END
    public String recipient;
    public String channel;
    /** {@code success}, {@code deferral}, {@code failure} or {@code interrupted}. */
    public Outcome outcome;
    /** {@code starting delivery} time; -1 if the start was before the log began. */
    public long startNanos = -1;
    /** The report text as logged ("" when empty); null for an interruption. */
    public String report;
    /** qmail-send logged "report mangled, will defer" instead of a report. */
    public boolean mangled;

    // ---- MESSAGE_END: qmailanalog's nk, nd, nz of the message, and what it caused
    public int successes;
    public int failures;
    public int deferrals;
    /** A bounce was queued for it ({@code bounce msg}). */
    public boolean bounced;
    /** A failed double bounce was discarded ({@code triple bounce}). */
    public boolean tripleBounce;

    public MessageFact() {}
}
