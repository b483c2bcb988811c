package io.qmailfleet.job.parse;

import io.qmailfleet.job.testutil.Capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LogFormat;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every line of real-capture-1 parses, and the multilog and syslog captures give the same events. */
class RealCaptureTest {

    /** Parses lines; fails on any dead letter. Joins splogger splits the way the host stage does. */
    static List<QmailEvent> parseAll(List<RawLine> lines) {
        QmailLineParser p = new QmailLineParser(new ParserConfig());
        List<QmailEvent> out = new ArrayList<>();
        List<DeadLetter> dead = new ArrayList<>();
        QmailEvent head = null;
        for (RawLine l : lines) {
            ParseOutcome o = p.parse(l);
            assertTrue(o.event == null ^ o.deadLetter == null, "exactly one of event/dead letter");
            if (o.deadLetter != null) {
                dead.add(o.deadLetter);
                continue;
            }
            QmailEvent e = o.event;
            if (e.type == EventType.CONTINUATION) {
                assertNotNull(head, "continuation without head: " + l);
                assertEquals(head.tsNanos, e.tsNanos, "continuation has the head's stamp");
                head.raw = head.raw + e.raw;
                continue;
            }
            if (head != null) {
                out.add(joined(p, head, dead));
                head = null;
            }
            if (e.type == EventType.SPLIT_HEAD) head = e;
            else out.add(e);
        }
        if (head != null) out.add(joined(p, head, dead));
        if (!dead.isEmpty()) fail(dead.size() + " dead letters, first: " + dead.get(0) + " raw=" + dead.get(0).raw);
        return out;
    }

    private static QmailEvent joined(QmailLineParser p, QmailEvent head, List<DeadLetter> dead) {
        ParseOutcome o = p.parseJoined(head);
        if (o.deadLetter != null) {
            dead.add(o.deadLetter);
            return head;
        }
        return o.event;
    }

    static Map<EventType, Integer> countTypes(List<QmailEvent> events) {
        Map<EventType, Integer> m = new EnumMap<>(EventType.class);
        for (QmailEvent e : events) m.merge(e.type, 1, Integer::sum);
        return m;
    }

    @Test
    void multilogCaptureParsesCompletelyWithScenarioCounts() {
        List<RawLine> lines = Capture.multilog("mail");
        assertEquals(4526, lines.size());
        List<QmailEvent> ev = parseAll(lines);
        assertEquals(4526, ev.size());
        checkCounts(ev);
        for (QmailEvent e : ev) {
            assertEquals(LogFormat.MULTILOG, e.format);
            assertEquals("mail", e.host);
        }
        // first line @400000006b05ee591fde16b4 = 1795550799.534648500 (qmailanalog/FORMAT.md)
        assertEquals(1795550799_534648500L, ev.get(0).tsNanos);
        // the capture's line is @400000006b05f03c39c3970c delivery 33: failure: XXX... (20:14:42 UTC; the
        // example label in log-format.md 0.1 differs in the nanoseconds); splogger stamped it 1795551282.969301
        QmailEvent d33 = ev.stream().filter(e -> e.type == EventType.DELIVERY_RESULT && e.deliveryId == 33 && e.text.startsWith("XXX"))
                .findFirst().orElseThrow();
        assertEquals(0x6b05f03cL - 10, d33.tsNanos / 1_000_000_000L);
        assertEquals(0x39c3970cL, d33.tsNanos % 1_000_000_000L);
        assertEquals(1795551282L, d33.tsNanos / 1_000_000_000L);
        assertEquals(1500 + "/".length(), d33.text.indexOf('/') + 1, "1500 X then '/'");
    }

    static void checkCounts(List<QmailEvent> ev) {
        Map<EventType, Integer> c = countTypes(ev);
        assertEquals(539, c.get(EventType.NEW_MSG));
        assertEquals(539, c.get(EventType.INFO_MSG));
        assertEquals(539, c.get(EventType.END_MSG));
        assertEquals(701, c.get(EventType.START_DELIVERY));
        assertEquals(97, c.get(EventType.BOUNCE_MSG));
        assertEquals(1, c.get(EventType.TRIPLE_BOUNCE));
        assertEquals(1404, c.get(EventType.STATUS));
        assertEquals(2, c.get(EventType.STATUS_EXITING));
        assertEquals(3, c.get(EventType.ALERT));
        assertNull(c.get(EventType.WARNING));
        assertNull(c.get(EventType.OTHER_PROGRAM));
        long local = ev.stream().filter(e -> e.type == EventType.START_DELIVERY && "local".equals(e.channel)).count();
        long remote = ev.stream().filter(e -> e.type == EventType.START_DELIVERY && "remote".equals(e.channel)).count();
        assertEquals(390, local);
        assertEquals(311, remote);
        Map<Outcome, Integer> res = new EnumMap<>(Outcome.class);
        for (QmailEvent e : ev) if (e.type == EventType.DELIVERY_RESULT) res.merge(e.outcome, 1, Integer::sum);
        assertEquals(519, res.get(Outcome.SUCCESS));
        assertEquals(105, res.get(Outcome.FAILURE));
        assertEquals(77, res.get(Outcome.DEFERRAL));
        assertEquals(1, ev.stream().filter(e -> e.type == EventType.STATUS && e.exitasap).count());
        // 68 ordinary bounces (sender <>) and 29 double bounces (sender #@[])
        assertEquals(29, ev.stream().filter(e -> e.type == EventType.INFO_MSG && "#@[]".equals(e.address)).count());
        assertTrue(ev.stream().filter(e -> e.type == EventType.INFO_MSG && "".equals(e.address)).count() >= 68);
        // the forward (S1e): did_0+1+0/qp_15270/ and the copy's info msg with qp 15270, uid 1001 (alias)
        List<QmailEvent> fwd = ev.stream().filter(e -> e.type == EventType.DELIVERY_RESULT && e.qp >= 0).toList();
        assertEquals(1, fwd.size());
        assertEquals(15270, fwd.get(0).qp);
        assertEquals(1, ev.stream().filter(e -> e.type == EventType.INFO_MSG && e.qp == 15270 && e.uid == 1001).count());
        // delivery ids restart at 1 with each qmail-send run. scenarios.md section 5 says "1 to 622 in
        // run 1", but the log has 1..627 in run 1 and 1..74 in run 2 (627 + 74 = the 701 deliveries).
        int exit1 = -1;
        for (int i = 0; i < ev.size() && exit1 < 0; i++) if (ev.get(i).type == EventType.STATUS_EXITING) exit1 = i;
        List<QmailEvent> run1 = ev.subList(0, exit1), run2 = ev.subList(exit1 + 1, ev.size());
        assertEquals(1, run2.stream().filter(e -> e.type == EventType.STATUS_EXITING).count());
        assertEquals(627, run1.stream().filter(e -> e.type == EventType.START_DELIVERY).mapToLong(e -> e.deliveryId).max().orElse(-1));
        assertEquals(627, run1.stream().filter(e -> e.type == EventType.START_DELIVERY).mapToLong(e -> e.deliveryId).distinct().count());
        assertEquals(74, run2.stream().filter(e -> e.type == EventType.START_DELIVERY).mapToLong(e -> e.deliveryId).max().orElse(-1));
        assertEquals(1, run2.stream().filter(e -> e.type == EventType.START_DELIVERY).mapToLong(e -> e.deliveryId).min().orElse(-1));
        // every field that applies is set
        for (QmailEvent e : ev) {
            switch (e.type) {
                case INFO_MSG -> assertTrue(e.msgId > 0 && e.bytes > 0 && e.qp > 0 && e.uid >= 0 && e.address != null, e::toString);
                case START_DELIVERY -> assertTrue(e.msgId > 0 && e.deliveryId > 0 && e.address != null && !e.address.isEmpty(), e::toString);
                case DELIVERY_RESULT -> assertTrue(e.deliveryId > 0 && e.outcome != null && e.text != null, e::toString);
                case STATUS -> assertTrue(e.localMax == 10 && e.remoteMax == 20 && e.localUsed >= 0 && e.localUsed <= 10
                        && e.remoteUsed >= 0 && e.remoteUsed <= 20, e::toString);
                default -> { }
            }
        }
    }

    @Test
    void syslogCaptureParsesCompletelyAndEqualsMultilog() {
        List<RawLine> lines = Capture.syslog();
        assertEquals(4527, lines.size());
        QmailLineParser p = new QmailLineParser(new ParserConfig());
        int heads = 0, conts = 0;
        for (RawLine l : lines) {
            QmailEvent e = p.parse(l).event;
            assertNotNull(e, l::toString);
            if (e.type == EventType.SPLIT_HEAD) heads++;
            if (e.type == EventType.CONTINUATION) conts++;
        }
        assertEquals(1, heads);
        assertEquals(1, conts);

        List<QmailEvent> sys = parseAll(lines);
        assertEquals(4526, sys.size());
        checkCounts(sys);
        assertEquals(1795550799_534679000L, sys.get(0).tsNanos);
        for (QmailEvent e : sys) {
            assertEquals("mail", e.host);
            assertEquals(LogFormat.SYSLOG_RFC3164, e.format);
        }
        List<QmailEvent> ml = parseAll(Capture.multilog("mail"));
        for (int i = 0; i < ml.size(); i++) {
            QmailEvent a = ml.get(i), b = sys.get(i);
            assertTrue(a.sameFields(b), "line " + i + ": " + a + " vs " + b);
            assertEquals(a.host, b.host);
            // splogger stamps at flush, multilog at the first byte: they agree to well under a second
            assertTrue(Math.abs(a.tsNanos - b.tsNanos) < 1_000_000_000L, "line " + i + " times");
        }
        QmailEvent joined = sys.stream().filter(e -> e.type == EventType.DELIVERY_RESULT && e.text.length() > 1000).findFirst().orElseThrow();
        assertEquals(Outcome.FAILURE, joined.outcome);
        assertEquals(33, joined.deliveryId);
        assertEquals(1795551282_969301000L, joined.tsNanos);
    }

    @Test
    void matchupInputIsEpochFormatAndMatchesMultilogExactly() {
        // qmailanalog/matchup.in is the multilog capture with each TAI64N label rewritten as
        // "%d.%09d" (FORMAT.md): same events, same nanosecond times, format EPOCH
        List<QmailEvent> epoch = parseAll(Capture.lines(Capture.qmailanalog("matchup.in"), "mail"));
        List<QmailEvent> ml = parseAll(Capture.multilog("mail"));
        assertEquals(ml.size(), epoch.size());
        for (int i = 0; i < ml.size(); i++) {
            assertTrue(ml.get(i).sameContent(epoch.get(i)), "line " + i + ": " + ml.get(i) + " vs " + epoch.get(i));
            assertEquals(LogFormat.EPOCH, epoch.get(i).format);
        }
    }

    @Test
    void smtpdCaptureGivesTwentyOneTcpserverEvents() {
        List<RawLine> lines = Capture.smtpd("mail");
        QmailLineParser p = new QmailLineParser(new ParserConfig());
        List<QmailEvent> ev = new ArrayList<>();
        for (RawLine l : lines) {
            ParseOutcome o = p.parse(l);
            assertNull(o.deadLetter, () -> String.valueOf(o.deadLetter));
            ev.add(o.event);
        }
        assertEquals(21, ev.size());
        Map<EventType, Integer> c = countTypes(ev);
        assertEquals(9, c.get(EventType.TCP_STATUS));
        assertEquals(4, c.get(EventType.TCP_PID));
        assertEquals(3, c.get(EventType.TCP_OK));
        assertEquals(1, c.get(EventType.TCP_DENY));
        assertEquals(4, c.get(EventType.TCP_END));
        QmailEvent deny = ev.stream().filter(e -> e.type == EventType.TCP_DENY).findFirst().orElseThrow();
        assertEquals(15298, deny.pid);
        assertEquals("mail.example.com:127.0.0.1:2500", deny.text);
        assertEquals(":127.0.0.3::46849", deny.address);
        QmailEvent end = ev.stream().filter(e -> e.type == EventType.TCP_END && e.pid == 15298).findFirst().orElseThrow();
        assertEquals(25600, end.count);
        assertEquals(40, ev.get(0).limit);
        assertEquals(0, ev.get(0).count);
    }
}
