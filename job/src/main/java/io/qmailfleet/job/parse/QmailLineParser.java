package io.qmailfleet.job.parse;

import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import java.io.Serializable;

/**
 * Turns raw qmail-send / tcpserver log lines (multilog, splogger/syslog, tai64nlocal, JSON
 * envelopes) into typed {@link QmailEvent}s. Pure Java, no Flink: never throws on any input.
 */
public final class QmailLineParser implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ParserConfig config;

    public QmailLineParser(ParserConfig config) {
        this.config = config;
    }

    /** Parses one line; exactly one of the outcome's event and dead letter is set. Never throws. */
    public ParseOutcome parse(RawLine line) {
        throw new UnsupportedOperationException("parser under construction");
    }

    /**
     * Parses the qmail text of a joined splogger split line: {@code head.type == SPLIT_HEAD} and
     * {@code head.raw} holds the first part plus every continuation's rest. The host, time, format,
     * origin and position come from the head. Never throws.
     */
    public ParseOutcome parseJoined(QmailEvent head) {
        throw new UnsupportedOperationException("parser under construction");
    }
}
