package io.qmailfleet.job.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LineTimestampsTest {
    @Test
    void multilogTai64n() {
        // @400000006b05ee591fde16b4 = 1795550799.534648500 (daemontools offset 2^62 + 10)
        assertEquals(1795550799534L, LineTimestamps.epochMillis("@400000006b05ee591fde16b4 status: local 0/10 remote 0/20"));
    }

    @Test
    void sploggerStampInSyslog() {
        assertEquals(1795550799534L, LineTimestamps.epochMillis("Nov 24 20:06:39 mail qmail: 1795550799.534679 status: local 0/10 remote 0/20"));
        assertEquals(1795551282969L, LineTimestamps.epochMillis("Nov 24 20:14:42 mail qmail: 1795551282.969301+XXXX/"));
    }

    @Test
    void theShapesTheParserReadsAgree() {
        io.qmailfleet.job.parse.QmailLineParser p = new io.qmailfleet.job.parse.QmailLineParser(new io.qmailfleet.job.parse.ParserConfig());
        String[] lines = {
            "@400000006b05ee591fde16b4 status: local 0/10 remote 0/20",
            "current:@400000006b05ee591fde16b4 status: local 0/10 remote 0/20",
            "/var/log/qmail/current:12:@400000006b05ee591fde16b4 new msg 1459593",
            "Nov 24 20:06:39 mail qmail: 1795550799.534679 status: local 0/10 remote 0/20",
            "Nov 24 20:06:39 mail qmail[812]: 1795550799.534679 status: local 0/10 remote 0/20",
            "<22>1 2026-11-25T08:22:07.412632+00:00 mx1.example.com qmail - - -  1795594927.412566 status: local 0/10 remote 0/20",
            "<22>1 2026-11-25T08:22:07.412632+00:00 mx1.example.com qmail 812 - - 1795594927.412566 end msg 5",
            "2026-11-24T20:06:39.534679+00:00 mail qmail: 1795550799.534679 new msg 5",
        };
        for (String l : lines) {
            io.qmailfleet.job.model.QmailEvent e = p.parse(new io.qmailfleet.job.model.RawLine(l, "h", "o", 1)).event;
            assertEquals(e.tsNanos / 1_000_000L, LineTimestamps.epochMillis(l), l);
        }
        // another program's line under a qmail-like word is not a stamp
        assertEquals(Long.MIN_VALUE, LineTimestamps.epochMillis("Nov 24 20:06:39 mail qmail-remote-handlers[3882]: from=a@example.com"));
        assertEquals(Long.MIN_VALUE, LineTimestamps.epochMillis("Nov 24 20:06:39 mail tcpserver: status: 1/40"));
    }

    @Test
    void unknownShapesKeepTheTransportTime() {
        assertEquals(Long.MIN_VALUE, LineTimestamps.epochMillis("{\"message\":\"x\"}"));
        assertEquals(Long.MIN_VALUE, LineTimestamps.epochMillis("@zz"));
        assertEquals(Long.MIN_VALUE, LineTimestamps.epochMillis(""));
        assertEquals(77L, new LineTimestamps().extractTimestamp(new io.qmailfleet.job.model.RawLine("junk", "h", "o", 1), 77L));
    }
}
