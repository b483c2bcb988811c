package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.continuation;
import static io.qmailfleet.job.lifecycle.Ev.splitHead;
import static io.qmailfleet.job.lifecycle.Ev.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.parse.ParseOutcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Joining splogger split lines, with the real parser and with failing ones. */
class SplitLineJoinerTest {
    private final HostState st = new HostState();
    private final CollectingHostOutput out = new CollectingHostOutput();
    private final List<QmailEvent> lines = new ArrayList<>();
    private final SplitLineJoiner joiner = new SplitLineJoiner(JoinedLineParser.qmailLineParser().create(
            new io.qmailfleet.job.parse.ParserConfig()));

    @Test
    void continuationsOfTheSameStampAreJoinedAndParsedWhenTheNextLineComes() {
        String head = "delivery 33: failure: " + "X".repeat(777);
        joiner.offer(st, splitHead(20, head), lines::add, out);
        joiner.offer(st, continuation(20, "YYY/"), lines::add, out);
        assertEquals(List.of(), lines, "still waiting for more continuations");
        joiner.offer(st, status(21, 0, 0), lines::add, out);
        assertEquals(List.of(EventType.DELIVERY_RESULT, EventType.STATUS), lines.stream().map(e -> e.type).toList());
        assertEquals("X".repeat(777) + "YYY/", lines.get(0).text);
        assertEquals(at(20), lines.get(0).tsNanos);
        assertEquals(1, out.joined);
        assertNull(st.splitHead);
    }

    @Test
    void aContinuationWithoutItsHeadIsDeadLetteredWithItsTime() {
        joiner.offer(st, continuation(12, "stray/"), lines::add, out);
        joiner.offer(st, splitHead(13, "delivery 4: deferral: abc"), lines::add, out);
        joiner.offer(st, continuation(14, "other stamp/"), lines::add, out); // not the head's stamp
        assertEquals(2, out.deadLetters.size());
        assertEquals(DeadLetterReason.ORPHAN_CONTINUATION, out.deadLetters.get(0).reason);
        assertEquals(at(12), out.deadLetters.get(0).tsNanos);
        assertEquals("host", out.deadLetters.get(0).stage);
        assertEquals(List.of(EventType.DELIVERY_RESULT), lines.stream().map(e -> e.type).toList(), "the head completed");
    }

    @Test
    void aHeadAtTheEndIsCompletedByFlush() {
        joiner.offer(st, splitHead(13, "delivery 4: deferral: abc"), lines::add, out);
        joiner.offer(st, continuation(13, "def/"), lines::add, out);
        joiner.flush(st, lines::add, out);
        assertEquals("abcdef/", lines.get(0).text);
    }

    @Test
    void aParserThatThrowsOrRejectsGivesADeadLetterWithTheLinesTime() {
        SplitLineJoiner throwing = new SplitLineJoiner(h -> { throw new IllegalStateException("boom"); });
        throwing.offer(st, splitHead(5, "whatever"), lines::add, out);
        throwing.flush(st, lines::add, out);
        SplitLineJoiner rejecting = new SplitLineJoiner(h -> ParseOutcome.dead(io.qmailfleet.job.model.DeadLetter.of(
                "parse", DeadLetterReason.UNRECOGNISED, "no", h.raw, h.host, h.origin, h.position)));
        rejecting.offer(st, splitHead(6, "whatever"), lines::add, out);
        rejecting.flush(st, lines::add, out);
        assertEquals(List.of(), lines);
        assertEquals(2, out.deadLetters.size());
        assertEquals(at(5), out.deadLetters.get(0).tsNanos);
        assertEquals(at(6), out.deadLetters.get(1).tsNanos);
    }
}
