package io.qmailfleet.job.alert;

import static io.qmailfleet.job.alert.Fleet.DEFER;
import static io.qmailfleet.job.alert.Fleet.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.alert.Fleet.Host;
import io.qmailfleet.job.alert.Fleet.Run;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fleet-wide rate rules (domain trouble, sender spike) through the whole graph: parser, host
 * sequencer, lifecycle builder, stats stage (per-host windows, fleet roll-up) and the alert fleet
 * rates, on a MiniCluster at parallelism 2, with the default thresholds. The fleets are built from
 * the catalog's line shapes.
 */
class FleetRateScenariosTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static final long MIN = 60_000L;

    private static long nanos(long millisAfterT0) {
        return (Fleet.T0 * 1000 + millisAfterT0) * 1_000_000L;
    }

    private static long at(String action) {
        return Long.parseLong(action.substring(action.indexOf('@') + 1));
    }

    @Test
    void aDomainOutageAcrossTwoHostsPagesOnceForTheFleetAndResolvesOnce() throws Exception {
        Host a = new Host("mx1", 0).startup(0);
        Host b = new Host("mx2", 0).startup(0);
        for (Host h : List.of(a, b)) {
            int n = 0;
            for (long t = MIN; t <= 40 * MIN; t += 30_000) {
                // traffic to a healthy domain all along
                h.message(t, "ok@up.example", OK);
                // down.example refuses every attempt from minute 2 to 10 (five recipients), then accepts again
                if (t >= 2 * MIN && t < 10 * MIN) h.message(t + 100, "user" + (n++ % 5) + "@down.example", DEFER);
                if (t >= 11 * MIN && t < 30 * MIN) h.message(t + 100, "user" + (n++ % 5) + "@down.example", OK);
                // one address that always defers: many attempts, one recipient; it must not page
                h.message(t + 200, "full@stubborn.example", DEFER);
            }
        }
        Run r = Fleet.run(Fleet.config(), 2, Fleet.all(a, b));
        Map<String, List<String>> byKey = r.byKey();
        assertEquals(Set.of("domain_trouble:fleet:down.example"), byKey.keySet(), r.pages().toString());
        List<String> seq = byKey.get("domain_trouble:fleet:down.example");
        assertEquals(2, seq.size(), seq.toString());
        assertTrue(seq.get(0).startsWith("trigger@") && seq.get(1).startsWith("resolve@"), seq.toString());
        // raised during the outage, resolved after it (once the deferrals are under a fifth of the
        // attempts in the 15-minute window)
        assertTrue(at(seq.get(0)) > nanos(2 * MIN) && at(seq.get(0)) <= nanos(11 * MIN), seq.toString());
        assertTrue(at(seq.get(1)) > nanos(11 * MIN), seq.toString());
        PageEvent trigger = r.pages().stream().filter(p -> p.eventAction.equals(PageEvent.TRIGGER)).findFirst().orElseThrow();
        assertEquals("down.example", trigger.source);
        assertEquals("error", trigger.severity);
        assertEquals("domain_trouble", trigger.alertClass);
        assertEquals(List.of("mx1", "mx2"), trigger.hosts, trigger.toString());
        assertEquals(List.of(), r.open());
    }

    @Test
    void aSenderSpikeAboveItsOwnBaselinePagesThenResolves() throws Exception {
        Host a = new Host("mx1", 0).startup(0);
        Host b = new Host("mx2", 0).startup(0);
        for (long t = 0; t <= 35 * MIN; t += MIN) {
            a.message(t + 1000, "carol@example.net", OK, "bob@example.org");
            b.message(t + 1000, "dave@example.net", OK, "bob@example.org");
            // another sender, steady all along: never pages
            a.message(t + 2000, "erin@example.net", OK, "news@example.org");
            if (t == 20 * MIN) {
                // bob's account sends 250 messages within 25 seconds (one stats window) from mx1
                for (int i = 0; i < 250; i++) a.message(t + 3000 + i * 100L, "x" + i + "@example.net", OK, "bob@example.org");
            }
        }
        Run r = Fleet.run(Fleet.config(), 2, Fleet.all(a, b));
        Map<String, List<String>> byKey = r.byKey();
        assertEquals(Set.of("sender_spike:fleet:bob@example.org"), byKey.keySet(), r.pages().toString());
        List<String> seq = byKey.get("sender_spike:fleet:bob@example.org");
        assertEquals(2, seq.size(), seq.toString());
        assertTrue(seq.get(0).startsWith("trigger@") && seq.get(1).startsWith("resolve@"), seq.toString());
        // judged at the end of the one-minute stats window that holds the spike
        long spikeWindowEnd = Math.floorDiv(Fleet.T0 * 1000 + 20 * MIN + 3000, MIN) * MIN + MIN;
        assertEquals(spikeWindowEnd * 1_000_000L, at(seq.get(0)), seq.toString());
        assertTrue(at(seq.get(1)) > at(seq.get(0)), seq.toString());
        PageEvent trigger = r.pages().get(0);
        assertEquals("bob@example.org", trigger.source);
        assertTrue(trigger.count >= 250, trigger.toString());
        assertTrue(trigger.hosts.contains("mx1"), trigger.toString());
        assertEquals(List.of(), r.open());
    }
}
