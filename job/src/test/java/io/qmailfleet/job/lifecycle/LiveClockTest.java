package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.end;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.result;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static io.qmailfleet.job.lifecycle.Ev.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Live input: a quiet host's log clock advances with the wall time elapsed since its last line
 * (capped). The harness advances processing time; log times and processing times are unrelated
 * (the host's clock is a month off the wall clock), only elapsed wall time counts.
 */
class LiveClockTest {
    private static final long MS = 1_000_000L;
    /** Processing time of the first line: a month before the log's own dates. */
    private static final long WALL0 = Math.floorDiv(Ev.T0, MS) - Duration.ofDays(31).toMillis();

    private static LifecycleConfig live() {
        LifecycleConfig c = new LifecycleConfig(); // default 2 s reorder bound, 10 s scan granularity
        c.liveClockCapNanos = Duration.ofMinutes(1).toNanos();
        return c;
    }

    private static QmailEvent[] oneMessage(long t, long id) {
        return new QmailEvent[] {newMsg(t, id), info(t + 1, id, 300, "a@example.com", 7, 100),
                start(t + 2, 1, id, "local", "x@example.com"), result(t + 8, 1, Outcome.SUCCESS, "did_1+0+0/"),
                end(t + 9, id)};
    }

    @Test
    void aQuietHostsLastLifeCycleIsReleasedOnceTheBoundHasPassedInWallTimeToo() throws Exception {
        try (Pipeline p = new Pipeline(live())) {
            p.processingTime(WALL0);
            p.feed(status(0, 0, 0));
            p.feed(oneMessage(100, 1)); // all arrive at WALL0; the host then logs nothing
            assertTrue(p.records.isEmpty(), "within the reorder bound of the newest line: still waiting");
            p.processingTime(WALL0 + 1_999);
            assertTrue(p.records.isEmpty(), "the bound has not passed in wall time yet");
            p.processingTime(WALL0 + 2_000);
            assertEquals(1, p.records.size());
            assertEquals(LifecycleStatus.COMPLETE, p.records.get(0).status);
            assertEquals(at(109), p.records.get(0).endNanos);
            assertEquals(Math.floorDiv(at(109), MS), p.recordTimes.get(0), "stamped with its end msg line, not the wall clock");
            assertEquals(1, p.a.numProcessingTimeTimers(), "only the idle-TTL timer is left: nothing waits");

            // a line older than the horizon the wall clock reached is late, as after a real line
            p.feed(status(50, 0, 0));
            assertEquals(1, p.late.size());
            // the host logs again: everything as usual
            p.processingTime(WALL0 + 60_000);
            p.feed(oneMessage(58_000, 2));
            p.feed(status(60_010, 0, 0));
            assertEquals(2, p.records.size());
            assertTrue(p.deadLetters.isEmpty());
        }
    }

    @Test
    void aStuckDeadlineFiresOnTimeWhileTheHostIsQuietAtTheSameInstantAsInABackfill() throws Exception {
        LifecycleConfig c = live();
        c.stuckAfterNanos = Duration.ofSeconds(30).toNanos();
        QmailEvent[] log = {status(0, 0, 0), newMsg(0, 7), info(1, 7, 300, "a@example.com", 7, 100),
                start(2, 1, 7, "remote", "b@remote.example.net"), result(5, 1, Outcome.DEFERRAL, "try_later/"),
                status(40_000, 0, 0), end(45_000, 7)};
        long g = c.scanGranularityNanos;
        long instant = Math.floorDiv(at(30_000) + g - 1, g) * g; // the scan instant at or after the deadline
        long wallDue = WALL0 + (instant + c.maxOutOfOrderNanos - at(5) + MS - 1) / MS;

        List<MessageAlert> liveAlerts;
        try (Pipeline p = new Pipeline(c)) {
            p.processingTime(WALL0);
            for (int i = 0; i < 5; i++) p.feed(log[i]);
            p.processingTime(wallDue - 1);
            assertTrue(p.alerts.isEmpty());
            p.processingTime(wallDue);
            assertEquals(1, p.alerts("stuck_message").size(), "raised by the wall clock, before the host's next line");
            assertEquals(instant, p.alerts("stuck_message").get(0).atNanos);
            assertEquals(Math.floorDiv(instant, MS), p.stageATimes.get(p.stageA.indexOf(p.stageA(EventType.STUCK_CHECK).get(0))));
            p.processingTime(WALL0 + 40_000);
            p.feed(log[5]);
            p.processingTime(WALL0 + 45_000);
            p.feed(log[6]);
            p.processingTime(WALL0 + 47_000);
            assertEquals(1, p.records.size());
            liveAlerts = p.alerts;
        }
        LifecycleConfig backfill = live();
        backfill.stuckAfterNanos = c.stuckAfterNanos;
        backfill.liveClockCapNanos = 0;
        try (Pipeline p = new Pipeline(backfill)) {
            p.feed(log);
            p.endOfInput();
            assertEquals(json(p.alerts), json(liveAlerts), "the same alerts as a backfill of the same log");
        }
    }

    @Test
    void beyondTheCapTheWallClockAdvancesTheHostNoFurther() throws Exception {
        LifecycleConfig c = live();
        c.liveClockCapNanos = Duration.ofSeconds(20).toNanos();
        c.stuckAfterNanos = Duration.ofMinutes(5).toNanos();
        try (Pipeline p = new Pipeline(c)) {
            p.processingTime(WALL0);
            p.feed(status(0, 0, 0), newMsg(0, 9));
            p.processingTime(WALL0 + Duration.ofHours(2).toMillis());
            assertTrue(p.alerts.isEmpty(), "a host silent for hours is not taken to be hours further");
            p.feed(status(18_000, 0, 0));
            assertTrue(p.late.isEmpty(), "the horizon stopped at newest + cap - bound = 18 s");
            p.feed(status(17_999, 0, 0));
            assertEquals(1, p.late.size(), "older than the horizon");
        }
    }

    /**
     * The real capture replayed live at its own pace, with up to 1.5 s of jitter in when each
     * line arrives (less than the 2 s reorder bound), and stuck/hung thresholds low enough that the
     * wall clock raises many of them in the host's quiet gaps: every life cycle, alert and stage
     * output equals a backfill of the same log.
     */
    @Test
    void theCaptureReplayedLiveGivesExactlyTheBackfillsOutputs() throws Exception {
        List<QmailEvent> events = RealCaptureTest.captureEvents();
        LifecycleConfig c = live();
        c.stuckAfterNanos = Duration.ofSeconds(20).toNanos();
        c.hungAfterNanos = Duration.ofSeconds(3).toNanos();
        LifecycleConfig b = live();
        b.stuckAfterNanos = c.stuckAfterNanos;
        b.hungAfterNanos = c.hungAfterNanos;
        b.liveClockCapNanos = 0;

        Pipeline backfill = new Pipeline(b);
        Pipeline live = new Pipeline(c);
        try (backfill; live) {
            for (QmailEvent e : events) backfill.feed(e.copy());
            backfill.endOfInput();

            long t0 = events.get(0).tsNanos;
            long wall = WALL0;
            int raisedInQuiet = 0;
            for (int i = 0; i < events.size(); i++) {
                QmailEvent e = events.get(i);
                long arrival = WALL0 + (e.tsNanos - t0) / MS + (i * 7919L) % 1500; // jitter 0..1.5 s
                wall = Math.max(wall, arrival);
                int before = live.alerts.size();
                live.processingTime(wall); // the ticks due before this line arrives fire first
                raisedInQuiet += live.alerts.size() - before;
                live.feed(e.copy());
            }
            live.processingTime(wall + Duration.ofMinutes(2).toMillis()); // no end of input live: just time

            assertTrue(live.late.isEmpty(), () -> "late: " + live.late);
            assertEquals(539, backfill.records.size());
            assertTrue(raisedInQuiet > 0, "some alerts were raised by the wall clock alone");
            assertTrue(!backfill.alerts.isEmpty());
            assertEquals(json(backfill.records), json(live.records));
            assertEquals(json(backfill.alerts), json(live.alerts));
            assertEquals(json(backfill.hostEvents), json(live.hostEvents));
            assertEquals(json(backfill.deadLetters), json(live.deadLetters));
            List<QmailEvent> liveA = new ArrayList<>(live.stageA);
            assertEquals(json(backfill.stageA), json(liveA));
        }
    }

    /**
     * A backlog read in bursts (a replay, a consumer catching up) is not a live pace: lines come
     * faster than they were logged, so the wall-clock pauses between the bursts must not advance
     * the host, or the next burst's lines would be late.
     */
    @Test
    void aBacklogReadInBurstsIsNotAdvancedByTheWallClock() throws Exception {
        List<QmailEvent> events = RealCaptureTest.captureEvents();
        try (Pipeline backfill = new Pipeline(new LifecycleConfig()); Pipeline live = new Pipeline(live())) {
            for (QmailEvent e : events) backfill.feed(e.copy());
            backfill.endOfInput();
            long wall = WALL0;
            for (int i = 0; i < events.size(); i++) {
                if (i % 1000 == 0) live.processingTime(wall += 30_000); // a burst every 30 s
                live.feed(events.get(i).copy());
            }
            assertTrue(live.late.isEmpty(), () -> live.late.size() + " late lines");
            // a bounded run releases everything at the end; live, the host's next line does
            live.feed(Ev.onHost(status(Math.floorDiv(events.get(events.size() - 1).tsNanos - Ev.T0, MS) + 60_000, 0, 0), "mail"));
            assertEquals(backfill.records.size(), live.records.size());
            assertEquals(json(backfill.records), json(live.records));
        }
    }

    @Test
    void afterARestoreAHostNeedsANewLineBeforeTheWallClockAdvancesIt() throws Exception {
        try (Pipeline p = new Pipeline(live())) {
            p.processingTime(WALL0);
            p.feed(status(0, 0, 0));
            p.feed(oneMessage(100, 1));
            p.snapshotAndRestoreStageA();
            p.processingTime(WALL0 + 30_000);
            assertTrue(p.records.isEmpty(), "the lines logged while the job was down may still come");
            p.feed(status(29_000, 0, 0)); // the backlog arrives: nothing of it is late
            assertTrue(p.late.isEmpty());
            assertEquals(1, p.records.size(), "released by the host's own newer line");
            p.processingTime(WALL0 + 31_000);
            p.feed(oneMessage(30_100, 2));
            p.processingTime(WALL0 + 34_000);
            assertEquals(2, p.records.size(), "live again: the wall clock releases the quiet host's last message");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String json(List<?> l) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (Object o : l) sb.append(JSON.writeValueAsString(o)).append('\n');
        return sb.toString();
    }
}
