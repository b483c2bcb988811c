package io.qmailfleet.job.model;

/** What a {@link MessageFact} reports: a moment in one message's life cycle. */
public enum FactKind {
    /** {@code info msg}: the message was accepted into the queue (sender, size, qp known). */
    ACCEPTED,
    /** A delivery attempt got its outcome ({@code delivery <d>:} or an interruption). */
    ATTEMPT_END,
    /** The message ended ({@code end msg}). */
    MESSAGE_END
}
