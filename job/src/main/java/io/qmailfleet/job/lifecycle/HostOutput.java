package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.QmailEvent;

/**
 * Where the host rules put what they produce. The operator ({@link HostSequencer}) stamps every
 * record with the event time of the log line it carries ({@code tsNanos}) and sends it to the
 * matching Flink output; unit tests collect into lists.
 */
public interface HostOutput {
    /** A message event or control event for the per-message stage (main output). */
    void message(QmailEvent e);

    /** A host-level line: status, warning, alert. */
    void hostEvent(QmailEvent e);

    /** A line older than the reorder bound allows. */
    void late(QmailEvent e);

    void deadLetter(DeadLetter d);

    /** qmail-send started (a new run). */
    default void restarted() {}

    /** A splogger split line was joined and parsed. */
    default void joinedSplitLine() {}

    /** A dead letter of the host stage for a line, with its log time. */
    default void deadLetter(QmailEvent ev, DeadLetterReason reason, String detail, String raw) {
        DeadLetter d = DeadLetter.of(HostSequencer.STAGE, reason, detail, raw, ev.host, ev.origin, ev.position);
        d.tsNanos = ev.tsNanos;
        deadLetter(d);
    }
}
