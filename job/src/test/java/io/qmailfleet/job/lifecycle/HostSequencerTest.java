package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.LifecycleStatus;
import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.continuation;
import static io.qmailfleet.job.lifecycle.Ev.end;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.onHost;
import static io.qmailfleet.job.lifecycle.Ev.result;
import static io.qmailfleet.job.lifecycle.Ev.splitHead;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static io.qmailfleet.job.lifecycle.Ev.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.parse.ParseOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

/** Stage A specifics: reordering, late lines, watermark release, split lines, checkpoints. */
class HostSequencerTest {

    private static final String OK = "did_1+0+0/";

    private static LifecycleConfig withBound(long millis) {
        LifecycleConfig c = Pipeline.inOrderConfig();
        c.maxOutOfOrderNanos = millis * 1_000_000L;
        return c;
    }

    private static List<Long> times(List<QmailEvent> evs) {
        List<Long> l = new ArrayList<>();
        for (QmailEvent e : evs) l.add(e.tsNanos);
        return l;
    }

    @Test
    void outOfOrderArrivalWithinTheBoundIsSorted() throws Exception {
        try (Pipeline p = new Pipeline(withBound(2000))) {
            // arrival order differs from log order by up to 1.5 s; the result even arrives before its start
            p.feed(status(0, 0, 0),
                    info(1010, 90, 300, "a@example.com", 7, 100),
                    newMsg(1000, 90),
                    result(2500, 1, Outcome.SUCCESS, OK),
                    start(1020, 1, 90, "local", "x@example.com"),
                    end(2600, 90),
                    status(1020, 1, 0),
                    status(2500, 0, 0));
            assertTrue(p.deadLetters.isEmpty(), "nothing unmatched: the result waited for its start");
            assertTrue(p.records.isEmpty(), "everything is still inside the reorder bound");

            p.feed(status(5000, 0, 0)); // host time moves on: all but this line are released
            assertEquals(List.of(at(1000), at(1010), at(1020), at(2500), at(2600)), times(p.stageA));
            assertEquals(List.of(EventType.NEW_MSG, EventType.INFO_MSG, EventType.START_DELIVERY,
                    EventType.DELIVERY_RESULT, EventType.END_MSG), p.stageA.stream().map(e -> e.type).toList());
            assertEquals(List.of(at(0), at(1020), at(2500)), times(p.hostEvents));
            LifecycleRecord r = p.record(90);
            assertEquals(at(1000), r.newNanos);
            assertEquals(1, r.successes);
            assertEquals(at(1020), r.recipients.get(0).attempts.get(0).startNanos);
            assertTrue(p.late.isEmpty());
            // the per-host sequence numbers are the arrival order
            assertEquals(2, p.stageA.get(0).seq);
            assertEquals(1, p.stageA.get(1).seq);
        }
    }

    @Test
    void equalTimestampsKeepArrivalOrder() throws Exception {
        try (Pipeline p = new Pipeline(withBound(2000))) {
            // ids reused in the same millisecond: end msg 5 then new msg 5, both at t=13
            p.feed(status(0, 0, 0), newMsg(10, 5), end(13, 5), newMsg(13, 5), end(14, 5));
            p.endOfInput();
            assertEquals(List.of(EventType.NEW_MSG, EventType.END_MSG, EventType.NEW_MSG, EventType.END_MSG),
                    p.stageA.stream().map(e -> e.type).toList());
            assertEquals(2, p.records.size());
            assertTrue(p.records.stream().allMatch(r -> r.status == LifecycleStatus.COMPLETE));
        }
    }

    @Test
    void linesBeyondTheBoundAreLate() throws Exception {
        try (Pipeline p = new Pipeline(withBound(1000))) {
            p.feed(status(0, 0, 0), newMsg(5000, 1), status(10_000, 0, 0));
            assertEquals(List.of(at(5000)), times(p.stageA), "released up to host max - bound");
            p.feed(newMsg(3000, 2)); // older than the last released line (5 s)
            assertEquals(1, p.late.size());
            assertEquals(2, p.late.get(0).msgId);
            p.feed(newMsg(9500, 3)); // late arrival but within the bound: fine
            p.endOfInput();
            assertEquals(List.of(1L, 3L), p.stageA(EventType.NEW_MSG).stream().map(e -> e.msgId).toList());
            assertTrue(p.records.stream().noneMatch(r -> r.msgId == 2), "a late line is not processed");
            assertEquals(1, p.late.size());
        }
    }

    @Test
    void withBoundZeroInOrderLinesPassStraightThrough() throws Exception {
        try (Pipeline p = new Pipeline(withBound(0))) {
            p.feed(status(0, 0, 0), newMsg(1, 1));
            assertEquals(1, p.stageA.size());
            assertEquals(0, p.stageAKeysWith("reorder"), "nothing buffered");
            assertEquals(1, p.a.numEventTimeTimers(), "only the end-of-input timer");
            p.feed(newMsg(0, 2)); // one line out of order with bound 0: late
            assertEquals(1, p.late.size());
        }
    }

    @Test
    void watermarkReleasesTheTailOfAQuietHost() throws Exception {
        try (Pipeline p = new Pipeline(withBound(2000))) {
            p.feed(status(0, 0, 0), newMsg(100, 1), info(100, 1, 10, "a@example.com", 1, 1), end(150, 1));
            assertTrue(p.stageA.isEmpty());
            assertEquals(2, p.a.numEventTimeTimers(), "buffer-head timer + end-of-input timer");
            p.watermark(Math.floorDiv(at(120), 1_000_000L));
            assertEquals(List.of(at(100), at(100)), times(p.stageA), "released up to the watermark only");
            p.watermark(Math.floorDiv(at(150), 1_000_000L));
            assertEquals(3, p.stageA.size());
            assertEquals(1, p.records.size());
            assertEquals(0, p.stageAKeysWith("reorder"));
            assertEquals(1, p.a.numEventTimeTimers());
        }
    }

    @Test
    void theReleaseTimerStaysWhileNewerLinesMoveTheHeadOn() throws Exception {
        // kept: at or before the earliest waiting line, or nothing waits
        assertEquals(0, HostSequencer.releaseTimer(0, 2100));
        assertEquals(2100, HostSequencer.releaseTimer(2100, 2100));
        assertEquals(0, HostSequencer.releaseTimer(0, -1));
        assertEquals(-1, HostSequencer.releaseTimer(-1, -1));
        // set: none yet, or an earlier line waits now (a straggler)
        assertEquals(2100, HostSequencer.releaseTimer(-1, 2100));
        assertEquals(900, HostSequencer.releaseTimer(2100, 900));

        try (Pipeline p = new Pipeline(withBound(1000))) {
            for (long ms = 0; ms <= 3000; ms += 100) p.feed(status(ms, 0, 0));
            // released up to 3000 - 1000 by the host's own lines; one timer waits (at 0, never moved)
            assertEquals(21, p.hostEvents.size());
            assertEquals(2, p.a.numEventTimeTimers(), "one release timer + the end-of-input timer");
            // the watermark passes the kept timer before the earliest waiting line (2100): it fires,
            // releases nothing early, and is set again at that line
            p.watermark(Math.floorDiv(at(50), 1_000_000L));
            assertEquals(21, p.hostEvents.size(), "nothing released before its time");
            assertEquals(2, p.a.numEventTimeTimers());
            p.watermark(Math.floorDiv(at(2150), 1_000_000L));
            assertEquals(List.of(at(2100)), times(p.hostEvents.subList(21, p.hostEvents.size())),
                    "the watermark releases the line it covers");
            p.watermark(Math.floorDiv(at(2999), 1_000_000L));
            assertEquals(30, p.hostEvents.size());
            p.watermark(Math.floorDiv(at(3000), 1_000_000L));
            assertEquals(31, p.hostEvents.size());
            assertEquals(1, p.a.numEventTimeTimers(), "nothing waits: the end-of-input timer only");
        }
    }

    @Test
    void endOfInputFlushesTheReorderBuffer() throws Exception {
        try (Pipeline p = new Pipeline(new LifecycleConfig())) { // default 2 s bound
            p.feed(status(0, 0, 0), newMsg(10, 1), info(10, 1, 10, "a@example.com", 1, 1),
                    start(11, 1, 1, "local", "b@example.com"), status(11, 1, 0),
                    result(12, 1, Outcome.SUCCESS, OK), status(12, 0, 0), end(13, 1));
            assertTrue(p.records.isEmpty());
            p.endOfInput();
            assertEquals(1, p.records.size());
            assertEquals(LifecycleStatus.COMPLETE, p.records.get(0).status);
            assertEquals(0, p.a.numKeyedStateEntries());
            assertEquals(0, p.a.numEventTimeTimers());
            assertEquals(0, p.a.numProcessingTimeTimers());
        }
    }

    @Test
    void hostsAreIndependent() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(onHost(status(0, 0, 0), "a"), onHost(status(0, 0, 0), "b"),
                    onHost(newMsg(1, 7), "a"), onHost(newMsg(1, 7), "b"),
                    onHost(start(2, 1, 7, "local", "x@a"), "a"), onHost(start(2, 1, 7, "local", "y@b"), "b"),
                    onHost(result(3, 1, Outcome.SUCCESS, OK), "b"), onHost(end(4, 7), "b"),
                    onHost(result(5, 1, Outcome.FAILURE, "no/"), "a"), onHost(end(6, 7), "a"));
            assertEquals(2, p.records.size());
            assertEquals("b", p.records.get(0).host);
            assertEquals("y@b", p.records.get(0).recipients.get(0).address);
            assertEquals(1, p.records.get(0).successes);
            assertEquals("a", p.records.get(1).host);
            assertEquals("x@a", p.records.get(1).recipients.get(0).address);
            assertEquals(1, p.records.get(1).failures);
        }
    }

    /** A stand-in for the line parser that understands only delivery result text. */
    static final class ResultOnlyParser implements JoinedLineParser {
        private static final Pattern RESULT = Pattern.compile("delivery (\\d+): (success|failure|deferral): (.*)");

        @Override
        public ParseOutcome parseJoined(QmailEvent head) {
            Matcher m = RESULT.matcher(head.raw);
            if (!m.matches()) {
                return ParseOutcome.dead(DeadLetter.of("parse", DeadLetterReason.UNRECOGNISED, "test parser",
                        head.raw, head.host, head.origin, head.position));
            }
            QmailEvent e = new QmailEvent(head.host, head.tsNanos, EventType.DELIVERY_RESULT);
            e.deliveryId = Long.parseLong(m.group(1));
            e.outcome = Outcome.valueOf(m.group(2).toUpperCase());
            e.text = m.group(3);
            return ParseOutcome.of(e);
        }
    }

    @Test
    void sploggerSplitLinesAreJoinedBeforeParsing() throws Exception {
        String head = "delivery 33: failure: " + "X".repeat(799 - 22);
        String rest = "X".repeat(700) + "/did_0+0+1/";
        assertEquals(799, head.length());
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig(), cfg -> new ResultOnlyParser())) {
            p.feed(status(0, 0, 0), newMsg(10, 8), start(11, 33, 8, "local", "prog@example.com"),
                    status(11, 1, 0),
                    splitHead(20, head), continuation(20, rest),
                    status(20, 0, 0), end(21, 8));
            assertTrue(p.deadLetters.isEmpty());
            LifecycleRecord r = p.record(8);
            assertEquals(Outcome.FAILURE, r.recipients.get(0).attempts.get(0).outcome);
            assertEquals(head.substring(22) + rest, r.recipients.get(0).attempts.get(0).report);
            assertEquals(1, p.hostEvents.stream().filter(e -> e.tsNanos == at(20)).count());
        }
    }

    @Test
    void splitHeadAtTheEndOfInputIsCompletedAndOrphanContinuationsAreDeadLettered() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig(), cfg -> new ResultOnlyParser())) {
            p.feed(status(0, 0, 0), newMsg(10, 8), start(11, 4, 8, "local", "p@example.com"),
                    continuation(12, "stray/"), // no head before it
                    splitHead(13, "delivery 4: deferral: abc"), continuation(13, "def/"));
            assertEquals(1, p.deadLetters.size());
            assertEquals(DeadLetterReason.ORPHAN_CONTINUATION, p.deadLetters.get(0).reason);
            assertEquals("host", p.deadLetters.get(0).stage);
            assertEquals("stray/", p.deadLetters.get(0).raw);
            p.endOfInput();
            LifecycleRecord r = p.record(8);
            assertEquals(LifecycleStatus.OPEN, r.status);
            assertEquals("abcdef/", r.recipients.get(0).attempts.get(0).report);
            assertEquals("deferral", r.recipients.get(0).finalOutcome);
        }
    }

    @Test
    void aJoinedLineTheParserRejectsIsDeadLettered() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig(), cfg -> new ResultOnlyParser())) {
            p.feed(status(0, 0, 0), splitHead(5, "no such line"), status(6, 0, 0));
            assertEquals(1, p.deadLetters.size());
            assertEquals(DeadLetterReason.UNRECOGNISED, p.deadLetters.get(0).reason);
            assertEquals("parse", p.deadLetters.get(0).stage);
        }
    }

    @Test
    void stateSurvivesACheckpointMidStream() throws Exception {
        try (Pipeline p = new Pipeline(withBound(2000), cfg -> new ResultOnlyParser())) {
            p.feed(status(0, 0, 0), newMsg(10, 1), info(10, 1, 10, "a@example.com", 1, 1),
                    start(11, 1, 1, "local", "b@example.com"), status(11, 1, 0),
                    status(3000, 1, 0), // releases everything before 1 s: the delivery is in flight
                    splitHead(3100, "delivery 1: success: did_"), // buffered split head
                    newMsg(3200, 2));
            assertEquals(3, p.stageA.size());
            p.snapshotAndRestoreStageA();
            p.feed(continuation(3100, "1+0+0/"), end(3300, 1), end(3400, 2));
            p.endOfInput();
            LifecycleRecord r1 = p.record(1);
            assertEquals(LifecycleStatus.COMPLETE, r1.status);
            assertEquals("did_1+0+0/", r1.recipients.get(0).attempts.get(0).report);
            assertEquals(at(11), r1.recipients.get(0).attempts.get(0).startNanos);
            assertEquals(LifecycleStatus.COMPLETE, p.record(2).status);
            assertTrue(p.deadLetters.isEmpty());
            assertEquals(0, p.a.numKeyedStateEntries());
        }
    }

    @Test
    void stateTypesAreFlinkPojos() {
        for (Class<?> c : List.of(HostStates.HostState.class, HostStates.ReorderBuffer.class,
                HostStates.OpenMessage.class, HostStates.InFlightDelivery.class, HostStates.PendingLink.class,
                QmailEvent.class)) {
            assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(c), c.getName());
        }
        // the open life cycles (stage B) have their own serializer, named by the class
        assertInstanceOf(io.qmailfleet.job.model.LifecycleRecordTypeInfo.class, TypeInformation.of(LifecycleRecord.class));
    }
}
