package io.qmailfleet.job.parse;

import io.qmailfleet.job.testutil.Capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property test: random byte strings, random token soups and random mutations of real lines never
 * make the parser throw, and every input gives exactly one of event / dead letter, well formed.
 */
class ParserFuzzTest {
    private static final long SEED = 20261124L;
    private static final String[] TOKENS = {"new msg ", "info msg ", ": bytes ", " from <", "> qp ", " uid ", "starting delivery ",
            ": msg ", " to local ", " to remote ", "delivery ", ": success: ", ": deferral: ", ": failure: ", "report mangled, will defer",
            "bounce msg ", " qp ", "triple bounce: discarding bounce/", "end msg ", "status: local ", " remote ", "/", " exitasap",
            "status: exiting", "warning: ", "alert: ", "tcpserver: ", "status: ", "pid ", "ok ", "deny ", "end ", " status ", "fatal: ",
            "CHKUSER ", "simscan:", "spamdyke[", "]: ", "rblsmtpd: ", "qmail-smtpd[", "qmail: ", "1795550799.534679 ", "1795550799.534679+",
            "@400000006b05ee591fde16b4 ", "Nov 24 20:06:39 mail ", "<22>", "1 ", "2026-11-24T20:06:39.534679+00:00 ", "2026-11-24 20:06:39.5 ",
            "{", "}", "\"message\":", "\"host\":", "\"", ",", "[", "]", "-", " ", "0", "7", "12345", "99999999999999999999", "\u0000",
            "\uFFFD", "\t", "did_0+1+0/qp_", "foop/", "info/5/"};

    private static void check(QmailLineParser p, RawLine l, Map<EventType, Integer> types, Map<DeadLetterReason, Integer> reasons) {
        ParseOutcome o;
        try {
            o = p.parse(l);
        } catch (Throwable t) {
            throw new AssertionError("parse threw on " + l, t);
        }
        assertNotNull(o);
        if ((o.event == null) == (o.deadLetter == null)) fail("not exactly one of event/dead letter for " + l);
        if (o.event != null) {
            QmailEvent e = o.event;
            assertNotNull(e.type);
            assertNotNull(e.format);
            assertNotNull(e.host);
            types.merge(e.type, 1, Integer::sum);
            if (e.type == EventType.SPLIT_HEAD) {
                ParseOutcome j = p.parseJoined(e);
                assertTrue(j.event == null ^ j.deadLetter == null);
            }
        } else {
            assertNotNull(o.deadLetter.reason);
            assertNotNull(o.deadLetter.detail);
            assertFalse(o.deadLetter.detail.startsWith(QmailLineParser.INTERNAL_ERROR), () -> o.deadLetter.detail + " for " + l);
            assertEquals("parse", o.deadLetter.stage);
            reasons.merge(o.deadLetter.reason, 1, Integer::sum);
        }
    }

    @Test
    void randomInputsNeverThrowAndGiveExactlyOneOutcome() {
        Random r = new Random(SEED);
        QmailLineParser p = new QmailLineParser(new ParserConfig());
        List<String> real = new ArrayList<>();
        for (RawLine l : Capture.multilog("mail")) real.add(l.text);
        for (RawLine l : Capture.syslog()) real.add(l.text);
        for (RawLine l : Capture.smtpd("mail")) real.add(l.text);
        real.add("{\"@timestamp\":\"2026-11-24T20:06:40Z\",\"message\":\"@400000006b05ee591fde16b4 status: exiting\",\"host\":{\"name\":\"mx7\"},"
                + "\"log\":{\"file\":{\"path\":\"/q/current\"},\"offset\":12}}");
        real.add("<22>1 2026-11-24T20:06:39.534679+00:00 mail qmail 123 - [a b=\"c\"] 1795550799.534679 new msg 5");
        real.add("2026-11-24 20:06:39.534648500 info msg 1: bytes 2 from <> qp 3 uid 4");
        real.add("Nov 24 20:06:39 mail spamdyke[1]: x");

        Map<EventType, Integer> types = new EnumMap<>(EventType.class);
        Map<DeadLetterReason, Integer> reasons = new EnumMap<>(DeadLetterReason.class);
        int cases = 0;
        // 1. random bytes decoded as UTF-8 (invalid sequences become U+FFFD)
        for (int i = 0; i < 50_000; i++, cases++) {
            byte[] b = new byte[r.nextInt(120)];
            r.nextBytes(b);
            if (r.nextBoolean()) for (int k = 0; k < b.length; k++) b[k] = (byte) (32 + (b[k] & 0x5f)); // mostly printable
            check(p, new RawLine(new String(b, StandardCharsets.UTF_8), r.nextBoolean() ? "h" : null, "fuzz", i), types, reasons);
        }
        // 2. token soups
        for (int i = 0; i < 50_000; i++, cases++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(14);
            for (int k = 0; k < n; k++) sb.append(TOKENS[r.nextInt(TOKENS.length)]);
            check(p, new RawLine(sb.toString(), r.nextInt(4) == 0 ? null : "h", "fuzz", i), types, reasons);
        }
        // 3. mutations of real lines
        for (int i = 0; i < 100_000; i++, cases++) {
            String s = real.get(r.nextInt(real.size()));
            int muts = 1 + r.nextInt(3);
            for (int m = 0; m < muts; m++) s = mutate(s, r);
            check(p, new RawLine(s, r.nextInt(4) == 0 ? null : "h", "fuzz", i), types, reasons);
        }
        assertEquals(200_000, cases);
        // the mix reaches both sides and many shapes
        assertTrue(types.size() >= 15, types::toString);
        assertTrue(reasons.size() >= 7, reasons::toString); // every parse reason but TOO_LONG
    }

    private static String mutate(String s, Random r) {
        if (s.isEmpty()) return TOKENS[r.nextInt(TOKENS.length)];
        int i = r.nextInt(s.length());
        switch (r.nextInt(8)) {
            case 0: return s.substring(0, i); // truncate
            case 1: return s.substring(0, i) + s.substring(Math.min(s.length(), i + 1 + r.nextInt(8))); // delete
            case 2: return s.substring(0, i) + (char) r.nextInt(0x10000) + s.substring(i + 1); // replace
            case 3: return s.substring(0, i) + TOKENS[r.nextInt(TOKENS.length)] + s.substring(i); // insert token
            case 4: return s.substring(0, i) + (char) ('0' + r.nextInt(10)) + s.substring(i); // insert digit
            case 5: return s.substring(0, i) + "9".repeat(1 + r.nextInt(25)) + s.substring(i); // big numbers
            case 6: { int j = i + r.nextInt(s.length() - i); return s + s.substring(i, j); } // duplicate
            default: return s.replace(' ', r.nextBoolean() ? '\t' : '_'); // blanks
        }
    }

    @Test
    void parserAndFunctionAreSerializable() throws Exception {
        QmailLineParser p = new QmailLineParser(new ParserConfig());
        p.parse(new RawLine("{\"host\":\"h\",\"message\":\"1795550799.534679 new msg 5\"}", null, "o", 1));
        QmailLineParser copy = roundTrip(p);
        QmailEvent e = copy.parse(new RawLine("{\"host\":\"h\",\"message\":\"1795550799.534679 new msg 6\"}", null, "o", 2)).event;
        assertEquals(6, e.msgId);
        assertEquals(1795550799_534679000L, copy.lastStampNanos("h"));
        assertNotNull(roundTrip(new ParseFunction(new ParserConfig())));
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T o) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bos)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
