package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.Resolution;
import io.qmailfleet.job.model.LifecycleStatus;
import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.end;
import static io.qmailfleet.job.lifecycle.Ev.exiting;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.onHost;
import static io.qmailfleet.job.lifecycle.Ev.result;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static io.qmailfleet.job.lifecycle.Ev.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stuck/hung alerts, end of input, eviction: all on the host's own log clock. */
class TimeoutsTest {

    private static final long MIN = 60_000L;
    private static final long HOUR = 60 * MIN;
    private static final long DAY = 24 * HOUR;
    private static final String DEFER = "Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/";

    @Test
    void stuckMessageAlertsOnceAndResolvesWhenDelivered() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0), newMsg(0, 100), info(0, 100, 500, "alice@example.com", 1, 1),
                    start(1, 1, 100, "remote", "bob@remote.example.net"), status(1, 0, 1),
                    result(400, 1, Outcome.DEFERRAL, DEFER), status(400, 0, 0),
                    newMsg(59 * MIN, 101), end(59 * MIN + 5, 101));
            assertTrue(p.alerts.isEmpty(), "not stuck before the threshold");

            p.feed(newMsg(61 * MIN, 102), end(61 * MIN + 5, 102)); // any host line moves the clock
            List<MessageAlert> stuck = p.alerts("stuck_message");
            assertEquals(1, stuck.size());
            MessageAlert al = stuck.get(0);
            assertEquals(100, al.msgId);
            assertEquals(Ev.HOST, al.host);
            assertEquals(at(60 * MIN), al.atNanos, "raised at the instant the host clock passed the threshold");
            assertEquals(60 * MIN, al.ageMillis);
            assertEquals(HOUR, al.thresholdMillis);
            assertEquals(at(0), al.newNanos);
            assertEquals("alice@example.com", al.sender);
            assertEquals(1, al.recipients.size());
            assertEquals(Outcome.DEFERRAL, al.recipients.get(0).attempts.get(0).outcome);
            assertEquals(DEFER, al.recipients.get(0).attempts.get(0).report);
            assertEquals(1, p.stageA(EventType.STUCK_CHECK).size());

            p.feed(start(90 * MIN, 2, 100, "remote", "bob@remote.example.net"), status(90 * MIN, 0, 1),
                    result(90 * MIN + 300, 2, Outcome.SUCCESS, "127.0.0.1_accepted_message./Remote_host_said:_250_ok/"),
                    status(90 * MIN + 300, 0, 0), end(90 * MIN + 301, 100));
            assertEquals(1, p.alerts("stuck_message").size(), "alerted once");
            List<MessageAlert> resolved = p.alerts("stuck_resolved");
            assertEquals(1, resolved.size());
            assertEquals(Resolution.DELIVERED, resolved.get(0).resolution);
            assertEquals(at(90 * MIN + 301), resolved.get(0).atNanos);
            LifecycleRecord r = p.record(100);
            assertTrue(r.wasStuck);
            assertEquals(1, r.deferrals);
            assertEquals(1, r.successes);
            // the alert's history is a snapshot: it did not grow with the record
            assertEquals(1, al.recipients.get(0).attempts.size());
            assertEquals(2, r.recipients.get(0).attempts.size());
            assertFalse(p.record(101).wasStuck);
        }
    }

    @Test
    void stuckMessageThatBouncesResolvesAsBounced() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0), newMsg(0, 100), start(1, 1, 100, "local", "x@example.com"),
                    result(2, 1, Outcome.DEFERRAL, ""), status(2, 0, 0),
                    status(2 * HOUR, 0, 0), // a start-up line also moves the clock
                    start(2 * HOUR + 1, 1, 100, "local", "x@example.com"), status(2 * HOUR + 1, 1, 0),
                    result(2 * HOUR + 2, 1, Outcome.FAILURE,
                            "I'm_not_going_to_try_again;_this_message_has_been_in_the_queue_too_long./"),
                    status(2 * HOUR + 2, 0, 0), Ev.bounce(2 * HOUR + 3, 100, 999), end(2 * HOUR + 3, 100));
            assertEquals(1, p.alerts("stuck_message").size());
            assertEquals(Resolution.BOUNCED, p.alerts("stuck_resolved").get(0).resolution);
            assertEquals(1, p.record(100).deferrals);
            assertEquals(1, p.record(100).failures);
        }
    }

    @Test
    void hungDeliveryAlertsAndResolvesWithItsOutcome() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0), newMsg(0, 200), start(10, 5, 200, "local", "prog-slow@example.com"),
                    status(10, 1, 0),
                    newMsg(29 * MIN, 201), end(29 * MIN, 201));
            assertTrue(p.alerts("hung_delivery").isEmpty());
            p.feed(newMsg(31 * MIN, 202), end(31 * MIN, 202));
            List<MessageAlert> hung = p.alerts("hung_delivery");
            assertEquals(1, hung.size());
            assertEquals(5, hung.get(0).deliveryId);
            assertEquals("prog-slow@example.com", hung.get(0).recipient);
            assertEquals("local", hung.get(0).channel);
            assertEquals(30 * MIN, hung.get(0).ageMillis, "raised at the instant the host clock passed the threshold");
            assertEquals(30 * MIN, hung.get(0).thresholdMillis);
            assertEquals(1, p.stageA(EventType.HUNG_CHECK).size());

            p.feed(newMsg(50 * MIN, 203), end(50 * MIN, 203)); // no second alert
            p.feed(result(55 * MIN, 5, Outcome.SUCCESS, "did_0+0+1/"), status(55 * MIN, 0, 0), end(55 * MIN, 200));
            assertEquals(1, p.alerts("hung_delivery").size());
            List<MessageAlert> res = p.alerts("hung_resolved");
            assertEquals(1, res.size());
            assertEquals(Resolution.SUCCESS, res.get(0).resolution);
            assertEquals(55 * MIN - 10, res.get(0).ageMillis);
            assertTrue(p.record(200).recipients.get(0).attempts.get(0).hung);
            assertEquals(0, p.stageAKeysWith("deliveries"));
        }
    }

    @Test
    void hungDeliveryInterruptedByExitResolvesAsInterrupted() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0), newMsg(0, 300), start(10, 1, 300, "remote", "r@remote.example.net"),
                    status(10, 0, 1), status(40 * MIN, 0, 1), exiting(41 * MIN));
            assertEquals(1, p.alerts("hung_delivery").size());
            List<MessageAlert> res = p.alerts("hung_resolved");
            assertEquals(1, res.size());
            assertEquals(Resolution.INTERRUPTED, res.get(0).resolution);
            assertEquals(at(41 * MIN), res.get(0).atNanos);
        }
    }

    @Test
    void endOfInputEmitsOpenRecordsAndAlertsOnlyMessagesOlderThanTheThreshold() throws Exception {
        LifecycleConfig c = Pipeline.inOrderConfig();
        c.scanGranularityNanos = 30 * MIN * 1_000_000L; // a scan is due only at the flush
        try (Pipeline p = new Pipeline(c)) {
            p.feed(status(0, 0, 0),
                    newMsg(0, 400), info(0, 400, 100, "old@example.com", 1, 1),
                    start(1, 1, 400, "remote", "a@remote.example.net"), status(1, 0, 1),
                    result(2, 1, Outcome.DEFERRAL, DEFER), status(2, 0, 0),
                    newMsg(30 * MIN, 401), info(30 * MIN, 401, 100, "young@example.com", 2, 1),
                    status(30 * MIN, 0, 0),
                    newMsg(75 * MIN, 402), end(75 * MIN, 402));
            // the host's last line: 400 was due at 60 min and its scan instant (the next multiple of
            // 30 min) has passed; 401 is 70 min old, but its scan instant lies after 100 min
            p.feed(status(100 * MIN, 0, 0));
            assertEquals(1, p.alerts("stuck_message").size());

            p.endOfInput();
            List<MessageAlert> stuck = p.alerts("stuck_message");
            assertEquals(2, stuck.size());
            assertEquals(List.of(400L, 401L), stuck.stream().map(a -> a.msgId).toList());
            assertEquals(at(100 * MIN), stuck.get(1).atNanos);
            LifecycleRecord r400 = p.record(400);
            LifecycleRecord r401 = p.record(401);
            assertEquals(LifecycleStatus.OPEN, r400.status);
            assertEquals(LifecycleStatus.OPEN, r401.status);
            assertEquals(at(100 * MIN), r400.asOfNanos, "as of the host's last log time");
            assertEquals(at(100 * MIN), r401.asOfNanos);
            assertEquals(-1, r400.endNanos);
            assertEquals("deferral", r400.recipients.get(0).finalOutcome);
            assertTrue(p.alerts("stuck_resolved").stream().allMatch(a -> a.resolution == Resolution.OPEN));
            assertEquals(0, p.a.numKeyedStateEntries());
            assertEquals(0, p.openLifecycles());
            assertEquals(0, p.a.numEventTimeTimers());
            assertEquals(0, p.a.numProcessingTimeTimers());
        }
    }

    @Test
    void endOfInputDoesNotAlertAYoungMessage() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0), newMsg(0, 500), info(0, 500, 1, "a@example.com", 1, 1),
                    newMsg(30 * MIN, 501), status(59 * MIN, 0, 0));
            p.endOfInput();
            assertTrue(p.alerts.isEmpty());
            assertEquals(2, p.records.size());
            assertTrue(p.records.stream().allMatch(r -> r.status == LifecycleStatus.OPEN && !r.wasStuck));
            assertEquals(2, p.stageA(EventType.FLUSH_OPEN).size());
        }
    }

    @Test
    void messagesOlderThanTheMaximumOpenAgeAreEvicted() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0), newMsg(0, 600), info(0, 600, 1, "a@example.com", 77, 1),
                    start(1, 1, 600, "local", "x@example.com"), status(1, 1, 0), // never finishes
                    status(2 * HOUR, 1, 0));
            assertEquals(1, p.alerts("stuck_message").size());
            assertEquals(1, p.alerts("hung_delivery").size());
            p.feed(status(8 * DAY - 1, 1, 0));
            assertTrue(p.records.isEmpty());
            p.feed(status(8 * DAY + 1, 1, 0));
            assertEquals(1, p.records.size());
            LifecycleRecord r = p.record(600);
            assertEquals(LifecycleStatus.ABANDONED, r.status);
            assertEquals(at(8 * DAY), r.asOfNanos, "evicted at the instant the host clock passed the maximum open age");
            assertEquals(Resolution.OPEN, p.alerts("stuck_resolved").get(0).resolution);
            assertEquals(Resolution.OPEN, p.alerts("hung_resolved").get(0).resolution);
            assertEquals(0, p.stageAKeysWith("openMessages"));
            assertEquals(0, p.stageAKeysWith("deliveries"));
            assertEquals(0, p.stageAKeysWith("openByQp"));
            assertEquals(0, p.openLifecycles());
        }
    }

    @Test
    void aSilentHostIsEvictedAfterTheIdleTtl() throws Exception {
        LifecycleConfig c = Pipeline.inOrderConfig();
        c.hostIdleTtlMillis = 1000;
        try (Pipeline p = new Pipeline(c)) {
            p.processingTime(0);
            p.feed(onHost(status(0, 0, 0), "quiet"), onHost(newMsg(1, 700), "quiet"),
                    onHost(start(2, 1, 700, "local", "x@example.com"), "quiet"));
            assertEquals(1, p.a.numProcessingTimeTimers());
            p.processingTime(600);
            p.feed(onHost(status(3, 1, 0), "quiet")); // activity: the timer is re-armed lazily
            assertEquals(1, p.a.numProcessingTimeTimers());
            p.processingTime(1000); // first timer fires, host was active 400 ms ago
            assertTrue(p.records.isEmpty());
            assertEquals(1, p.a.numProcessingTimeTimers());
            p.processingTime(1600);
            assertEquals(1, p.records.size());
            LifecycleRecord r = p.record(700);
            assertEquals("quiet", r.host);
            assertEquals(LifecycleStatus.ABANDONED, r.status);
            assertEquals(at(3), r.asOfNanos);
            assertEquals("running", r.recipients.get(0).finalOutcome);
            assertEquals(1, p.stageA(EventType.EVICT).size());
            assertEquals(0, p.a.numKeyedStateEntries());
            assertEquals(0, p.a.numEventTimeTimers());
            assertEquals(0, p.a.numProcessingTimeTimers());
            assertEquals(0, p.openLifecycles());
        }
    }
}
