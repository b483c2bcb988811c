package io.qmailfleet.job.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LogFormat;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** One test per line shape of log-format.md sections 1, 2, 4 and 5 (multilog prefix). */
class LineShapesTest {
    static final String STAMP = "@400000006b05f03c39c3970c ";
    static final long T = 1795551282_969119500L;

    static QmailEvent ev(String text) {
        ParseOutcome o = new QmailLineParser(new ParserConfig()).parse(new RawLine(STAMP + text, "mx1", "file:/x", 7));
        assertNull(o.deadLetter, () -> "dead letter: " + o.deadLetter);
        QmailEvent e = o.event;
        assertNotNull(e);
        assertEquals("mx1", e.host);
        assertEquals(T, e.tsNanos);
        assertEquals(LogFormat.MULTILOG, e.format);
        assertEquals("file:/x", e.origin);
        assertEquals(7, e.position);
        return e;
    }

    static DeadLetter dl(String text) {
        ParseOutcome o = new QmailLineParser(new ParserConfig()).parse(new RawLine(text, "mx1", "file:/x", 7));
        assertNull(o.event, () -> "expected a dead letter, got " + o.event);
        assertEquals("parse", o.deadLetter.stage);
        return o.deadLetter;
    }

    // ---- section 1

    @Test
    void newMsg() {
        QmailEvent e = ev("new msg 1459641");
        assertEquals(EventType.NEW_MSG, e.type);
        assertEquals(1459641, e.msgId);
    }

    @Test
    void infoMsg() {
        QmailEvent e = ev("info msg 1459641: bytes 261 from <alice@example.com> qp 15310 uid 1008");
        assertEquals(EventType.INFO_MSG, e.type);
        assertEquals(1459641, e.msgId);
        assertEquals(261, e.bytes);
        assertEquals("alice@example.com", e.address);
        assertEquals(15310, e.qp);
        assertEquals(1008, e.uid);
    }

    @Test
    void infoMsgEmptySenderAndDoubleBounce() {
        QmailEvent e = ev("info msg 1459645: bytes 804 from <> qp 15313 uid 1007");
        assertEquals("", e.address);
        assertEquals(15313, e.qp);
        QmailEvent d = ev("info msg 1459650: bytes 1200 from <#@[]> qp 18800 uid 1007");
        assertEquals("#@[]", d.address);
    }

    @Test
    void infoMsgLogsafeSenderKeptAsLogged() {
        assertEquals("odd_sender_x_@example.com", ev("info msg 1459620: bytes 233 from <odd_sender_x_@example.com> qp 18727 uid 0").address);
        // free text: '>' and even spaces in the sender (a patched qmail) do not break the structure
        QmailEvent e = ev("info msg 9: bytes 1 from <a>b c> qp 2 uid 3> qp 4 uid 5");
        assertEquals("a>b c> qp 2 uid 3", e.address);
        assertEquals(4, e.qp);
        assertEquals(5, e.uid);
    }

    @ParameterizedTest
    @CsvSource({"local,bob@mail.example.com", "remote,Mixed.Case+tag@Remote.Example.NET", "local,alice-info@virt.example.com",
            "remote,odd_rcpt_y_@remote.example.net"})
    void startingDelivery(String channel, String rcpt) {
        QmailEvent e = ev("starting delivery 18: msg 1459641 to " + channel + " " + rcpt);
        assertEquals(EventType.START_DELIVERY, e.type);
        assertEquals(18, e.deliveryId);
        assertEquals(1459641, e.msgId);
        assertEquals(channel, e.channel);
        assertEquals(rcpt, e.address);
    }

    @Test
    void deliverySuccess() {
        QmailEvent e = ev("delivery 5: success: 127.0.0.1_accepted_message./Remote_host_said:_250_2.0.0_Ok:_queued_as_S00002/");
        assertEquals(EventType.DELIVERY_RESULT, e.type);
        assertEquals(5, e.deliveryId);
        assertEquals(Outcome.SUCCESS, e.outcome);
        assertEquals("127.0.0.1_accepted_message./Remote_host_said:_250_2.0.0_Ok:_queued_as_S00002/", e.text);
        assertEquals(-1, e.qp);
        assertFalse(e.mangled);
    }

    @Test
    void deliverySuccessProgramOutputKept() {
        QmailEvent e = ev("delivery 12: success: line_one/line_two_with__spaces_tab/bell__and_high___byte/did_1+0+1/");
        assertEquals("line_one/line_two_with__spaces_tab/bell__and_high___byte/did_1+0+1/", e.text);
        assertEquals(-1, e.qp);
    }

    @Test
    void deliverySuccessForwardSetsQp() {
        QmailEvent e = ev("delivery 9: success: did_0+1+0/qp_15270/");
        assertEquals(Outcome.SUCCESS, e.outcome);
        assertEquals(15270, e.qp);
        assertEquals("did_0+1+0/qp_15270/", e.text);
        // a maildir delivery plus a forward from the same .qmail
        assertEquals(77, ev("delivery 10: success: did_1+1+0/qp_77/").qp);
        // not a forward status
        assertEquals(-1, ev("delivery 11: success: qp_5/did_1+0+0/").qp);
    }

    @Test
    void deliveryDeferralAndFailure() {
        QmailEvent z = ev("delivery 20: deferral: Unable_to_chdir_to_maildir._(#4.2.1)/");
        assertEquals(Outcome.DEFERRAL, z.outcome);
        assertEquals("Unable_to_chdir_to_maildir._(#4.2.1)/", z.text);
        QmailEvent d = ev("delivery 18: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/");
        assertEquals(Outcome.FAILURE, d.outcome);
        assertEquals("Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/", d.text);
    }

    @Test
    void deliveryEmptyReport() {
        QmailEvent e = ev("delivery 53: deferral: ");
        assertEquals(Outcome.DEFERRAL, e.outcome);
        assertEquals("", e.text);
        // a shipper that trims trailing blanks
        assertEquals("", ev("delivery 53: deferral:").text);
    }

    @Test
    void deliveryLifetimeFailure() {
        String txt = "Unable_to_chdir_to_maildir._(#4.2.1)/I'm_not_going_to_try_again;_this_message_has_been_in_the_queue_too_long./";
        QmailEvent e = ev("delivery 71: failure: " + txt);
        assertEquals(Outcome.FAILURE, e.outcome);
        assertEquals(txt, e.text);
        assertEquals("I'm_not_going_to_try_again;_this_message_has_been_in_the_queue_too_long./",
                ev("delivery 72: failure: I'm_not_going_to_try_again;_this_message_has_been_in_the_queue_too_long./").text);
    }

    @Test
    void deliveryReportMangled() {
        QmailEvent e = ev("delivery 3: report mangled, will defer");
        assertEquals(EventType.DELIVERY_RESULT, e.type);
        assertEquals(Outcome.DEFERRAL, e.outcome);
        assertTrue(e.mangled);
        assertEquals("", e.text);
        assertEquals(3, e.deliveryId);
    }

    @Test
    void bounceMsg() {
        QmailEvent e = ev("bounce msg 1459641 qp 15313");
        assertEquals(EventType.BOUNCE_MSG, e.type);
        assertEquals(1459641, e.msgId);
        assertEquals(15313, e.qp);
    }

    @Test
    void tripleBounce() {
        QmailEvent e = ev("triple bounce: discarding bounce/1459652");
        assertEquals(EventType.TRIPLE_BOUNCE, e.type);
        assertEquals(1459652, e.msgId);
    }

    @Test
    void endMsg() {
        QmailEvent e = ev("end msg 1459641");
        assertEquals(EventType.END_MSG, e.type);
        assertEquals(1459641, e.msgId);
    }

    // ---- section 2

    @Test
    void status() {
        QmailEvent e = ev("status: local 1/10 remote 0/20");
        assertEquals(EventType.STATUS, e.type);
        assertEquals(1, e.localUsed);
        assertEquals(10, e.localMax);
        assertEquals(0, e.remoteUsed);
        assertEquals(20, e.remoteMax);
        assertFalse(e.exitasap);
    }

    @Test
    void statusExitasap() {
        QmailEvent e = ev("status: local 1/10 remote 0/20 exitasap");
        assertEquals(EventType.STATUS, e.type);
        assertTrue(e.exitasap);
        assertEquals(1, e.localUsed);
    }

    @Test
    void statusExiting() {
        assertEquals(EventType.STATUS_EXITING, ev("status: exiting").type);
    }

    // ---- section 4: every warning and alert row

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "qmail-clean unable to clean up foop/1459641|1459641",
            "qmail-clean unable to clean up todo/1459641|1459641",
            "unable to stat info/5/1459641; will try again later|1459641",
            "unable to stat bounce/1459641|1459641",
            "unable to stat mess/5/1459641|1459641",
            "unable to utime remote/5/1459641; message will be retried too soon|1459641",
            "unable to unlink local/5/1459641; will try again later|1459641",
            "unable to unlink bounce/1459641|1459641",
            "unable to start qmail-queue, will try later|-1",
            "trouble injecting bounce message, will try later|-1",
            "trouble marking remote/12/1459641; message will be delivered twice!|1459641",
            "internal error: delivery report out of range|-1",
            "trouble reading local/3/77; will try again later|77",
            "unknown record type in remote/3/77!|77",
            "trouble opening local/3/77; will try again later|77",
            "unable to open todo/77|77",
            "unable to create info/3/77|77",
            "trouble reading todo/77|77",
            "trouble writing to info/3/77|77",
            "unknown record type in todo/77|77",
            "trouble fsyncing remote/3/77|77",
            "trouble in select|-1"})
    void warning(String text, long msgId) {
        QmailEvent e = ev("warning: " + text);
        assertEquals(EventType.WARNING, e.type);
        assertEquals(text, e.text);
        assertEquals(msgId, e.msgId);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "oh no! lost qmail-clean connection! dying...",
            "oh no! lost spawn connection! dying...",
            "unable to append to bounce message; HELP! sleeping...",
            "unable to reread control/locals",
            "unable to reread control/virtualdomains",
            "unable to reread controls: unable to switch to home directory",
            "unable to switch back to queue directory; HELP! sleeping...",
            "cannot start: unable to switch to home directory",
            "cannot start: unable to read controls",
            "cannot start: unable to switch to queue directory",
            "cannot start: unable to open mutex",
            "cannot start: qmail-send is already running",
            "cannot start: hath the daemon spawn no fire?",
            "out of memory, sleeping...",
            "unable to opendir mess/5, sleeping..."})
    void alert(String text) {
        QmailEvent e = ev("alert: " + text);
        assertEquals(EventType.ALERT, e.type);
        assertEquals(text, e.text);
    }

    // ---- section 5: tcpserver

    @Test
    void tcpserverStatus() {
        QmailEvent e = ev("tcpserver: status: 1/40");
        assertEquals(EventType.TCP_STATUS, e.type);
        assertEquals(1, e.count);
        assertEquals(40, e.limit);
    }

    @Test
    void tcpserverPid() {
        QmailEvent e = ev("tcpserver: pid 15285 from 127.0.0.1");
        assertEquals(EventType.TCP_PID, e.type);
        assertEquals(15285, e.pid);
        assertEquals("127.0.0.1", e.address);
    }

    @Test
    void tcpserverOkAndDeny() {
        QmailEvent ok = ev("tcpserver: ok 15285 mail.example.com:127.0.0.1:2500 :127.0.0.1::57821");
        assertEquals(EventType.TCP_OK, ok.type);
        assertEquals(15285, ok.pid);
        assertEquals("mail.example.com:127.0.0.1:2500", ok.text);
        assertEquals(":127.0.0.1::57821", ok.address);
        QmailEvent deny = ev("tcpserver: deny 15298 mail.example.com:127.0.0.1:2500 :127.0.0.3::46849");
        assertEquals(EventType.TCP_DENY, deny.type);
        assertEquals(":127.0.0.3::46849", deny.address);
    }

    @Test
    void tcpserverEnd() {
        QmailEvent e = ev("tcpserver: end 15298 status 25600");
        assertEquals(EventType.TCP_END, e.type);
        assertEquals(15298, e.pid);
        assertEquals(25600, e.count);
    }

    @Test
    void tcpserverWarningAndFatal() {
        QmailEvent w = ev("tcpserver: warning: dropping connection, unable to read tcp.smtp.cdb: file does not exist");
        assertEquals(EventType.TCP_WARNING, w.type);
        assertEquals("dropping connection, unable to read tcp.smtp.cdb: file does not exist", w.text);
        QmailEvent f = ev("tcpserver: fatal: unable to bind: address already used");
        assertEquals(EventType.TCP_FATAL, f.type);
        assertEquals("unable to bind: address already used", f.text);
    }

    // ---- companion programs

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "CHKUSER accepted rcpt: from <a@b.example::> remote <mx:unknown:1.2.3.4> rcpt <c@d.example> : found existing recipient|chkuser|-1|accepted rcpt: from <a@b.example::> remote <mx:unknown:1.2.3.4> rcpt <c@d.example> : found existing recipient",
            "simscan:[28345]:CLEAN (0.00/10.00):0.0231s:hi:1.2.3.4:a@b:c@d|simscan|-1|[28345]:CLEAN (0.00/10.00):0.0231s:hi:1.2.3.4:a@b:c@d",
            "spamdyke[1234]: DENIED_RBL_MATCH from: a@b to: c@d origin_ip: 1.2.3.4|spamdyke|1234|DENIED_RBL_MATCH from: a@b to: c@d origin_ip: 1.2.3.4",
            "rblsmtpd: 1.2.3.4 pid 555: 451 Blocked|rblsmtpd|-1|1.2.3.4 pid 555: 451 Blocked",
            "qmail-smtpd: mail from a@b rcpt c@d|qmail-smtpd|-1|mail from a@b rcpt c@d",
            "qmail-smtpd[4321]: RCPT TO rejected|qmail-smtpd|4321|RCPT TO rejected"})
    void otherPrograms(String line, String program, long pid, String text) {
        QmailEvent e = ev(line);
        assertEquals(EventType.OTHER_PROGRAM, e.type);
        assertEquals(program, e.program);
        assertEquals(pid, e.pid);
        assertEquals(text, e.text);
    }

    // ---- known shapes cut short or malformed

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "info msg 12: bytes",
            "info msg 12: bytes 5 from <a@b> qp 7",
            "info msg 12: bytes 5 from <a@b> uid 7",
            "new msg",
            "new msg x",
            "new msg 12 extra",
            "end msg ",
            "starting delivery 3: msg 4 to",
            "starting delivery 3: msg 4 to nowhere x",
            "delivery 3:",
            "delivery 3: succeeded",
            "delivery x: success: y",
            "bounce msg 5 qp",
            "triple bounce: discarding",
            "status: local 1/10 remote 0/",
            "status: local 1/10 remote 0/20 later",
            "tcpserver: end 12 status",
            "tcpserver: ok 12 onlylocal",
            "new msg 99999999999999999999",
            "info msg 1: bytes 18446744073709551616 from <> qp 1 uid 1",
            "status: local 3000000000/10 remote 0/20"})
    void truncatedOrMalformed(String text) {
        DeadLetter d = dl(STAMP + text);
        assertEquals(DeadLetterReason.TRUNCATED, d.reason, d.detail);
        assertEquals(T, d.tsNanos);
        assertEquals("mx1", d.host);
        assertEquals(STAMP + text, d.raw);
        assertEquals("file:/x", d.origin);
        assertEquals(7, d.position);
    }

    @Test
    void maxLongStillParses() {
        assertEquals(Long.MAX_VALUE, ev("new msg " + Long.MAX_VALUE).msgId);
        assertEquals(DeadLetterReason.TRUNCATED, dl(STAMP + "new msg 9223372036854775808").reason);
    }

    @Test
    void unknownTextIsUnrecognised() {
        DeadLetter d = dl(STAMP + "hello world");
        assertEquals(DeadLetterReason.UNRECOGNISED, d.reason);
        assertTrue(d.detail.contains("hello world"), d.detail);
        assertEquals(DeadLetterReason.UNRECOGNISED, dl(STAMP + "tcpserver: bogus 1").reason);
    }
}
