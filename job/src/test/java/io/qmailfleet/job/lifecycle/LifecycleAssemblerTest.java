package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.end;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.result;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.AlertKind;
import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.model.Resolution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-message rules and their alert logic, without Flink. */
class LifecycleAssemblerTest {
    private final LifecycleConfig config = new LifecycleConfig();
    private final List<LifecycleRecord> records = new ArrayList<>();
    private final List<MessageAlert> alerts = new ArrayList<>();
    private final List<String> facts = new ArrayList<>();
    private final LifecycleOutput out = new LifecycleOutput() {
        @Override public void lifecycle(LifecycleRecord r) { records.add(r); }
        @Override public void alert(MessageAlert a) { alerts.add(a); }
        @Override public void messageAccepted(LifecycleRecord r, long atNanos) { facts.add("accepted " + r.msgId + " " + r.bytes); }
        @Override public void attemptEnded(LifecycleRecord r, Recipient rc, Attempt a) {
            facts.add("attempt " + r.msgId + " " + rc.address + " " + a.outcome.json());
        }
    };

    private LifecycleRecord feed(LifecycleAssembler a, LifecycleRecord r, QmailEvent... events) {
        for (QmailEvent e : events) r = a.apply(r, e, out);
        return r;
    }

    private static QmailEvent enriched(QmailEvent result, long msgId, String rcpt, long startMs) {
        result.msgId = msgId;
        result.channel = "remote";
        result.address = rcpt;
        result.startNanos = at(startMs);
        result.run = 1;
        return result;
    }

    private static QmailEvent control(EventType type, long ms, long msgId) {
        QmailEvent e = new QmailEvent(Ev.HOST, at(ms), type);
        e.msgId = msgId;
        e.run = 1;
        return e;
    }

    @Test
    void aLifeCycleIsBuiltAndWrittenAtItsEndWithTheFactsHooksCalled() {
        LifecycleAssembler a = new LifecycleAssembler(config);
        QmailEvent s = start(2, 1, 5, "remote", "x@example.net");
        s.run = 1;
        LifecycleRecord r = feed(a, null, newMsg(0, 5), info(1, 5, 300, "a@example.com", 7, 100), s,
                enriched(result(3, 1, Outcome.DEFERRAL, "later/"), 5, "x@example.net", 2));
        assertNotNull(r);
        assertTrue(records.isEmpty());
        assertNull(feed(a, r, end(4, 5)), "nothing to keep after the end");
        LifecycleRecord done = records.get(0);
        assertEquals(LifecycleStatus.COMPLETE, done.status);
        assertEquals(at(4), done.asOfNanos);
        assertEquals(1, done.deferrals);
        assertEquals("deferral", done.recipients.get(0).finalOutcome);
        assertEquals(List.of("accepted 5 300", "attempt 5 x@example.net deferral"), facts);
    }

    @Test
    void stuckAndHungAlertsAreRaisedOnceAndResolvedByTheLinesThatEndThem() {
        config.stuckAfterNanos = Duration.ofSeconds(10).toNanos();
        LifecycleAssembler a = new LifecycleAssembler(config);
        QmailEvent s = start(2, 1, 5, "remote", "x@example.net");
        s.run = 1;
        QmailEvent hung = control(EventType.HUNG_CHECK, 3000, 5);
        hung.deliveryId = 1;
        hung.channel = "remote";
        hung.address = "x@example.net";
        LifecycleRecord r = feed(a, null, newMsg(0, 5), s, hung, hung.copy(),
                control(EventType.STUCK_CHECK, 11_000, 5), control(EventType.STUCK_CHECK, 12_000, 5),
                enriched(result(13_000, 1, Outcome.SUCCESS, "ok/"), 5, "x@example.net", 2));
        assertEquals(List.of(AlertKind.HUNG_DELIVERY, AlertKind.STUCK_MESSAGE, AlertKind.HUNG_RESOLVED),
                alerts.stream().map(x -> x.kind).toList());
        assertEquals(Resolution.SUCCESS, alerts.get(2).resolution);
        assertEquals(at(13_000), alerts.get(2).atNanos);
        feed(a, r, end(14_000, 5));
        MessageAlert resolved = alerts.get(3);
        assertEquals(AlertKind.STUCK_RESOLVED, resolved.kind);
        assertEquals(Resolution.DELIVERED, resolved.resolution);
        assertEquals(at(14_000), resolved.atNanos);
        assertEquals(14_000, resolved.ageMillis);
    }

    @Test
    void anOpenRecordResolvesItsAlertsAsOpenAndAReusedIdAbandonsTheOldOne() {
        config.stuckAfterNanos = Duration.ofSeconds(10).toNanos();
        LifecycleAssembler a = new LifecycleAssembler(config);
        LifecycleRecord r = feed(a, null, newMsg(0, 6), control(EventType.STUCK_CHECK, 11_000, 6));
        r = feed(a, r, newMsg(20_000, 6)); // id reused without an end msg
        assertEquals(LifecycleStatus.ABANDONED, records.get(0).status);
        assertEquals(at(20_000), records.get(0).asOfNanos);
        assertEquals(Resolution.OPEN, alerts.get(1).resolution);
        assertNull(feed(a, r, control(EventType.FLUSH_OPEN, 25_000, 6)));
        assertEquals(LifecycleStatus.OPEN, records.get(1).status);
        assertEquals(at(25_000), records.get(1).asOfNanos);
    }

    @Test
    void aControlEventForNoRecordKeepsNothing() {
        LifecycleAssembler a = new LifecycleAssembler(config);
        assertNull(a.apply(null, control(EventType.STUCK_CHECK, 1, 9), out));
        assertTrue(records.isEmpty() && alerts.isEmpty());
        LifecycleRecord partial = a.apply(null, end(2, 9), out);
        assertNull(partial);
        assertTrue(records.get(0).partial);
    }
}
