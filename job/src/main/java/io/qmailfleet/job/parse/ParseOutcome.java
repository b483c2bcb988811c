package io.qmailfleet.job.parse;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.QmailEvent;

/** The result of parsing one line: exactly one of {@link #event} and {@link #deadLetter} is set. */
public final class ParseOutcome {
    public QmailEvent event;
    public DeadLetter deadLetter;

    public static ParseOutcome of(QmailEvent e) {
        ParseOutcome o = new ParseOutcome();
        o.event = e;
        return o;
    }

    public static ParseOutcome dead(DeadLetter d) {
        ParseOutcome o = new ParseOutcome();
        o.deadLetter = d;
        return o;
    }

    public boolean ok() {
        return event != null;
    }
}
