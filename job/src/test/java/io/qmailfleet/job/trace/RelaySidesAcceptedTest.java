package io.qmailfleet.job.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * {@link RelaySides#accepted} reads a remote report exactly as {@link RelaySides#QMAIL_ACCEPTED}
 * does: the same match or none, the same IP, {@code T} and {@code P}, on real report shapes and on
 * many random edits of them (digits added, removed or replaced, separators changed, cut short).
 */
class RelaySidesAcceptedTest {
    private static final List<String> REPORTS = List.of(
            "127.0.0.1_accepted_message./Remote_host_said:_250_ok_1764612345_qp_4242/",
            "192.168.10.7_accepted_message./Remote_host_said:_250_ok_1_qp_1/",
            "10.0.0.254_accepted_message./Remote_host_said:_250_ok_999999999999_qp_9999999999/",
            "203.0.113.9_accepted_message./Remote_host_said:_250_2.0.0_Ok:_queued_as_4F3B21A0C1/",
            "2001:db8::1_accepted_message./Remote_host_said:_250_ok_1764612345_qp_4242/",
            "127.0.0.1_accepted_message./Remote_host_said:_250_ok_1764612345_qp_4242",
            "1234.0.0.1_accepted_message./Remote_host_said:_250_ok_1764612345_qp_4242/",
            "127.0.0.1_accepted_message./Remote_host_said:_250_ok_1764612345123_qp_4242/",
            "127.0.0.1_accepted_message./Remote_host_said:_250_ok_1764612345_qp_42424242424/",
            "",
            "Connected_to_127.0.0.1_but_sender_was_rejected./Remote_host_said:_553_sorry/");

    private static void same(String report) {
        Matcher m = RelaySides.QMAIL_ACCEPTED.matcher(report);
        RelaySides.Accepted a = RelaySides.accepted(report);
        if (!m.find()) {
            assertNull(a, report);
            return;
        }
        assertNotNull(a, report);
        assertEquals(m.group(1), a.remoteIp(), report);
        assertEquals(Long.parseLong(m.group(2)), a.seconds(), report);
        assertEquals(Long.parseLong(m.group(3)), a.qp(), report);
    }

    @Test
    void readsWhatThePatternReads() {
        for (String r : REPORTS) same(r);
        RelaySides.Accepted a = RelaySides.accepted(REPORTS.get(0));
        assertEquals(new RelaySides.Accepted("127.0.0.1", 1764612345L, 4242L), a);
        assertNull(RelaySides.accepted(REPORTS.get(3)), "another receiver's reply carries no link");
    }

    @Test
    void readsWhatThePatternReadsOnRandomEdits() {
        Random rnd = new Random(11);
        String alphabet = "0123456789._/:qpok_a";
        int matched = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder b = new StringBuilder(REPORTS.get(rnd.nextInt(3)));
            for (int e = rnd.nextInt(3); e >= 0 && b.length() > 0; e--) {
                int at = rnd.nextInt(b.length());
                switch (rnd.nextInt(4)) {
                    case 0 -> b.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                    case 1 -> b.deleteCharAt(at);
                    case 2 -> b.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                    default -> b.setLength(at);
                }
            }
            String r = b.toString();
            same(r);
            if (RelaySides.accepted(r) != null) matched++;
        }
        // both outcomes were exercised
        assertEquals(true, matched > 1_000 && matched < 199_000, "matched " + matched);
    }
}
