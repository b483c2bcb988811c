package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.parse.ParseOutcome;
import io.qmailfleet.job.parse.ParserConfig;
import io.qmailfleet.job.parse.QmailLineParser;
import java.io.Serializable;

/**
 * Parses the joined text of a splogger split line (a {@code SPLIT_HEAD} whose {@code raw} holds the
 * first part plus every continuation). The production implementation is
 * {@link QmailLineParser#parseJoined}; {@link HostSequencer} takes a factory so that the joining
 * logic can be exercised independently of the parser.
 */
public interface JoinedLineParser {

    ParseOutcome parseJoined(QmailEvent head);

    /** Creates the parser on the task manager (in {@code open()}); must be serializable. */
    interface Factory extends Serializable {
        JoinedLineParser create(ParserConfig config);
    }

    /** The production factory: a {@link QmailLineParser} per operator instance. */
    static Factory qmailLineParser() {
        return config -> {
            QmailLineParser p = new QmailLineParser(config);
            return p::parseJoined;
        };
    }
}
