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
    void unknownShapesKeepTheTransportTime() {
        assertEquals(Long.MIN_VALUE, LineTimestamps.epochMillis("{\"message\":\"x\"}"));
        assertEquals(Long.MIN_VALUE, LineTimestamps.epochMillis("@zz"));
        assertEquals(Long.MIN_VALUE, LineTimestamps.epochMillis(""));
        assertEquals(77L, new LineTimestamps().extractTimestamp(new io.qmailfleet.job.model.RawLine("junk", "h", "o", 1), 77L));
    }
}
