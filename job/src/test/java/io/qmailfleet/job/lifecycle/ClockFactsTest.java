package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.end;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.result;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static io.qmailfleet.job.lifecycle.Ev.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.FactKind;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The host's clock among its facts ({@link HostSequencer#emitFacts(long, long)}): a CLOCK fact
 * whenever the host's log clock passes an instant {@code offset + k * period} (epoch time), after
 * the facts of the line that moved it, stamped with the clock; live, the wall clock of a quiet host
 * moves it too. {@link Ev#T0} is 11 s past a minute, so with a period of 60 s and an offset of 2 s
 * (a one-minute window's end plus a 2 s fire delay) the instants are T0 + 51 s, + 111 s, + 171 s, ...
 */
class ClockFactsTest {
    private static final long MS = 1_000_000L;

    private static KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord> harness(HostSequencer op)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord>(op, e -> e.host, Types.STRING);
        h.open();
        return h;
    }

    private static void feed(KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord> h, QmailEvent... events)
            throws Exception {
        for (QmailEvent e : events) h.processElement(e, Math.floorDiv(e.tsNanos, MS));
    }

    /** The facts so far as "KIND ms-after-T0", each checked to carry its time as its Flink timestamp. */
    private static List<String> facts(KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord> h) {
        List<String> out = new ArrayList<>();
        Queue<StreamRecord<MessageFact>> q = h.getSideOutput(HostSequencer.FACTS);
        if (q == null) return out;
        for (StreamRecord<MessageFact> r : q) {
            MessageFact f = r.getValue();
            assertEquals(Math.floorDiv(f.tsNanos, MS), r.getTimestamp(), f.kind + ": stamped with its time");
            assertEquals(Ev.HOST, f.host);
            assertEquals(0, f.producer);
            assertEquals(1, f.producers);
            out.add(f.kind + " " + (f.tsNanos - Ev.T0) / MS);
        }
        return out;
    }

    @Test
    void aClockFactEachTimeTheHostsClockPassesAnInstantAfterTheFactsOfItsLine() throws Exception {
        try (var h = harness(new HostSequencer(Pipeline.inOrderConfig()).emitFacts(60_000, 2_000))) {
            feed(h, status(0, 0, 0), status(30_000, 0, 0), status(50_999, 0, 0));
            assertEquals(List.of("CLOCK 0"), facts(h), "the host's first line, then nothing until the first instant");
            feed(h, status(51_000, 0, 0), status(70_000, 0, 0));
            assertEquals(List.of("CLOCK 0", "CLOCK 51000"), facts(h), "at the instant itself");
            feed(h, status(200_000, 0, 0));
            assertEquals(List.of("CLOCK 0", "CLOCK 51000", "CLOCK 200000"), facts(h),
                    "one fact for a gap over several instants, with the clock's own time");
            // a message over the next instant (T0 + 231 s): its attempt's fact, then the clock, then its end
            feed(h, newMsg(229_000, 5), info(229_500, 5, 300, "a@example.com", 7, 100),
                    start(230_000, 1, 5, "remote", "x@example.net"), result(231_500, 1, Outcome.SUCCESS, "ok/"),
                    end(232_000, 5));
            assertEquals(List.of("CLOCK 0", "CLOCK 51000", "CLOCK 200000", "ACCEPTED 229500", "ATTEMPT_END 231500",
                    "CLOCK 231500", "MESSAGE_END 232000"), facts(h));
            assertEquals(1, h.extractOutputValues().size(), "the life cycle");
        }
    }

    @Test
    void noClockFactsUnlessAsked() throws Exception {
        try (var h = harness(new HostSequencer(Pipeline.inOrderConfig()).emitFacts())) {
            feed(h, status(0, 0, 0), status(51_000, 0, 0), status(200_000, 0, 0));
            assertTrue(facts(h).isEmpty());
        }
        assertThrows(IllegalArgumentException.class, () -> new HostSequencer(Pipeline.inOrderConfig()).emitFacts(0, 0));
    }

    @Test
    void aQuietLiveHostsClockFactComesWithTheWallClock() throws Exception {
        LifecycleConfig live = new LifecycleConfig(); // 2 s reorder bound
        live.liveClockCapNanos = Duration.ofMinutes(1).toNanos();
        long wall0 = 1_000_000L; // processing time: unrelated to the log's dates, only elapsed time counts
        try (var h = harness(new HostSequencer(live).emitFacts(60_000, 2_000))) {
            h.setProcessingTime(wall0);
            feed(h, status(0, 0, 0));
            assertTrue(facts(h).isEmpty(), "the line waits out the reorder bound");
            h.setProcessingTime(wall0 + 2_000);
            assertEquals(List.of("CLOCK 0"), facts(h), "released by the wall clock");
            // the host logs nothing; its clock is the wall clock's horizon: newest line + elapsed - bound
            h.setProcessingTime(wall0 + 52_999);
            assertEquals(List.of("CLOCK 0"), facts(h));
            h.setProcessingTime(wall0 + 53_000);
            assertEquals(List.of("CLOCK 0", "CLOCK 51000"), facts(h), "the instant T0 + 51 s, reached 53 s after the line");
            // beyond the cap (a minute after its last line) the wall clock no longer stands in for the host
            h.setProcessingTime(wall0 + 200_000);
            assertEquals(List.of("CLOCK 0", "CLOCK 51000"), facts(h));
            // its next line moves it on
            h.setProcessingTime(wall0 + 300_000);
            feed(h, status(300_000, 0, 0), status(302_001, 0, 0));
            assertEquals(List.of("CLOCK 0", "CLOCK 51000", "CLOCK 300000"), facts(h));
            assertEquals(at(300_000), h.getSideOutput(HostSequencer.FACTS).stream()
                    .reduce((a, b) -> b).orElseThrow().getValue().tsNanos);
            assertTrue(h.getSideOutput(HostSequencer.FACTS).stream().allMatch(r -> r.getValue().kind == FactKind.CLOCK));
        }
    }
}
