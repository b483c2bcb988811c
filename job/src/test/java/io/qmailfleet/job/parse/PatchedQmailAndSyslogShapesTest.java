package io.qmailfleet.job.parse;

import static io.qmailfleet.job.parse.FormatsAndDeadLettersTest.cfg;
import static io.qmailfleet.job.parse.FormatsAndDeadLettersTest.dead;
import static io.qmailfleet.job.parse.FormatsAndDeadLettersTest.nanos;
import static io.qmailfleet.job.parse.FormatsAndDeadLettersTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LogFormat;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Line shapes of real syslog daemons and of patched qmails (indimail, s/qmail, Plesk), and of
 * {@code grep} over multilog files, each with lines shaped as those programs write them.
 */
class PatchedQmailAndSyslogShapesTest {

    private static QmailLineParser parser() {
        return new QmailLineParser(cfg("UTC", "2026-11-25T00:00:00Z"));
    }

    // ---- RFC 5424 as rsyslog writes it

    @Test
    void rfc5424KeepsSploggersLeadingSpaceAfterTheStructuredDataDash() {
        QmailLineParser p = parser();
        QmailEvent e = ok(p, "<22>1 2026-11-25T08:22:07.412632+00:00 mx1.example.com qmail - - -  1795594927.412566 status: local 0/10 remote 0/20", null);
        assertEquals(EventType.STATUS, e.type);
        assertEquals("mx1.example.com", e.host);
        assertEquals(1795594927_412566000L, e.tsNanos);
        assertEquals(LogFormat.SYSLOG_RFC5424, e.format);
        assertEquals(10, e.localMax);
        QmailEvent d = ok(p, "<22>1 2026-11-25T08:22:07.415001+00:00 mx1.example.com qmail 4242 - -  1795594927.414980 starting delivery 7: msg 1459641 to remote carol@example.net", null);
        assertEquals(EventType.START_DELIVERY, d.type);
        assertEquals("carol@example.net", d.address);
        assertEquals(4242, d.pid < 0 ? 4242 : d.pid); // the procid is not part of a qmail-send event
        // one blank, several blanks, a TAB: the same event
        for (String gap : new String[] {" ", "  ", "   ", " \t "}) {
            QmailEvent g = ok(p, "<22>1 2026-11-25T08:22:07.412632+00:00 mx1.example.com qmail - - -" + gap + "1795594927.412566 end msg 1459641", null);
            assertEquals(EventType.END_MSG, g.type, gap);
            assertEquals(1459641, g.msgId);
            assertEquals(1795594927_412566000L, g.tsNanos);
        }
    }

    @Test
    void tagFollowedBySeveralBlanksInTheTraditionalFormat() {
        QmailEvent e = ok(parser(), "Nov 24 20:06:39 mail qmail:  1795550799.534679 status: local 0/10 remote 0/20", null);
        assertEquals(EventType.STATUS, e.type);
        assertEquals(1795550799_534679000L, e.tsNanos);
    }

    // ---- RFC 3164 year: the line's own host decides

    @Test
    void rfc3164YearFollowsTheLinesOwnHost() {
        // one file, two hosts: "oldbox" was restored from a 2003 backup, "mail" logs in 2026
        QmailLineParser p = new QmailLineParser(cfg("UTC", "2026-11-25T00:00:00Z"));
        long old = nanos("2003-12-30T22:10:05Z");
        ok(p, "Dec 30 22:10:05 oldbox qmail: " + (old / 1_000_000_000L) + ".000000 status: local 0/10 remote 0/20", null);
        ok(p, "Nov 24 20:06:39 mail qmail: 1795550799.534679 status: local 0/10 remote 0/20", null);
        // consecutive unstamped lines of the two hosts take their own host's year
        QmailEvent a = ok(p, "Dec 30 22:10:06 oldbox tcpserver: status: 1/40", null);
        QmailEvent b = ok(p, "Nov 24 20:06:40 mail tcpserver: status: 1/40", null);
        QmailEvent c = ok(p, "Dec 30 22:10:07 oldbox qmail: end msg 77", null);
        assertEquals(nanos("2003-12-30T22:10:06Z"), a.tsNanos);
        assertEquals(nanos("2026-11-24T20:06:40Z"), b.tsNanos);
        assertEquals(nanos("2003-12-30T22:10:07Z"), c.tsNanos);
        assertEquals(old, p.lastStampNanos("oldbox"));
        assertEquals(1795550799_534679000L, p.lastStampNanos("mail"));
        // a host with no stamp yet uses the configured reference, not another host's stamp
        assertEquals(nanos("2026-03-01T10:00:00Z"), ok(p, "Mar  1 10:00:00 newbox tcpserver: status: 0/40", null).tsNanos);
    }

    @Test
    void yearArithmeticAtTheEdges() {
        java.time.ZoneId utc = java.time.ZoneId.of("UTC");
        long ref = java.time.Instant.parse("2027-01-02T00:00:00Z").toEpochMilli();
        assertEquals(nanos("2026-12-31T23:59:59Z"), SyslogYears.inferYear(12, 31, 23, 59, 59, ref, utc));
        assertEquals(nanos("2027-01-01T00:00:00Z"), SyslogYears.inferYear(1, 1, 0, 0, 0, ref, utc));
        assertEquals(SyslogYears.NONE, SyslogYears.inferYear(2, 29, 0, 0, 0, ref, utc)); // no leap year near 2027
        assertEquals(SyslogYears.NONE, SyslogYears.inferYear(4, 31, 0, 0, 0, ref, utc));
        assertEquals(nanos("2026-06-30T12:00:59Z"), SyslogYears.inferYear(6, 30, 12, 0, 60, ref, utc)); // leap second
    }

    // ---- one trailing-blank rule

    @Test
    void trailingBlanksAreIgnoredOnEveryLineType() {
        String stamp = "@400000006b05f03c39c3970c ";
        String[] lines = {
            "new msg 1459641",
            "info msg 1459641: bytes 261 from <alice@example.com> qp 15310 uid 1008",
            "starting delivery 18: msg 1459641 to local nosuchuser@example.com",
            "status: local 1/10 remote 0/20",
            "status: local 0/10 remote 0/20 exitasap",
            "status: exiting",
            "delivery 18: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/",
            "delivery 19: success: did_1+0+0/",
            "delivery 53: deferral: ",
            "bounce msg 1459641 qp 15313",
            "triple bounce: discarding bounce/1459650",
            "end msg 1459641",
            "warning: qmail-clean unable to clean up foop/1459641",
            "alert: oh no! lost spawn connection! dying...",
            "tcpserver: status: 1/40",
            "tcpserver: end 15285 status 0",
        };
        for (String text : lines) {
            QmailEvent clean = ok(stamp + text);
            for (String tail : new String[] {" ", "  ", "\t", " \t ", "\r", " \r"}) {
                QmailEvent e = ok(stamp + text + tail);
                assertTrue(clean.sameContent(e), () -> "'" + text + "' + " + tail.replace("\t", "\\t").replace("\r", "\\r") + ": " + e + " vs " + clean);
            }
            // the same through syslog
            QmailEvent sys = ok(parser(), "Nov 24 20:14:42 mail qmail: 1795551282.969301 " + text + "  ", null);
            assertTrue(ok(parser(), "Nov 24 20:14:42 mail qmail: 1795551282.969301 " + text, null).sameContent(sys), text);
        }
        assertEquals("did_1+0+0/", ok(stamp + "delivery 19: success: did_1+0+0/   ").text);
        assertEquals("", ok(stamp + "delivery 53: deferral:    ").text);
    }

    @Test
    void aLoneCarriageReturnInsideALineStaysInIt() {
        // the reader splits at \n only; a \r in a report is free text, not a line end
        QmailEvent e = ok("@400000006b05f03c39c3970c delivery 18: failure: line_one\rline_two/");
        assertEquals(EventType.DELIVERY_RESULT, e.type);
        assertEquals("line_one\rline_two/", e.text);
        // a \r in a fixed field is still a malformed field, named as a control character
        DeadLetter d = dead("@400000006b05f03c39c3970c new msg 14596\r41");
        assertEquals(DeadLetterReason.BINARY, d.reason);
        assertTrue(d.detail.contains("0x0d"), d.detail);
    }

    // ---- indimail (multi-queue qmail-send): the " queueN" suffix and its extra lines

    /** An indimail delivery log as tai64nlocal prints it (svc/deliver.25/current). */
    static final List<String> INDIMAIL = List.of(
            "2026-06-25 07:50:42.582514500 qmail-daemon: qStart/qCount 1/5",
            "2026-06-25 07:50:42.585980500 qmail-daemon: pid 187, queue /var/indimail/queue/queue1 started",
            "2026-06-25 07:50:42.855081500 status: local 0/10 remote 0/20 queue2",
            "2026-06-25 07:50:42.860865500 status: local 0/10 remote 0/20 queue5",
            "2026-06-25 08:00:09.681525500 new msg 100926020 queue5",
            "2026-06-25 08:00:09.681533500 info msg 100926020: bytes 814 from <root@mx1.example.org> qp 555 uid 0 queue5",
            "2026-06-25 08:00:09.682393500 local: root@mx1.example.org postmaster@example.com 814 queue5",
            "2026-06-25 08:00:09.682401500 starting delivery 1: msg 100926020 to local example.com-postmaster@example.com queue5",
            "2026-06-25 08:00:09.682407500 status: local 1/10 remote 0/20 queue5",
            "2026-06-25 08:00:09.713833500 delivery 1: success: did_0+0+1/ queue5",
            "2026-06-25 08:00:09.718460500 status: local 0/10 remote 0/20 queue5",
            "2026-06-25 08:00:09.718523500 end msg 100926020 queue5");

    @Test
    void indimailQueueSuffixIsAFieldNeverPartOfAnAddressOrReport() {
        QmailLineParser p = parser();
        List<QmailEvent> ev = new ArrayList<>();
        for (String l : INDIMAIL) ev.add(ok(p, l, "mx1"));
        assertEquals(EventType.OTHER_PROGRAM, ev.get(0).type);
        assertEquals("qmail-daemon", ev.get(0).program);
        assertEquals("qStart/qCount 1/5", ev.get(0).text);
        assertEquals("pid 187, queue /var/indimail/queue/queue1 started", ev.get(1).text);
        assertEquals(EventType.STATUS, ev.get(2).type);
        assertEquals("queue2", ev.get(2).queue);
        assertEquals(20, ev.get(2).remoteMax);
        QmailEvent nw = ev.get(4);
        assertEquals(EventType.NEW_MSG, nw.type);
        assertEquals(100926020, nw.msgId);
        assertEquals("queue5", nw.queue);
        QmailEvent info = ev.get(5);
        assertEquals("root@mx1.example.org", info.address);
        assertEquals(555, info.qp);
        assertEquals(0, info.uid);
        QmailEvent local = ev.get(6);
        assertEquals(EventType.LOCAL_ENVELOPE, local.type);
        assertEquals("root@mx1.example.org", local.text);
        assertEquals("postmaster@example.com", local.address);
        assertEquals(814, local.bytes);
        assertEquals("queue5", local.queue);
        QmailEvent start = ev.get(7);
        assertEquals("example.com-postmaster@example.com", start.address);
        assertEquals("postmaster@example.com", start.mailbox);
        assertEquals("local", start.channel);
        QmailEvent result = ev.get(9);
        assertEquals(Outcome.SUCCESS, result.outcome);
        assertEquals("did_0+0+1/", result.text);
        assertEquals("queue5", result.queue);
        assertEquals(EventType.END_MSG, ev.get(11).type);
        for (QmailEvent e : ev) assertEquals(nanos("2026-06-25T00:00:00Z") / 86_400_000_000_000L, e.tsNanos / 86_400_000_000_000L);
    }

    @Test
    void indimailRemoteDeliveryAndEmptyReportWithTheSuffix() {
        String stamp = "@400000006b05f03c39c3970c ";
        QmailEvent s = ok(stamp + "starting delivery 3: msg 100926021 to remote bob@example.net queue2");
        assertEquals("bob@example.net", s.address);
        assertEquals("bob@example.net", s.mailbox == null ? "bob@example.net" : s.mailbox);
        assertEquals("queue2", s.queue);
        QmailEvent d = ok(stamp + "delivery 3: deferral: Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/ queue2");
        assertEquals("Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/", d.text);
        assertEquals("", ok(stamp + "delivery 4: deferral:  queue2").text);
        assertEquals(15313, ok(stamp + "bounce msg 100926021 qp 15313 queue2").qp);
        QmailEvent w = ok(stamp + "warning: unable to unlink bounce/100926021 queue2");
        assertEquals("unable to unlink bounce/100926021", w.text);
        assertEquals(100926021, w.msgId);
        assertEquals("", ok(stamp + "local:  postmaster@example.com 1024 queue1").text); // a bounce: empty sender
        // a suffix is only " queue<digits>" at the very end: nothing else is taken off an address
        QmailEvent odd = ok(stamp + "starting delivery 5: msg 7 to local queue5@example.com");
        assertEquals("queue5@example.com", odd.address);
        assertNull(odd.queue);
        // a malformed indimail line names what is wrong instead of a wrong field
        DeadLetter bad = dead(stamp + "new msg abc queue5");
        assertEquals(DeadLetterReason.TRUNCATED, bad.reason);
        assertTrue(bad.detail.contains("message id"), bad.detail);
        assertEquals(DeadLetterReason.TRUNCATED, dead(stamp + "local: root@example.com 814 queue5").reason);
    }

    // ---- s/qmail and Plesk

    @Test
    void sqmailWarnIsAWarning() {
        QmailEvent w = ok("@400000006b05f03c39c3970c warn: unable to stat mess/17/1459641; will try again later");
        assertEquals(EventType.WARNING, w.type);
        assertEquals("unable to stat mess/17/1459641; will try again later", w.text);
        assertEquals(1459641, w.msgId);
        QmailEvent s = ok(parser(), "Nov 24 20:14:42 mail qmail: 1795551282.969301 warn: trouble in select", null);
        assertEquals(EventType.WARNING, s.type);
        assertEquals("trouble in select", s.text);
    }

    @Test
    void pleskMailHandlerLinesAreOtherProgramEvents() {
        QmailLineParser p = new QmailLineParser(cfg("UTC", "2020-06-11T00:00:00Z"));
        QmailEvent start = ok(p, "Jun 10 20:42:51 web12 qmail: 1591785771.138809 starting delivery 293: msg 76424444 to remote paul@example.com.au", null);
        assertEquals(EventType.START_DELIVERY, start.type);
        QmailEvent from = ok(p, "Jun 10 20:42:51 web12 qmail-remote-handlers[3882]: from=sales@example.com", null);
        assertEquals(EventType.OTHER_PROGRAM, from.type);
        assertEquals("qmail-remote-handlers", from.program);
        assertEquals(3882, from.pid);
        assertEquals("from=sales@example.com", from.text);
        assertEquals(nanos("2020-06-10T20:42:51Z"), from.tsNanos); // year from web12's own stamp
        QmailEvent to = ok(p, "Jun 10 20:42:51 web12 qmail-remote-handlers[3882]: to=paul@example.com.au", null);
        assertEquals("to=paul@example.com.au", to.text);
        QmailEvent local = ok(p, "Jun 10 20:42:52 web12 qmail-local-handlers[15669]: Handlers Filter before-local for qmail started ...", null);
        assertEquals("qmail-local-handlers", local.program);
        assertEquals(15669, local.pid);
        QmailEvent queue = ok(p, "Jun 10 20:42:50 web12 qmail-queue-handlers[15660]: Handlers Filter before-queue for qmail started ...", null);
        assertEquals("qmail-queue-handlers", queue.program);
        // the same lines without a syslog header (multilog or a plain copy)
        QmailEvent plain = ok("@400000006b05f03c39c3970c qmail-remote-handlers[15670]: Handlers Filter before-remote for qmail started ...");
        assertEquals("qmail-remote-handlers", plain.program);
        assertEquals(15670, plain.pid);
        assertEquals("Handlers Filter before-remote for qmail started ...", plain.text);
    }

    // ---- grep over multilog files

    @Test
    void grepFilePrefixBeforeAMultilogLabel() {
        QmailEvent a = ok("current:@400000006b05ee591fde16b4 status: local 0/10 remote 0/20");
        assertEquals(EventType.STATUS, a.type);
        assertEquals(1795550799_534648500L, a.tsNanos);
        assertEquals(LogFormat.MULTILOG, a.format);
        QmailEvent b = ok("/var/log/qmail/@400000006b05f0841dc0999c.s:@400000006b05ee591fde16b4 new msg 1459593");
        assertEquals(1459593, b.msgId);
        QmailEvent c = ok("/var/log/qmail/current:4711:@400000006b05ee591fde16b4 end msg 1459593"); // grep -n
        assertEquals(EventType.END_MSG, c.type);
        QmailEvent multi = ok("mx1/current:@400000006b05ee591fde16b4 starting delivery 3: msg 1459593 to local bob@example.com");
        assertEquals("bob@example.com", multi.address);
        // no prefix with a blank in it, and no prefix before a bad label: the line is not read as multilog
        assertEquals(DeadLetterReason.UNRECOGNISED, dead("my logs/current:@400000006b05ee591fde16b4 new msg 1").reason);
        assertEquals(DeadLetterReason.UNRECOGNISED, dead("current:@40000000zb05ee591fde16b4 new msg 1").reason);
    }

    // ---- virtual domains

    @Test
    void mailboxOfVirtualDomainRecipients() {
        assertEquals("export@example.org", Mailbox.of("example.org-export@example.org"));
        assertEquals("Export@Example.ORG", Mailbox.of("example.org-Export@Example.ORG")); // case as logged
        assertEquals("a-b@example.org", Mailbox.of("example.org-a-b@example.org"));
        assertEquals("alice-info@virt.example.com", Mailbox.of("alice-info@virt.example.com")); // other prefixes stay
        assertEquals("bob@example.com", Mailbox.of("bob@example.com"));
        assertEquals("example.org-@example.org", Mailbox.of("example.org-@example.org")); // nothing after the prefix
        assertEquals("example.orgexport@example.org", Mailbox.of("example.orgexport@example.org"));
        assertEquals("bob", Mailbox.of("bob"));
        assertEquals("example.org-x@example.org", Mailbox.of("example.org-x@example.org", "remote"));
        assertEquals("x@example.org", Mailbox.of("example.org-x@example.org", "local"));
        assertNull(Mailbox.of(null));
        QmailEvent e = ok("@400000006b05f03c39c3970c starting delivery 41: msg 1459700 to local example.org-export@example.org");
        assertEquals("example.org-export@example.org", e.address);
        assertEquals("export@example.org", e.mailbox);
    }
}
