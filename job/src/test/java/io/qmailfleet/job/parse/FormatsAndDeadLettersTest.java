package io.qmailfleet.job.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Timestamp prefixes, year inference, splogger splits, JSON envelopes and every dead-letter reason. */
class FormatsAndDeadLettersTest {
    static final long STAMP_NS = 1795550799_534679000L; // 2026-11-24T20:06:39.534679Z

    static ParserConfig cfg(String zone, String yearRef) {
        ParserConfig c = new ParserConfig();
        c.zone = zone;
        if (yearRef != null) c.yearReferenceMillis = Instant.parse(yearRef).toEpochMilli();
        return c;
    }

    static QmailEvent ok(QmailLineParser p, String text, String host) {
        ParseOutcome o = p.parse(new RawLine(text, host, "kafka:t/0", 42));
        assertNull(o.deadLetter, () -> "dead letter " + o.deadLetter + " for " + text);
        assertNotNull(o.event);
        return o.event;
    }

    static QmailEvent ok(String text) {
        return ok(new QmailLineParser(new ParserConfig()), text, "transport");
    }

    static DeadLetter dead(QmailLineParser p, String text, String host) {
        ParseOutcome o = p.parse(new RawLine(text, host, "kafka:t/0", 42));
        assertNull(o.event, () -> "expected a dead letter for " + text + ", got " + o.event);
        assertNotNull(o.deadLetter);
        assertEquals("kafka:t/0", o.deadLetter.origin);
        return o.deadLetter;
    }

    static DeadLetter dead(String text) {
        return dead(new QmailLineParser(new ParserConfig()), text, "transport");
    }

    static long nanos(String iso) {
        Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    // ---- multilog

    @Test
    void multilogUpperCaseHex() {
        QmailEvent e = ok("@400000006B05EE591FDE16B4 status: exiting");
        assertEquals(1795550799_534648500L, e.tsNanos);
        assertEquals(LogFormat.MULTILOG, e.format);
        assertEquals("transport", e.host);
    }

    @Test
    void multilogBadStamps() {
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("@40000000zb05ee591fde16b4 new msg 1").reason);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("@4000 new msg 1").reason);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("@400000006b05ee59ffffffff new msg 1").reason);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("@f00000006b05ee5900000000 new msg 1").reason);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("@400000006b05ee591fde16b4new msg 1").reason);
        assertEquals(DeadLetterReason.TRUNCATED, dead("@400000006b05ee591fde16b4").reason);
    }

    // ---- RFC 3164 / splogger

    @Test
    void rfc3164WithPriorityPidAndPaddedDay() {
        QmailEvent e = ok("<22>Nov 24 20:06:39 mail qmail: 1795550799.534679 status: exiting");
        assertEquals(EventType.STATUS_EXITING, e.type);
        assertEquals(STAMP_NS, e.tsNanos);
        assertEquals("mail", e.host);
        assertEquals(LogFormat.SYSLOG_RFC3164, e.format);
        assertEquals("kafka:t/0", e.origin);
        assertEquals(42, e.position);
        QmailEvent p = ok("Nov  4 20:06:39 mx9 qmail[4711]: 1795550799.534679 new msg 77");
        assertEquals("mx9", p.host);
        assertEquals(77, p.msgId);
    }

    @Test
    void sploggerSplitHeadContinuationAndJoin() {
        QmailLineParser p = new QmailLineParser(new ParserConfig());
        String first = "delivery 33: failure: " + "X".repeat(799 - 22);
        assertEquals(799, first.length());
        QmailEvent head = ok(p, "Nov 24 20:14:42 mail qmail: 1795551282.969301 " + first, null);
        assertEquals(EventType.SPLIT_HEAD, head.type);
        assertEquals(first, head.raw);
        assertEquals("mail", head.host);
        assertEquals(1795551282_969301000L, head.tsNanos);
        QmailEvent cont = ok(p, "Nov 24 20:14:42 mail qmail: 1795551282.969301+XXXX/", null);
        assertEquals(EventType.CONTINUATION, cont.type);
        assertEquals("XXXX/", cont.raw);
        assertEquals(head.tsNanos, cont.tsNanos);
        head.raw = head.raw + cont.raw;
        ParseOutcome j = p.parseJoined(head);
        assertNull(j.deadLetter);
        assertEquals(EventType.DELIVERY_RESULT, j.event.type);
        assertEquals(Outcome.FAILURE, j.event.outcome);
        assertEquals(33, j.event.deliveryId);
        assertEquals("X".repeat(777) + "XXXX/", j.event.text);
        assertEquals("mail", j.event.host);
        assertEquals(head.tsNanos, j.event.tsNanos);
        assertEquals(LogFormat.SYSLOG_RFC3164, j.event.format);
        // one character shorter: not a split candidate, parsed at once
        QmailEvent whole = ok(p, "Nov 24 20:14:42 mail qmail: 1795551282.969301 " + first.substring(0, 798), null);
        assertEquals(EventType.DELIVERY_RESULT, whole.type);
        // a joined text that is no qmail line: dead letter with the head's time and host
        QmailEvent bad = head.copy();
        bad.raw = "garbage";
        DeadLetter d = p.parseJoined(bad).deadLetter;
        assertEquals(DeadLetterReason.UNRECOGNISED, d.reason);
        assertEquals(head.tsNanos, d.tsNanos);
        assertEquals("mail", d.host);
        assertEquals(DeadLetterReason.EMPTY, p.parseJoined(null).deadLetter.reason);
    }

    @Test
    void bareSploggerAndEpoch() {
        QmailEvent s = ok("1795550799.534679 new msg 5");
        assertEquals(LogFormat.SPLOGGER, s.format);
        assertEquals(STAMP_NS, s.tsNanos);
        QmailEvent e = ok("1795550799.534648500 new msg 5");
        assertEquals(LogFormat.EPOCH, e.format);
        assertEquals(1795550799_534648500L, e.tsNanos);
        QmailEvent f = ok("1795550799.5 end msg 5");
        assertEquals(LogFormat.EPOCH, f.format);
        assertEquals(1795550799_500000000L, f.tsNanos);
        assertEquals(1795550799_123456789L, ok("1795550799.1234567891234 end msg 5").tsNanos);
        QmailEvent c = ok("1795550799.534679+rest_of_line/");
        assertEquals(EventType.CONTINUATION, c.type);
        assertEquals("rest_of_line/", c.raw);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("1795550799.534648500+rest").reason);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("1795550799 new msg 5").reason);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("99999999999999999999.5 new msg 5").reason);
    }

    @Test
    void qmailTagWithoutStampUsesSyslogDate() {
        QmailLineParser p = new QmailLineParser(cfg("UTC", "2026-11-25T00:00:00Z"));
        QmailEvent e = ok(p, "Nov 24 20:06:39 mail qmail: new msg 5", null);
        assertEquals(EventType.NEW_MSG, e.type);
        assertEquals(nanos("2026-11-24T20:06:39Z"), e.tsNanos);
        assertEquals(LogFormat.SYSLOG_RFC3164, e.format);
    }

    @Test
    void yearInferenceDecemberLineReadInJanuary() {
        QmailLineParser p = new QmailLineParser(cfg("UTC", "2027-01-02T00:00:00Z"));
        assertEquals(nanos("2026-12-31T23:59:59Z"), ok(p, "Dec 31 23:59:59 mail qmail: end msg 1", null).tsNanos);
        assertEquals(nanos("2027-01-01T00:00:01Z"), ok(p, "Jan  1 00:00:01 mail qmail: end msg 1", null).tsNanos);
    }

    @Test
    void yearInferenceJanuaryLineReadOnDecember31() {
        QmailLineParser p = new QmailLineParser(cfg("UTC", "2026-12-31T12:00:00Z"));
        assertEquals(nanos("2027-01-01T00:00:05Z"), ok(p, "Jan  1 00:00:05 mail qmail: end msg 1", null).tsNanos);
        assertEquals(nanos("2026-12-31T11:00:00Z"), ok(p, "Dec 31 11:00:00 mail qmail: end msg 1", null).tsNanos);
        // just over a month ahead of the reference is read as last year
        assertEquals(nanos("2026-02-01T00:00:01Z"), ok(p, "Feb  1 00:00:01 mail qmail: end msg 1", null).tsNanos);
    }

    @Test
    void yearInferenceFollowsTheLastSploggerStamp() {
        // the configured reference is far away; the stamps decide
        QmailLineParser p = new QmailLineParser(cfg("UTC", "2020-06-01T00:00:00Z"));
        ok(p, "Jan  1 00:00:02 mail qmail: 1798761602.000000 status: exiting", null); // 2027-01-01T00:00:02Z
        assertEquals(nanos("2026-12-31T23:59:58Z"), ok(p, "Dec 31 23:59:58 mail qmail: end msg 1", null).tsNanos);
        ok(p, "Dec 31 23:59:58 mail qmail: 1798761598.000000 status: exiting", null); // 2026-12-31T23:59:58Z
        assertEquals(nanos("2027-01-01T00:00:03Z"), ok(p, "Jan  1 00:00:03 mail qmail: end msg 2", null).tsNanos);
        assertEquals(1798761598_000000000L, p.lastStampNanos("mail"));
    }

    @Test
    void yearInferenceUsesTheZoneAndRejectsImpossibleLeapDays() {
        QmailLineParser p = new QmailLineParser(cfg("Europe/Berlin", "2026-11-25T00:00:00Z"));
        assertEquals(nanos("2026-11-24T20:06:39Z"), ok(p, "Nov 24 21:06:39 mail qmail: new msg 5", null).tsNanos);
        QmailLineParser q = new QmailLineParser(cfg("UTC", "2027-03-01T00:00:00Z"));
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead(q, "Feb 29 10:00:00 mail qmail: new msg 5", null).reason);
        QmailLineParser r = new QmailLineParser(cfg("UTC", "2028-03-01T00:00:00Z"));
        assertEquals(nanos("2028-02-29T10:00:00Z"), ok(r, "Feb 29 10:00:00 mail qmail: new msg 5", null).tsNanos);
    }

    @Test
    void otherSyslogTags() {
        DeadLetter d = dead("Nov 24 20:14:42 mail postfix/smtpd[12]: connect from x[1.2.3.4]");
        assertEquals(DeadLetterReason.UNRECOGNISED, d.reason);
        assertTrue(d.detail.contains("postfix/smtpd"), d.detail);
        assertEquals("mail", d.host);
        QmailLineParser p = new QmailLineParser(cfg("UTC", "2026-11-25T00:00:00Z"));
        QmailEvent s = ok(p, "Nov 24 20:14:42 mail spamdyke[123]: ALLOWED from: a@b to: c@d", null);
        assertEquals(EventType.OTHER_PROGRAM, s.type);
        assertEquals("spamdyke", s.program);
        assertEquals(123, s.pid);
        assertEquals("ALLOWED from: a@b to: c@d", s.text);
        assertEquals(nanos("2026-11-24T20:14:42Z"), s.tsNanos);
        QmailEvent t = ok(p, "Nov 24 20:14:42 mail tcpserver: pid 5 from 1.2.3.4", null);
        assertEquals(EventType.TCP_PID, t.type);
        assertEquals(5, t.pid);
        QmailEvent q = ok(p, "Nov 24 20:14:42 mail qmail-smtpd[77]: blocked rcpt", null);
        assertEquals("qmail-smtpd", q.program);
        assertEquals(77, q.pid);
        QmailEvent si = ok(p, "Nov 24 20:14:42 mail simscan[9]: CLEAN (0.00/5.00)", null);
        assertEquals("simscan", si.program);
        // splogger run with another ident: the stamp marks it as splogger output
        QmailEvent sp = ok(p, "Nov 24 20:14:42 mail smtpd: 1795551282.969301 tcpserver: status: 1/40", null);
        assertEquals(EventType.TCP_STATUS, sp.type);
        assertEquals(1795551282_969301000L, sp.tsNanos);
        assertEquals(DeadLetterReason.UNRECOGNISED, dead("Nov 24 20:14:42 mail kernel something happened").reason);
    }

    // ---- RFC 5424 / ISO

    @Test
    void rfc5424() {
        QmailEvent e = ok("<22>1 2026-11-24T20:06:39.534679+00:00 mail qmail 123 - - 1795550799.534679 status: local 0/10 remote 0/20");
        assertEquals(EventType.STATUS, e.type);
        assertEquals(LogFormat.SYSLOG_RFC5424, e.format);
        assertEquals(STAMP_NS, e.tsNanos);
        assertEquals("mail", e.host);
        QmailEvent n = ok("<22>1 2026-11-24T21:06:39.5+01:00 - qmail - ID7 [meta a=\"x]y\" b=\"q\\\"\"][two] \uFEFFnew msg 5");
        assertEquals(EventType.NEW_MSG, n.type);
        assertEquals(nanos("2026-11-24T20:06:39.5Z"), n.tsNanos);
        assertEquals("transport", n.host, "nil host: the transport host");
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("<22>1 - mail qmail - - - new msg 5").reason);
        assertEquals(STAMP_NS, ok("<22>1 - mail qmail - - - 1795550799.534679 new msg 5").tsNanos);
        assertEquals(DeadLetterReason.TRUNCATED, dead("<22>1 2026-11-24T20:06:39Z mail qmail").reason);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("<22>1 2026-13-24T20:06:39Z mail qmail - - - new msg 5").reason);
    }

    @Test
    void rsyslogIsoPrefix() {
        QmailEvent e = ok("2026-11-24T20:06:39.534679+00:00 mail qmail: 1795550799.534679 new msg 5");
        assertEquals(LogFormat.SYSLOG_RFC5424, e.format);
        assertEquals(STAMP_NS, e.tsNanos);
        assertEquals("mail", e.host);
        QmailEvent n = ok("2026-11-24T15:06:39.25-05:00 mx qmail: end msg 5");
        assertEquals(nanos("2026-11-24T20:06:39.25Z"), n.tsNanos);
        assertEquals("mx", n.host);
    }

    @Test
    void tai64nlocal() {
        QmailEvent e = ok("2026-11-24 20:06:39.534648500 status: local 0/10 remote 0/20");
        assertEquals(LogFormat.TAI64NLOCAL, e.format);
        assertEquals(1795550799_534648500L, e.tsNanos);
        QmailLineParser berlin = new QmailLineParser(cfg("Europe/Berlin", null));
        assertEquals(1795550799_534648500L, ok(berlin, "2026-11-24 21:06:39.534648500 status: exiting", "h").tsNanos);
        // summer time in the same zone
        assertEquals(nanos("2026-07-01T10:00:00Z"), ok(berlin, "2026-07-01 12:00:00.000000000 status: exiting", "h").tsNanos);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("2026-02-30 20:06:39.534648500 status: exiting").reason);
    }

    // ---- envelopes

    @Test
    void filebeatLikeEnvelope() {
        String json = "{\"@timestamp\":\"2026-11-24T20:06:40.000Z\",\"message\":\"@400000006b05ee591fde16b4 status: exiting\","
                + "\"host\":{\"name\":\"mx7\",\"hostname\":\"other\"},\"log\":{\"file\":{\"path\":\"/var/log/qmail/current\"},\"offset\":1234}}";
        QmailEvent e = ok(new QmailLineParser(new ParserConfig()), json, "kafka-key");
        assertEquals(EventType.STATUS_EXITING, e.type);
        assertEquals("mx7", e.host);
        assertEquals(1795550799_534648500L, e.tsNanos, "the line's own stamp wins over the envelope's");
        assertEquals(LogFormat.MULTILOG, e.format);
        assertEquals("file:/var/log/qmail/current", e.origin);
        assertEquals(1234, e.position);
    }

    @Test
    void plainEnvelopeWithEnvelopeTime() {
        QmailEvent e = ok(new QmailLineParser(new ParserConfig()), "{\"host\":\"mx2\",\"message\":\"new msg 5\",\"timestamp\":1795550799.5}", null);
        assertEquals("mx2", e.host);
        assertEquals(5, e.msgId);
        assertEquals(1795550799_500000000L, e.tsNanos);
        assertEquals(LogFormat.ENVELOPE, e.format);
        assertEquals(1795550799_500000000L,
                ok(new QmailLineParser(new ParserConfig()), "{\"hostname\":\"d\",\"line\":\"new msg 5\",\"timestamp\":1795550799500}", null).tsNanos);
        QmailEvent iso = ok(new QmailLineParser(new ParserConfig()),
                "{\"host\":\"mx2\",\"log\":\"end msg 5\\n\",\"@timestamp\":\"2026-11-24T20:06:39.534679Z\",\"file\":\"/a\",\"offset\":3}", null);
        assertEquals(STAMP_NS, iso.tsNanos);
        assertEquals("file:/a", iso.origin);
        assertEquals(3, iso.position);
    }

    @Test
    void envelopeHostPrecedence() {
        // syslog host field > envelope host > transport host
        QmailEvent s = ok(new QmailLineParser(new ParserConfig()),
                "{\"host\":\"env\",\"message\":\"Nov 24 20:06:39 sys qmail: 1795550799.534679 end msg 1\"}", "key");
        assertEquals("sys", s.host);
        QmailEvent m = ok(new QmailLineParser(new ParserConfig()), "{\"message\":\"@400000006b05ee591fde16b4 end msg 1\"}", "key");
        assertEquals("key", m.host);
    }

    @Test
    void envelopeFailures() {
        QmailLineParser p = new QmailLineParser(new ParserConfig());
        DeadLetter noHost = dead(p, "{\"message\":\"@400000006b05ee591fde16b4 end msg 1\"}", null);
        assertEquals(DeadLetterReason.NO_HOST, noHost.reason);
        assertEquals(1795550799_534648500L, noHost.tsNanos);
        assertEquals(DeadLetterReason.BAD_ENVELOPE, dead(p, "{\"message\": ", "h").reason);
        assertEquals(DeadLetterReason.BAD_ENVELOPE, dead(p, "{\"message\": \"new msg 1\"} trailing", "h").reason);
        assertEquals(DeadLetterReason.BAD_ENVELOPE, dead(p, "{\"host\":\"x\"}", "h").reason);
        assertEquals(DeadLetterReason.BAD_ENVELOPE, dead(p, "{\"message\":12}", "h").reason);
        assertEquals(DeadLetterReason.BAD_ENVELOPE, dead(p, "{\"message\":\"{\\\"message\\\":\\\"x\\\"}\"}", "h").reason);
        assertEquals(DeadLetterReason.BAD_ENVELOPE, dead(p, "{" + "[".repeat(5000), "h").reason);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead(p, "{\"host\":\"h\",\"message\":\"new msg 5\"}", null).reason);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead(p, "{\"host\":\"h\",\"message\":\"new msg 5\",\"timestamp\":\"yesterday\"}", null).reason);
        DeadLetter inner = dead(p, "{\"host\":\"h\",\"message\":\"@400000006b05ee591fde16b4 info msg 12: bytes\"}", null);
        assertEquals(DeadLetterReason.TRUNCATED, inner.reason);
        assertEquals("h", inner.host);
        assertTrue(inner.raw.startsWith("{"), "the dead letter keeps the whole envelope");
    }

    // ---- dead-letter reasons

    @Test
    void emptyAndBlank() {
        assertEquals(DeadLetterReason.EMPTY, dead("").reason);
        assertEquals(DeadLetterReason.EMPTY, dead("   \t ").reason);
        assertEquals(DeadLetterReason.EMPTY, dead("\r\n").reason);
        ParseOutcome o = new QmailLineParser(new ParserConfig()).parse(new RawLine(null, "h", "o", 1));
        assertEquals(DeadLetterReason.EMPTY, o.deadLetter.reason);
        assertEquals(DeadLetterReason.EMPTY, new QmailLineParser(new ParserConfig()).parse(null).deadLetter.reason);
    }

    @Test
    void oneMegabyteLineIsTooLong() {
        String big = "@400000006b05ee591fde16b4 delivery 1: failure: " + "X".repeat(1 << 20);
        long t0 = System.nanoTime();
        DeadLetter d = dead(big);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(DeadLetterReason.TOO_LONG, d.reason);
        assertEquals(big.length(), d.rawLength);
        assertTrue(d.truncated);
        assertEquals(DeadLetter.MAX_RAW_CHARS, d.raw.length());
        assertTrue(ms < 1000, "took " + ms + " ms");
        // a 10 kB report (qmail-send's cap) is within the default maximum
        assertEquals(EventType.DELIVERY_RESULT, ok("@400000006b05ee591fde16b4 delivery 1: failure: " + "X".repeat(10000)).type);
    }

    @Test
    void binaryLines() {
        assertEquals(DeadLetterReason.BINARY, dead("\u0000\u0001\u0002garbage").reason);
        assertEquals(DeadLetterReason.BINARY, dead("@400000006b05ee591fde16b4 new msg \u00005").reason);
        byte[] bytes = {'n', 'e', 'w', ' ', (byte) 0xff, (byte) 0xfe, ' ', 'x'};
        String decoded = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(decoded.indexOf('\uFFFD') >= 0);
        DeadLetter d = dead("@400000006b05ee591fde16b4 " + decoded);
        assertEquals(DeadLetterReason.BINARY, d.reason);
        assertTrue(d.detail.contains("U+FFFD"), d.detail);
        // free text may contain anything: the structure parses, so it is an event
        QmailEvent e = ok("@400000006b05ee591fde16b4 delivery 5: failure: a\u0001b\uFFFDc\u0000");
        assertEquals("a\u0001b\uFFFDc\u0000", e.text);
    }

    @Test
    void noHost() {
        DeadLetter d = dead(new QmailLineParser(new ParserConfig()), "@400000006b05ee591fde16b4 new msg 5", null);
        assertEquals(DeadLetterReason.NO_HOST, d.reason);
        assertEquals(1795550799_534648500L, d.tsNanos);
        assertEquals(DeadLetterReason.NO_HOST, dead(new QmailLineParser(new ParserConfig()), "@400000006b05ee591fde16b4 new msg 5", "  ").reason);
    }

    @Test
    void crlfAndLeadingBlanksTolerated() {
        assertEquals(5, ok("@400000006b05ee591fde16b4 new msg 5\r\n").msgId);
        assertEquals(5, ok("  @400000006b05ee591fde16b4 new msg 5").msgId);
        // the trailing space of an empty report survives
        assertEquals("", ok("@400000006b05ee591fde16b4 delivery 53: deferral: \n").text);
    }

    @Test
    void unrecognised() {
        DeadLetter d = dead("just some text");
        assertEquals(DeadLetterReason.UNRECOGNISED, d.reason);
        assertEquals(DeadLetterReason.UNRECOGNISED, dead("<abc>Nov 24 x").reason);
        assertEquals(DeadLetterReason.BAD_TIMESTAMP, dead("<13>garbage").reason);
    }
}
