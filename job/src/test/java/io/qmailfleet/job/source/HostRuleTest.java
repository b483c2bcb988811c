package io.qmailfleet.job.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostRuleTest {
    @Test
    void fixedHostWins() {
        HostRule r = new HostRule("mx9", List.of("/logs"));
        assertEquals("mx9", r.hostFor("/logs/mail1/current"));
        assertEquals("mx9", r.hostFor("file:/elsewhere/current"));
    }

    @Test
    void firstLevelUnderAnInputDirectoryIsTheHost() {
        HostRule r = new HostRule(null, List.of("/logs"));
        assertEquals("mail1", r.hostFor("/logs/mail1/current"));
        assertEquals("mail2", r.hostFor("file:/logs/mail2/send/@400000006b05f0841dc0999c.s"));
    }

    @Test
    void otherwiseTheDirectoryHoldingTheFile() {
        HostRule r = new HostRule(null, List.of("/var/log/mx3"));
        assertEquals("mx3", r.hostFor("/var/log/mx3/current"));
        assertEquals("qmail", r.hostFor("/var/log/qmail/current"));
        assertEquals("localhost", r.hostFor("current"));
    }
}
