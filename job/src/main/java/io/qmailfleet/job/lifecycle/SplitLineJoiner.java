package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.parse.ParseOutcome;
import java.util.function.Consumer;

/**
 * Joins splogger's split lines: a line longer than 799 bytes was logged as a {@code SPLIT_HEAD}
 * followed by {@code CONTINUATION}s with the same stamp. The head waits in
 * {@link HostState#splitHead}; continuations of its stamp are appended; the first other line
 * completes it, and the joined text is parsed again. A continuation with no head is dead-lettered.
 */
final class SplitLineJoiner {
    private final JoinedLineParser parser;

    SplitLineJoiner(JoinedLineParser parser) {
        this.parser = parser;
    }

    /** A released line, in host order; every complete line goes to {@code next}. */
    void offer(HostState st, QmailEvent ev, Consumer<QmailEvent> next, HostOutput out) {
        if (st.splitHead != null) {
            if (ev.type == EventType.CONTINUATION && ev.tsNanos == st.splitHead.tsNanos) {
                st.splitHead.raw = (st.splitHead.raw == null ? "" : st.splitHead.raw)
                        + (ev.raw == null ? "" : ev.raw);
                return;
            }
            flush(st, next, out);
        }
        switch (ev.type) {
            case SPLIT_HEAD:
                st.splitHead = ev.copy();
                return;
            case CONTINUATION:
                out.deadLetter(ev, DeadLetterReason.ORPHAN_CONTINUATION,
                        "splogger continuation with no first part before it (same stamp) on this host", ev.raw);
                return;
            default:
                next.accept(ev);
        }
    }

    /** Completes a waiting head (a line of another stamp came, or the input ended). */
    void flush(HostState st, Consumer<QmailEvent> next, HostOutput out) {
        QmailEvent head = st.splitHead;
        st.splitHead = null;
        if (head == null) return;
        ParseOutcome o;
        try {
            o = parser.parseJoined(head);
        } catch (RuntimeException e) {
            out.deadLetter(head, DeadLetterReason.UNRECOGNISED, "parser failed on a joined splogger line: " + e, head.raw);
            return;
        }
        if (o == null) return;
        if (o.ok()) {
            QmailEvent j = o.event;
            if (j.host == null) j.host = head.host;
            j.seq = head.seq;
            if (j.type == EventType.SPLIT_HEAD || j.type == EventType.CONTINUATION) {
                out.deadLetter(head, DeadLetterReason.UNRECOGNISED, "joined splogger line parsed as " + j.type, head.raw);
                return;
            }
            out.joinedSplitLine();
            next.accept(j);
        } else if (o.deadLetter != null) {
            if (o.deadLetter.tsNanos < 0) o.deadLetter.tsNanos = head.tsNanos;
            out.deadLetter(o.deadLetter);
        }
    }
}
