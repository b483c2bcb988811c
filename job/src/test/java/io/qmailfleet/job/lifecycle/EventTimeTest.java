package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.end;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.result;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static io.qmailfleet.job.lifecycle.Ev.status;
import static io.qmailfleet.job.lifecycle.Ev.warning;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.AlertKind;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Flink timestamp of every output record of both stages is the log time of the line that
 * produced it: a life cycle its end line (the host's last line when written open or abandoned),
 * an alert the line that raised or resolved it, a control event the line that caused it. Never a
 * timer's time, never Long.MAX_VALUE; and never behind a watermark the stage already emitted.
 */
class EventTimeTest {

    private static long ms(long nanos) {
        return Math.floorDiv(nanos, 1_000_000L);
    }

    /** Every collected record's timestamp is the time of its own line (the invariant, on all outputs). */
    private static void assertStampedWithTheirOwnTime(Pipeline p) {
        for (int i = 0; i < p.stageA.size(); i++) {
            assertEquals(ms(p.stageA.get(i).tsNanos), p.stageATimes.get(i), () -> "stage A " + p.stageA);
        }
        for (int i = 0; i < p.hostEvents.size(); i++) {
            assertEquals(ms(p.hostEvents.get(i).tsNanos), p.hostEventTimes.get(i));
        }
        for (int i = 0; i < p.late.size(); i++) assertEquals(ms(p.late.get(i).tsNanos), p.lateTimes.get(i));
        for (int i = 0; i < p.deadLetters.size(); i++) {
            assertEquals(ms(p.deadLetters.get(i).tsNanos), p.deadLetterTimes.get(i));
        }
        for (int i = 0; i < p.records.size(); i++) assertEquals(ms(p.records.get(i).asOfNanos), p.recordTimes.get(i));
        for (int i = 0; i < p.alerts.size(); i++) assertEquals(ms(p.alerts.get(i).atNanos), p.alertTimes.get(i));
        for (List<Long> l : List.of(p.stageATimes, p.hostEventTimes, p.lateTimes, p.deadLetterTimes, p.recordTimes,
                p.alertTimes)) {
            assertTrue(l.stream().noneMatch(t -> t == Long.MAX_VALUE), "no end-of-input timer time");
        }
    }

    private static long timeOf(Pipeline p, LifecycleRecord r) {
        return p.recordTimes.get(p.records.indexOf(r));
    }

    private static long timeOf(Pipeline p, AlertKind kind) {
        List<Long> l = new java.util.ArrayList<>();
        for (int i = 0; i < p.alerts.size(); i++) if (p.alerts.get(i).kind == kind) l.add(p.alertTimes.get(i));
        assertEquals(1, l.size(), kind + " alerts");
        return l.get(0);
    }

    @Test
    void lifeCyclesAndAlertsCarryTheHostTimeThatProducedThem() throws Exception {
        LifecycleConfig c = Pipeline.inOrderConfig();
        c.stuckAfterNanos = Duration.ofSeconds(10).toNanos();
        c.hungAfterNanos = Duration.ofSeconds(5).toNanos();
        try (Pipeline p = new Pipeline(c)) {
            p.feed(status(0, 0, 0), newMsg(1000, 1), info(1001, 1, 300, "a@example.com", 7, 100),
                    start(1002, 1, 1, "remote", "b@remote.example.net"), status(1002, 0, 1),
                    warning(7000, "trouble in select"), // the host clock passes the hung deadline (6.002 s)
                    warning(12000, "trouble in select"), // ... and the stuck deadline (11 s)
                    result(13000, 1, Outcome.SUCCESS, "ok/"), status(13000, 0, 0),
                    end(14000, 1),
                    newMsg(15000, 2), status(16000, 0, 0));
            p.endOfInput();

            LifecycleRecord done = p.record(1);
            assertEquals(LifecycleStatus.COMPLETE, done.status);
            assertEquals(ms(at(14000)), timeOf(p, done), "a life cycle: its end msg line");
            assertEquals(ms(at(6002)), timeOf(p, AlertKind.HUNG_DELIVERY), "the instant the host clock passed the hung deadline");
            assertEquals(ms(at(11000)), timeOf(p, AlertKind.STUCK_MESSAGE), "the instant the host clock passed the stuck deadline");
            assertEquals(ms(at(13000)), timeOf(p, AlertKind.HUNG_RESOLVED), "the delivery's result line");
            assertEquals(ms(at(14000)), timeOf(p, AlertKind.STUCK_RESOLVED), "the end msg line");

            LifecycleRecord open = p.record(2);
            assertEquals(LifecycleStatus.OPEN, open.status);
            assertEquals(ms(at(16000)), timeOf(p, open), "open at the end of input: the host's last line");
            QmailEvent flush = p.stageA(EventType.FLUSH_OPEN).get(0);
            assertEquals(ms(at(16000)), p.stageATimes.get(p.stageA.indexOf(flush)));
            assertStampedWithTheirOwnTime(p);
        }
    }

    @Test
    void anIdleHostsAbandonedLifeCyclesCarryItsLastLine() throws Exception {
        LifecycleConfig c = Pipeline.inOrderConfig();
        try (Pipeline p = new Pipeline(c)) {
            p.feed(status(0, 0, 0), newMsg(100, 1), info(250, 1, 10, "a@example.com", 3, 1));
            p.processingTime(c.hostIdleTtlMillis + 1); // a processing-time timer closes the host
            LifecycleRecord r = p.record(1);
            assertEquals(LifecycleStatus.ABANDONED, r.status);
            assertEquals(ms(at(250)), timeOf(p, r));
            assertStampedWithTheirOwnTime(p);
        }
    }

    @Test
    void linesReleasedByTheWatermarkKeepTheirOwnTimeNotTheTimers() throws Exception {
        LifecycleConfig c = Pipeline.inOrderConfig();
        c.maxOutOfOrderNanos = Duration.ofSeconds(2).toNanos();
        try (Pipeline p = new Pipeline(c)) {
            p.feed(status(0, 0, 0), newMsg(100, 1), info(120, 1, 10, "a@example.com", 1, 1), end(150, 1));
            assertTrue(p.stageA.isEmpty(), "all within the reorder bound");
            p.watermark(ms(at(150))); // the buffer timer (at the first line, 0 ms) fires
            assertEquals(List.of(ms(at(100)), ms(at(120)), ms(at(150))), p.stageATimes);
            assertEquals(List.of(ms(at(150))), p.recordTimes);
            assertTrue(p.behindWatermark.isEmpty(), "released before the watermark that released them");
            assertStampedWithTheirOwnTime(p);
        }
    }

    @Test
    void lateLinesAndDeadLettersCarryTheirLinesTime() throws Exception {
        LifecycleConfig c = Pipeline.inOrderConfig();
        c.maxOutOfOrderNanos = Duration.ofSeconds(1).toNanos();
        try (Pipeline p = new Pipeline(c)) {
            p.feed(status(0, 0, 0), newMsg(5000, 1), status(10_000, 0, 0),
                    newMsg(3000, 2), // older than the last released line: late
                    newMsg(8500, 3), // newer than anything released, but 1.5 s older than the newest line: late
                    newMsg(9500, 4)); // within the bound
            p.feed(result(11_000, 9, Outcome.SUCCESS, "ok/"), status(12_000, 0, 0)); // no starting delivery 9
            p.endOfInput();
            assertEquals(List.of(2L, 3L), p.late.stream().map(e -> e.msgId).toList());
            assertEquals(List.of(ms(at(3000)), ms(at(8500))), p.lateTimes);
            assertEquals(DeadLetterReason.UNMATCHED_DELIVERY, p.deadLetters.get(0).reason);
            assertEquals(List.of(ms(at(11_000))), p.deadLetterTimes);
            assertStampedWithTheirOwnTime(p);
        }
    }

    /**
     * The real capture with the watermark a bounded-out-of-orderness source gives: no output record
     * of either stage comes at or behind a watermark already emitted, so an event-time window
     * behind the stages never drops one as late.
     */
    @Test
    void onTheCaptureNoOutputFallsBehindTheWatermark() throws Exception {
        List<QmailEvent> events = RealCaptureTest.captureEvents();
        LifecycleConfig c = new LifecycleConfig(); // 2 s bound
        c.stuckAfterNanos = Duration.ofSeconds(60).toNanos();
        try (Pipeline p = new Pipeline(c)) {
            p.feedWithSourceWatermarks(2000, events.toArray(new QmailEvent[0]));
            p.endOfInput();
            assertEquals(539, p.records.size());
            assertTrue(p.alerts.stream().anyMatch(a -> a.kind == AlertKind.STUCK_MESSAGE), "stuck alerts at 60 s");
            assertEquals(List.of(), p.behindWatermark);
            for (int i = 0; i < p.records.size(); i++) {
                assertEquals(ms(p.records.get(i).endNanos), p.recordTimes.get(i));
            }
            for (MessageAlert a : p.alerts) assertTrue(a.atNanos > 0);
            assertStampedWithTheirOwnTime(p);
        }
    }
}
