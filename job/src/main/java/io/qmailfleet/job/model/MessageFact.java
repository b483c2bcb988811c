package io.qmailfleet.job.model;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One fact of a message life cycle, emitted by the host sequencer's life-cycle builder on its side
 * output {@code HostSequencer.FACTS} for any stage that counts or follows messages without keeping
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
     * Index of the producer of the host's facts, of {@link #producers}. A consumer keyed by host
     * takes the host's clock as the minimum over the producers' latest times, each producer
     * sending the host's facts in its log order. Life cycles are built where the host's lines are
     * sequenced, so a host has one producer (0 of 1); the fields stay so that a consumer's state
     * and the facts' form need not change if that is ever spread again.
     */
    public int producer;
    /** How many producers send facts of the host. */
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
