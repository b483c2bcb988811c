package io.qmailfleet.job.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.qmailfleet.job.model.StatsRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The projection of the stats stage's fleet records onto the rate rules' input, and its keys. */
class RateSampleTest {
    private static StatsRecord record(String dimension, String key) {
        StatsRecord r = new StatsRecord();
        r.dimension = dimension;
        r.key = key;
        r.windowStart = 60_000;
        r.windowEnd = 120_000;
        r.revision = 2;
        r.hosts.addAll(List.of("mx1", "mx2"));
        r.attempts = 10;
        r.deferrals = 4;
        r.failures = 1;
        r.accepted = 7;
        return r;
    }

    @Test
    void aDomainRecordKeepsItsWindowRevisionHostsAndCounts() {
        RateSample s = RateSample.of(record(StatsRecord.DOMAIN, "down.example"));
        assertEquals(RateSample.DOMAIN, s.dimension);
        assertEquals("domain:down.example", s.engineKey());
        assertEquals(60_000, s.windowStart);
        assertEquals(120_000, s.windowEnd);
        assertEquals(2, s.revision);
        assertEquals(List.of("mx1", "mx2"), s.hosts);
        assertEquals(10, s.attempts);
        assertEquals(4, s.deferrals);
        assertEquals(1, s.failures);
    }

    @Test
    void aRecipientGoesToItsDomainsKeyOnlyWhenInTrouble() {
        RateSample s = RateSample.of(record(StatsRecord.RECIPIENT, "Bob@Down.Example"));
        assertEquals(RateSample.RECIPIENT, s.dimension);
        assertEquals("domain:down.example", s.engineKey());
        StatsRecord fine = record(StatsRecord.RECIPIENT, "carol@down.example");
        fine.deferrals = 0;
        fine.failures = 0;
        assertNull(RateSample.of(fine));
    }

    @Test
    void aSenderKeepsItsAcceptedCountAndHostsAreNotNeeded() {
        RateSample s = RateSample.of(record(StatsRecord.SENDER, "alice@example.com"));
        assertEquals("sender:alice@example.com", s.engineKey());
        assertEquals(7, s.accepted);
        assertNull(RateSample.of(record(StatsRecord.HOST, "mx1")));
    }
}
