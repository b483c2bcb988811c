package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.LifecycleStatus;
import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.bounce;
import static io.qmailfleet.job.lifecycle.Ev.end;
import static io.qmailfleet.job.lifecycle.Ev.exiting;
import static io.qmailfleet.job.lifecycle.Ev.forwarded;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.result;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static io.qmailfleet.job.lifecycle.Ev.status;
import static io.qmailfleet.job.lifecycle.Ev.triple;
import static io.qmailfleet.job.lifecycle.Ev.warning;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stage A and B together on hand-built lines: the message life-cycle semantics. */
class LifecyclePipelineTest {

    private static final String OK_LOCAL = "did_1+0+0/";
    private static final String NO_MAILBOX = "Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/";

    @Test
    void simpleLifecycleBuildsOneRecordAndLeavesNoState() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0),
                    newMsg(1000, 1459593),
                    info(1000, 1459593, 254, "alice@example.com", 15238, 1008),
                    start(1002, 1, 1459593, "local", "Bob@Example.COM"),
                    status(1002, 1, 0),
                    result(1006, 1, Outcome.SUCCESS, OK_LOCAL),
                    status(1006, 0, 0),
                    end(1007, 1459593));

            assertEquals(1, p.records.size());
            LifecycleRecord r = p.record(1459593);
            assertEquals(Ev.HOST, r.host);
            assertEquals(LifecycleStatus.COMPLETE, r.status);
            assertFalse(r.partial);
            assertEquals(1, r.run);
            assertEquals(at(1000), r.newNanos);
            assertEquals(at(1000), r.infoNanos);
            assertEquals(at(1007), r.endNanos);
            assertEquals(at(1007), r.asOfNanos);
            assertEquals(254, r.bytes);
            assertEquals("alice@example.com", r.sender);
            assertEquals("normal", r.senderKind);
            assertEquals(15238, r.qp);
            assertEquals(1008, r.uid);
            assertEquals(1, r.successes);
            assertEquals(0, r.deferrals + r.failures + r.interrupted);
            assertEquals(1, r.recipients.size());
            Recipient rc = r.recipients.get(0);
            assertEquals("Bob@Example.COM", rc.address);
            assertEquals("example.com", rc.domain);
            assertEquals("local", rc.channel);
            assertEquals("success", rc.finalOutcome);
            assertEquals(1, rc.attempts.size());
            Attempt at = rc.attempts.get(0);
            assertEquals(1, at.deliveryId);
            assertEquals(1, at.run);
            assertEquals(at(1002), at.startNanos);
            assertEquals(at(1006), at.endNanos);
            assertEquals(Outcome.SUCCESS, at.outcome);
            assertEquals(OK_LOCAL, at.report);

            // the delivery result was enriched by stage A
            QmailEvent res = p.stageA(EventType.DELIVERY_RESULT).get(0);
            assertEquals(1459593, res.msgId);
            assertEquals(at(1002), res.startNanos);
            assertEquals("Bob@Example.COM", res.address);
            // host lines went to the side output, with the run set
            assertEquals(3, p.hostEvents.size());
            assertTrue(p.hostEvents.stream().allMatch(e -> e.type == EventType.STATUS && e.run == 1));
            assertTrue(p.stageA.stream().noneMatch(e -> e.type == EventType.STATUS));

            // stage B: no life cycle left
            assertEquals(0, p.openLifecycles());
            // stage A: only the per-host scalars are left; every per-message/delivery map is empty
            assertEquals(0, p.stageAKeysWith("deliveries"));
            assertEquals(0, p.stageAKeysWith("openMessages"));
            assertEquals(0, p.stageAKeysWith("links"));
            assertEquals(0, p.stageAKeysWith("openByQp"));
            assertEquals(0, p.stageAKeysWith("reorder"));
            assertEquals(1, p.stageAKeysWith("host"));
            assertEquals(1, p.a.numKeyedStateEntries());

            p.endOfInput();
            assertEquals(1, p.records.size(), "nothing was open at the end of input");
            assertEquals(0, p.a.numKeyedStateEntries());
            assertEquals(0, p.a.numEventTimeTimers());
            assertEquals(0, p.a.numProcessingTimeTimers());
        }
    }

    @Test
    void messageIdReusedInTheSameMillisecondGivesTwoLifecycles() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0),
                    newMsg(10, 5), info(10, 5, 261, "alice@example.com", 15310, 1008),
                    start(11, 18, 5, "local", "nosuchuser@example.com"), status(11, 1, 0),
                    result(12, 18, Outcome.FAILURE, NO_MAILBOX), status(12, 0, 0),
                    bounce(13, 5, 15313), end(13, 5),
                    newMsg(13, 5), info(13, 5, 540, "carol@example.com", 15320, 1010),
                    start(14, 19, 5, "local", "alice@example.com"), status(14, 1, 0),
                    result(15, 19, Outcome.SUCCESS, OK_LOCAL), status(15, 0, 0),
                    end(16, 5));

            assertEquals(2, p.records.size());
            LifecycleRecord first = p.records.get(0);
            LifecycleRecord second = p.records.get(1);
            assertEquals(at(10), first.newNanos);
            assertEquals(at(13), first.endNanos);
            assertEquals(15313, first.bounceQp);
            assertEquals(1, first.failures);
            assertEquals(0, first.successes);
            assertEquals("nosuchuser@example.com", first.recipients.get(0).address);
            assertEquals("failure", first.recipients.get(0).finalOutcome);
            assertEquals(at(13), second.newNanos);
            assertEquals(at(16), second.endNanos);
            assertEquals(540, second.bytes);
            assertEquals("carol@example.com", second.sender);
            assertEquals(-1, second.bounceQp);
            assertEquals(1, second.successes);
            assertEquals(0, second.failures);
            assertEquals(1, second.recipients.size());
            assertEquals("alice@example.com", second.recipients.get(0).address);
            assertEquals(19, second.recipients.get(0).attempts.get(0).deliveryId);
            assertNull(second.bounceOf);
            assertEquals(0, p.openLifecycles());
            assertEquals(0, p.stageAKeysWith("openMessages"));
        }
    }

    @Test
    void interleavedMessagesAndDeliveries() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0),
                    newMsg(100, 10), info(100, 10, 300, "a@example.com", 1, 100),
                    newMsg(101, 11), info(101, 11, 400, "b@example.com", 2, 100),
                    start(102, 1, 10, "local", "x@example.com"), status(102, 1, 0),
                    start(103, 2, 11, "remote", "y@remote.example.net"), status(103, 1, 1),
                    start(104, 3, 10, "remote", "z@partner.example.net"), status(104, 1, 2),
                    newMsg(105, 12), info(105, 12, 500, "c@example.com", 3, 100),
                    start(106, 4, 12, "local", "w@example.com"), status(106, 2, 2),
                    result(107, 3, Outcome.DEFERRAL, "Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/"),
                    status(107, 2, 1),
                    result(108, 4, Outcome.SUCCESS, OK_LOCAL), status(108, 1, 1), end(108, 12),
                    result(109, 2, Outcome.FAILURE, "127.0.0.1_does_not_like_recipient./Remote_host_said:_550_no/Giving_up_on_127.0.0.1./"),
                    status(109, 1, 0),
                    result(110, 1, Outcome.SUCCESS, OK_LOCAL), status(110, 0, 0),
                    bounce(111, 11, 9001), end(111, 11),
                    start(112, 5, 10, "remote", "z@partner.example.net"), status(112, 0, 1),
                    result(113, 5, Outcome.SUCCESS, "127.0.0.1_accepted_message./Remote_host_said:_250_ok/"),
                    status(113, 0, 0), end(114, 10));

            assertEquals(List.of(12L, 11L, 10L), p.records.stream().map(r -> r.msgId).toList());
            LifecycleRecord m10 = p.record(10);
            assertEquals(2, m10.recipients.size());
            Recipient z = m10.recipient("z@partner.example.net", "remote");
            assertEquals(2, z.attempts.size());
            assertEquals(Outcome.DEFERRAL, z.attempts.get(0).outcome);
            assertEquals(Outcome.SUCCESS, z.attempts.get(1).outcome);
            assertEquals(5, z.attempts.get(1).deliveryId);
            assertEquals("success", z.finalOutcome);
            assertEquals(2, m10.successes);
            assertEquals(1, m10.deferrals);
            assertEquals("success", m10.recipient("x@example.com", "local").finalOutcome);
            LifecycleRecord m11 = p.record(11);
            assertEquals(1, m11.failures);
            assertEquals(9001, m11.bounceQp);
            assertEquals("remote.example.net", m11.recipients.get(0).domain);
            LifecycleRecord m12 = p.record(12);
            assertEquals(1, m12.successes);
            assertEquals("w@example.com", m12.recipients.get(0).address);
            // status lines after delivery lines are not start-ups: one run throughout
            assertTrue(p.hostEvents.stream().allMatch(e -> e.run == 1));
            assertTrue(p.stageA(EventType.DELIVERY_INTERRUPTED).isEmpty());
            assertTrue(p.deadLetters.isEmpty());
        }
    }

    @Test
    void deliveryIdsRestartAfterStatusExiting() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0),
                    newMsg(100, 20), info(100, 20, 300, "a@example.com", 1, 100),
                    start(101, 1, 20, "local", "slow@example.com"), status(101, 1, 0),
                    warning(102, "alert: oh no! lost spawn connection! dying..."),
                    exiting(103),
                    status(200, 0, 0), // run 2 starts; ids restart
                    newMsg(201, 21), info(201, 21, 300, "b@example.com", 2, 100),
                    start(202, 1, 21, "local", "other@example.com"), status(202, 1, 0),
                    result(203, 1, Outcome.SUCCESS, OK_LOCAL), status(203, 0, 0), end(204, 21),
                    start(205, 2, 20, "local", "slow@example.com"), status(205, 1, 0),
                    result(206, 2, Outcome.SUCCESS, OK_LOCAL), status(206, 0, 0), end(207, 20));

            List<QmailEvent> intr = p.stageA(EventType.DELIVERY_INTERRUPTED);
            assertEquals(1, intr.size());
            assertEquals(20, intr.get(0).msgId);
            assertEquals(1, intr.get(0).deliveryId);
            assertEquals(at(103), intr.get(0).tsNanos);
            assertEquals(at(101), intr.get(0).startNanos);

            LifecycleRecord m20 = p.record(20);
            Recipient slow = m20.recipients.get(0);
            assertEquals(2, slow.attempts.size());
            assertEquals(Outcome.INTERRUPTED, slow.attempts.get(0).outcome);
            assertEquals(1, slow.attempts.get(0).run);
            assertEquals(Outcome.SUCCESS, slow.attempts.get(1).outcome);
            assertEquals(2, slow.attempts.get(1).run);
            assertEquals(1, m20.interrupted);
            assertEquals(1, m20.successes);
            assertEquals(1, m20.run);

            LifecycleRecord m21 = p.record(21);
            assertEquals(2, m21.run);
            assertEquals(1, m21.recipients.size());
            assertEquals("other@example.com", m21.recipients.get(0).address);
            assertEquals(1, m21.recipients.get(0).attempts.get(0).deliveryId);
            assertEquals(2, m21.recipients.get(0).attempts.get(0).run);
        }
    }

    @Test
    void crashRestartInterruptsInFlightDeliveriesAndNeverMatchesOldIds() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0),
                    newMsg(100, 30), info(100, 30, 300, "a@example.com", 1, 100),
                    start(101, 7, 30, "remote", "r@remote.example.net"), status(101, 0, 1),
                    // a warning between a delivery line and its status line is not a restart
                    start(102, 8, 30, "local", "l@example.com"),
                    warning(102, "warning: trouble marking local/5/30; message will be delivered twice!"),
                    status(102, 1, 1),
                    // qmail-send crashed here without logging anything; run 2 starts
                    status(5000, 0, 0),
                    newMsg(5001, 31), info(5001, 31, 300, "b@example.com", 2, 100),
                    start(5002, 7, 31, "local", "new@example.com"), status(5002, 1, 0),
                    result(5003, 7, Outcome.SUCCESS, OK_LOCAL), status(5003, 0, 0),
                    // a result for a pre-restart id with no post-restart start: never guessed
                    result(5004, 8, Outcome.SUCCESS, OK_LOCAL), status(5004, 0, 0),
                    end(5005, 31));

            assertEquals(2, p.stageA(EventType.DELIVERY_INTERRUPTED).size());
            assertTrue(p.stageA(EventType.DELIVERY_INTERRUPTED).stream()
                    .allMatch(e -> e.msgId == 30 && e.tsNanos == at(5000) && e.run == 1));
            assertEquals(List.of(1, 1, 1, 2, 2, 2, 2),
                    p.hostEvents.stream().filter(e -> e.type == EventType.STATUS).map(e -> e.run).toList());

            LifecycleRecord m31 = p.record(31);
            assertEquals(1, m31.successes);
            assertEquals(7, m31.recipients.get(0).attempts.get(0).deliveryId);
            assertEquals(2, m31.recipients.get(0).attempts.get(0).run);

            assertEquals(1, p.deadLetters.size());
            assertEquals(DeadLetterReason.UNMATCHED_DELIVERY, p.deadLetters.get(0).reason);
            assertEquals("host", p.deadLetters.get(0).stage);
            assertTrue(p.deadLetters.get(0).detail.contains("mid-stream"));

            // message 30 is still queued: at the end of input it is open with both attempts interrupted
            p.endOfInput();
            LifecycleRecord m30 = p.record(30);
            assertEquals(LifecycleStatus.OPEN, m30.status);
            assertEquals(at(5005), m30.asOfNanos);
            assertEquals(2, m30.interrupted);
            assertEquals(0, m30.successes);
            for (Recipient rc : m30.recipients) {
                assertEquals("interrupted", rc.finalOutcome);
                assertEquals(Outcome.INTERRUPTED, rc.attempts.get(0).outcome);
                assertEquals(at(5000), rc.attempts.get(0).endNanos);
            }
            assertEquals(0, p.a.numKeyedStateEntries());
            assertEquals(0, p.openLifecycles());
        }
    }

    @Test
    void bounceIsLinkedToItsOriginalByQp() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0),
                    newMsg(10, 1459641), info(10, 1459641, 261, "alice@example.com", 15310, 1008),
                    start(11, 18, 1459641, "local", "nosuchuser@example.com"), status(11, 1, 0),
                    result(12, 18, Outcome.FAILURE, NO_MAILBOX), status(12, 0, 0),
                    bounce(13, 1459641, 15313), end(13, 1459641),
                    newMsg(14, 1459645), info(14, 1459645, 804, "", 15313, 1007),
                    start(15, 19, 1459645, "local", "alice@example.com"), status(15, 1, 0),
                    result(16, 19, Outcome.SUCCESS, OK_LOCAL), status(16, 0, 0),
                    end(17, 1459645));
            LifecycleRecord orig = p.record(1459641);
            LifecycleRecord b = p.record(1459645);
            assertEquals(15313, orig.bounceQp);
            assertNull(orig.bounceOf);
            assertEquals(1459641, b.bounceOf.msgId);
            assertEquals(at(10), b.bounceOf.birthNanos);
            assertEquals(15313, b.bounceOf.qp);
            assertNull(b.forwardOf);
            assertEquals("null", b.senderKind);
            assertEquals(0, p.stageAKeysWith("links"), "the consumed link is forgotten");
            assertEquals(0, p.stageAKeysWith("openByQp"));
        }
    }

    @Test
    void forwardLinkWhenTheCopyIsQueuedBeforeTheForwardReport() throws Exception {
        // real-capture-1 S1e: the copy's new/info msg come before "delivery N: success: did_0+1+0/qp_P/"
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0),
                    newMsg(7457, 1459610), info(7457, 1459610, 263, "bob@example.com", 15267, 1009),
                    start(7460, 9, 1459610, "local", "postmaster@example.com"), status(7460, 1, 0),
                    newMsg(7526, 1459611), info(7526, 1459611, 369, "bob@example.com", 15270, 1001),
                    forwarded(7536, 9, 15270), status(7536, 0, 0),
                    end(7540, 1459610),
                    start(7541, 10, 1459611, "local", "alice@mail.example.com"), status(7541, 1, 0),
                    result(7556, 10, Outcome.SUCCESS, OK_LOCAL), status(7556, 0, 0),
                    end(7557, 1459611));
            LifecycleRecord orig = p.record(1459610);
            LifecycleRecord copy = p.record(1459611);
            assertEquals(15270, orig.recipients.get(0).forwardQp);
            assertEquals("did_0+1+0/qp_15270/", orig.recipients.get(0).attempts.get(0).report);
            assertEquals(1459610, copy.forwardOf.msgId);
            assertEquals(at(7457), copy.forwardOf.birthNanos);
            assertEquals(15270, copy.forwardOf.qp);
            assertEquals("postmaster@example.com", copy.forwardOf.recipient);
            assertNull(copy.bounceOf);
            assertEquals(1, p.stageA(EventType.LINK).size());
            assertEquals(0, p.stageAKeysWith("links"));
            assertEquals(0, p.stageAKeysWith("openByQp"));
        }
    }

    @Test
    void forwardLinkWhenTheForwardReportComesFirst() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0),
                    newMsg(100, 40), info(100, 40, 263, "bob@example.com", 500, 1009),
                    start(101, 1, 40, "local", "postmaster@example.com"), status(101, 1, 0),
                    forwarded(102, 1, 777), status(102, 0, 0), end(103, 40),
                    newMsg(104, 41), info(104, 41, 369, "bob@example.com", 777, 1001),
                    end(105, 41));
            LifecycleRecord copy = p.record(41);
            assertEquals(40, copy.forwardOf.msgId);
            assertEquals(at(100), copy.forwardOf.birthNanos);
            assertEquals("postmaster@example.com", copy.forwardOf.recipient);
            assertEquals(777, p.record(40).recipients.get(0).forwardQp);
            assertTrue(p.stageA(EventType.LINK).isEmpty());
            assertEquals(0, p.stageAKeysWith("links"));
        }
    }

    @Test
    void pendingLinksExpireOnTheHostClock() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0),
                    newMsg(10, 50), info(10, 50, 100, "", 1, 1), bounce(11, 50, 4242), end(11, 50));
            assertEquals(1, p.stageAKeysWith("links"));
            long hour = 3_600_000L;
            // qp 4242 is reused by an unrelated qmail-queue more than the link TTL later
            p.feed(newMsg(hour + 20, 51), info(hour + 20, 51, 100, "x@example.com", 4242, 1), end(hour + 21, 51));
            assertNull(p.record(51).bounceOf);
            assertEquals(0, p.stageAKeysWith("links"));
        }
    }

    @Test
    void senderKindsDoubleBounceAndTripleBounce() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0),
                    newMsg(10, 60), info(10, 60, 900, "#@[]", 15400, 1007),
                    start(11, 1, 60, "local", "postmaster@example.com"), status(11, 1, 0),
                    result(12, 1, Outcome.FAILURE, NO_MAILBOX), status(12, 0, 0),
                    triple(13, 60), end(13, 60));
            LifecycleRecord r = p.record(60);
            assertEquals("#@[]", r.sender);
            assertEquals("double-bounce", r.senderKind);
            assertTrue(r.tripleBounceDiscarded);
            assertEquals(-1, r.bounceQp);
            assertEquals("failure", r.recipients.get(0).finalOutcome);
        }
    }

    @Test
    void partialLifecycleWhenTheLogBeganAfterNewMsg() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 2, 0), // not a start-up: deliveries are running
                    start(5, 3, 70, "remote", "late@remote.example.net"), status(5, 3, 1),
                    result(9, 3, Outcome.SUCCESS, "127.0.0.1_accepted_message./Remote_host_said:_250_ok/"),
                    status(9, 2, 0), end(10, 70));
            LifecycleRecord r = p.record(70);
            assertTrue(r.partial);
            assertEquals(-1, r.newNanos);
            assertEquals(LifecycleStatus.COMPLETE, r.status);
            assertEquals(0, r.run, "no start-up seen yet");
            assertEquals(1, r.successes);
            assertEquals(at(5), r.recipients.get(0).attempts.get(0).startNanos);
            assertNull(r.senderKind);
        }
    }

    @Test
    void unmatchedDeliveryIsDeadLettered() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 1, 0), result(5, 44, Outcome.DEFERRAL, ""), status(5, 0, 0));
            assertEquals(1, p.deadLetters.size());
            assertEquals(DeadLetterReason.UNMATCHED_DELIVERY, p.deadLetters.get(0).reason);
            assertEquals("delivery 44: deferral: ", p.deadLetters.get(0).raw);
            assertEquals(at(5), p.deadLetters.get(0).tsNanos);
            assertTrue(p.stageA.isEmpty());
            assertTrue(p.records.isEmpty());
        }
    }

    @Test
    void newMsgForAnOpenIdAbandonsTheOldLifecycle() throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig())) {
            p.feed(status(0, 0, 0), newMsg(10, 80), info(10, 80, 100, "a@example.com", 1, 1),
                    // end msg 80 was lost
                    newMsg(20, 80), info(20, 80, 200, "b@example.com", 2, 1), end(30, 80));
            assertEquals(2, p.records.size());
            assertEquals(LifecycleStatus.ABANDONED, p.records.get(0).status);
            assertEquals(100, p.records.get(0).bytes);
            assertEquals(at(20), p.records.get(0).asOfNanos);
            assertEquals(LifecycleStatus.COMPLETE, p.records.get(1).status);
            assertEquals(200, p.records.get(1).bytes);
        }
    }
}
