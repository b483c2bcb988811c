package io.qmailfleet.job.model;

/** What a parsed line (or a control event between stages) is. */
public enum EventType {
    // ---- qmail-send message life cycle (log-format.md section 1)
    /** {@code new msg <id>}. */
    NEW_MSG,
    /** {@code info msg <id>: bytes <b> from <sender> qp <qp> uid <uid>}. */
    INFO_MSG,
    /** {@code starting delivery <d>: msg <id> to local|remote <recipient>}. */
    START_DELIVERY,
    /** {@code delivery <d>: success|deferral|failure: <report>} or {@code report mangled, will defer}. */
    DELIVERY_RESULT,
    /** {@code bounce msg <id> qp <qp>}. */
    BOUNCE_MSG,
    /** {@code triple bounce: discarding bounce/<id>}. */
    TRIPLE_BOUNCE,
    /** {@code end msg <id>}. */
    END_MSG,
    /**
     * indimail's {@code local: <sender> <recipient> <bytes>}: a local delivery's envelope before
     * virtual-domain rewriting ({@link QmailEvent#text} = sender, {@link QmailEvent#address} =
     * recipient as addressed, {@link QmailEvent#bytes}). Carries no message id: a host event.
     */
    LOCAL_ENVELOPE,

    // ---- qmail-send status, warning and alert lines (sections 2 and 4)
    /** {@code status: local <lu>/<lc> remote <ru>/<rc>[ exitasap]}. */
    STATUS,
    /** {@code status: exiting}. */
    STATUS_EXITING,
    /** {@code warning: ...}. */
    WARNING,
    /** {@code alert: ...}. */
    ALERT,

    // ---- tcpserver -v (section 5): connection events
    /** {@code tcpserver: status: <n>/<max>}. */
    TCP_STATUS,
    /** {@code tcpserver: pid <pid> from <ip>}. */
    TCP_PID,
    /** {@code tcpserver: ok <pid> <local> <remote>}. */
    TCP_OK,
    /** {@code tcpserver: deny <pid> <local> <remote>}. */
    TCP_DENY,
    /** {@code tcpserver: end <pid> status <wait status>}. */
    TCP_END,
    /** {@code tcpserver: warning: ...}. */
    TCP_WARNING,
    /** {@code tcpserver: fatal: ...}. */
    TCP_FATAL,

    // ---- lines of other programs that may share the log (patched qmails, smtp front ends)
    /** A recognised line of another program (chkuser, simscan, spamdyke, rblsmtpd, qmail-smtpd patches...). */
    OTHER_PROGRAM,

    // ---- splogger long-line split (section 0.2): joined back by the host stage
    /** The first 799-byte part of a splogger line that may be continued; {@link QmailEvent#raw} holds its text. */
    SPLIT_HEAD,
    /** A {@code <stamp>+<rest>} continuation; {@link QmailEvent#raw} holds the rest. */
    CONTINUATION,

    // ---- control events from the host stage to the per-message stage (never parsed from a line)
    /** A delivery in flight when qmail-send exited or restarted: closed as interrupted. */
    DELIVERY_INTERRUPTED,
    /** The message has been open longer than the stuck threshold (host log time in {@code tsNanos}). */
    STUCK_CHECK,
    /** A delivery has run longer than the hung threshold without a result. */
    HUNG_CHECK,
    /** End of a bounded input: emit the open life cycle as it stands. */
    FLUSH_OPEN,
    /** The message outlived the maximum open age (or its host went silent): emit and drop its state. */
    EVICT,
    /**
     * A link learnt after the message's {@code info msg}: a forwarded copy whose {@code info msg}
     * came before the original's {@code delivery <d>: success: did_0+1+0/qp_<qp>/} line (the usual
     * order, since qmail-local reports only after qmail-queue has queued the copy). Carries
     * {@link QmailEvent#linkKind} and the other link fields, addressed to the copy's message id.
     */
    LINK;

    /** Whether the line is qmail-send's own (not tcpserver's or another program's). */
    public boolean fromQmailSend() {
        switch (this) {
            case TCP_STATUS: case TCP_PID: case TCP_OK: case TCP_DENY: case TCP_END:
            case TCP_WARNING: case TCP_FATAL: case OTHER_PROGRAM:
                return false;
            default:
                return true;
        }
    }
}
