package io.qmailfleet.job.model;

/**
 * One countable fact of a message life cycle, emitted by the lifecycle builder for the stats stage:
 * a message accepted ({@code info msg}), a delivery attempt ended ({@code delivery <d>:} or an
 * interruption) or a message ended ({@code end msg}). Times are the host's log time, epoch nanos.
 */
public class StatsFact {
    public static final String ACCEPTED = "accepted";
    public static final String ATTEMPT_END = "attempt_end";
    public static final String MESSAGE_END = "message_end";

    /** {@link #ACCEPTED}, {@link #ATTEMPT_END} or {@link #MESSAGE_END}. */
    public String kind;
    public String host;
    /** Index of the lifecycle-builder subtask that produced the fact (its facts of a host are in log order). */
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

    // ---- MESSAGE_END: qmailanalog's nk, nd, nz of the message, and what it caused
    public int successes;
    public int failures;
    public int deferrals;
    /** A bounce was queued for it ({@code bounce msg}). */
    public boolean bounced;
    /** A failed double bounce was discarded ({@code triple bounce}). */
    public boolean tripleBounce;

    public StatsFact() {}
}
