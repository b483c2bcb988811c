package io.qmailfleet.job.model;

/** What a {@link MessageFact} reports: a moment in one message's life cycle. */
public enum FactKind {
    /** {@code info msg}: the message was accepted into the queue (sender, size, qp known). */
    ACCEPTED,
    /** A delivery attempt got its outcome ({@code delivery <d>:} or an interruption). */
    ATTEMPT_END,
    /** The message ended ({@code end msg}). */
    MESSAGE_END,
    /**
     * No message: the host's log clock reached {@code tsNanos}, and every fact of the host before
     * that time has been sent. Sent when the clock passes an instant a stage asked for, so that a
     * host with few messages still has its windows closed on time.
     */
    CLOCK
}
