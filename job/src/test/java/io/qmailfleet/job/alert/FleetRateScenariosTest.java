package io.qmailfleet.job.alert;

import static io.qmailfleet.job.alert.Fleet.DEFER;
import static io.qmailfleet.job.alert.Fleet.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.alert.Fleet.Host;
import io.qmailfleet.job.alert.Fleet.Run;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet-wide rate rules (domain trouble, sender spike) through the whole graph: parser, host
 * sequencer with its life cycles, stats stage (per-host windows, fleet roll-up) and the alert fleet
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

    /**
     * Two hosts; down.example refuses every attempt from minute 2 to 10 (five recipients) on both,
     * then accepts again; healthy traffic all along; one address that always defers (it must not
     * page). After minute 45 (up to {@code until}) busier healthy traffic, so that each host's file
     * is large enough to be read in several batches.
     */
    private static Host[] outage(long until) {
        Host a = new Host("mx1", 0).startup(0);
        Host b = new Host("mx2", 0).startup(0);
        for (Host h : List.of(a, b)) {
            int n = 0;
            for (long t = MIN; t <= until; t += 30_000) {
                h.message(t, "ok@up.example", OK);
                if (t >= 2 * MIN && t < 10 * MIN) h.message(t + 100, "user" + (n++ % 5) + "@down.example", DEFER);
                if (t >= 11 * MIN && t < 30 * MIN) h.message(t + 100, "user" + (n++ % 5) + "@down.example", OK);
                h.message(t + 200, "full@stubborn.example", DEFER);
                if (t > 45 * MIN) for (int k = 0; k < 6; k++) h.message(t + 1000 + k * 3000, "ok" + k + "@up.example", OK);
            }
        }
        return new Host[] {a, b};
    }

    /** Each host's lines as a multilog file of its own, {@code dir/<host>/current}, as a backfill reads them. */
    static Path files(Path dir, Host... hosts) throws Exception {
        for (Host h : hosts) {
            Files.createDirectories(dir.resolve(h.name));
            Files.write(dir.resolve(h.name).resolve("current"), h.lines);
        }
        return dir;
    }

    /**
     * A backfill of the hosts' own log files pages as the live job does, where the hosts' lines
     * arrive interleaved (the same pages and triggers, {@link #assertSamePages}): the file source
     * reads each host with a reader of its own, so the fleet's clock is the slowest host's. (With
     * one reader of all files, the first host was read to its end before the second, every window
     * was judged on mx1's part alone, and the outage paged twice.)
     */
    @Test
    void aBackfillOfEachHostsFilesPagesTheOutageAsTheLiveJobDoes(@TempDir Path tmp) throws Exception {
        Host[] fleet = outage(400 * MIN);
        Run live = Fleet.run(Fleet.config(), 2, Fleet.live(fleet));
        Run backfill = Fleet.runFiles(Fleet.config("--input", files(tmp, fleet).toString()), 2);
        List<String> seq = backfill.byKey().get("domain_trouble:fleet:down.example");
        assertEquals(2, seq.size(), backfill.byKey().toString());
        assertTrue(seq.get(0).startsWith("trigger@") && seq.get(1).startsWith("resolve@"), seq.toString());
        PageEvent trigger = backfill.pages().stream().filter(p -> p.dedupKey.equals("domain_trouble:fleet:down.example"))
                .findFirst().orElseThrow();
        assertEquals(List.of("mx1", "mx2"), trigger.hosts, "judged with both hosts' parts: " + trigger);
        assertSamePages(live, backfill);
        assertEquals(new TreeSet<>(live.open()), new TreeSet<>(backfill.open()));
    }

    /**
     * The same keys page, each with the same triggers and resolves at the same times. (A host's
     * stats window fires when the watermark passes it, before the fleet rules judge it, even when
     * the host's own clock, its facts, passes it later: every host's part is in when a window is
     * judged, whatever order the lines came in.)
     */
    static void assertSamePages(Run live, Run backfill) {
        assertEquals(new TreeMap<>(live.byKey()), new TreeMap<>(backfill.byKey()));
    }

    @Test
    void aDomainOutageAcrossTwoHostsPagesOnceForTheFleetAndResolvesOnce() throws Exception {
        Host[] fleet = outage(40 * MIN);
        Host a = fleet[0], b = fleet[1];
        // the hosts' lines in the order they were written, as one stream brings them: with one host's
        // whole log first, that host's clock would run ahead and the backfill's watermark with it
        Run r = Fleet.run(Fleet.config(), 2, Fleet.live(a, b));
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
        // the hosts' lines in the order they were written, as one stream brings them: with one host's
        // whole log first, that host's clock would run ahead and the backfill's watermark with it
        Run r = Fleet.run(Fleet.config(), 2, Fleet.live(a, b));
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

    @Test
    void aBackfillOfEachHostsFilesPagesTheSpikeAsTheLiveJobDoes(@TempDir Path tmp) throws Exception {
        Host a = new Host("mx1", 0).startup(0);
        Host b = new Host("mx2", 0).startup(0);
        for (long t = 0; t <= 300 * MIN; t += MIN) {
            a.message(t + 1000, "carol@example.net", OK, "bob@example.org");
            b.message(t + 1000, "dave@example.net", OK, "bob@example.org");
            for (int k = 0; k < 10; k++) b.message(t + 2000 + k * 100, "r" + k + "@example.net", OK, "news" + k + "@example.org");
            if (t == 20 * MIN || t == 200 * MIN) {
                // bob's account sends 260 messages within 25 seconds, twice, half through each host:
                // neither host's part reaches the floor of 200, the fleet's does
                for (int i = 0; i < 130; i++) {
                    a.message(t + 3000 + i * 100L, "x" + i + "@example.net", OK, "bob@example.org");
                    b.message(t + 3000 + i * 100L, "y" + i + "@example.net", OK, "bob@example.org");
                }
            }
        }
        Run live = Fleet.run(Fleet.config(), 2, Fleet.live(a, b));
        Run backfill = Fleet.runFiles(Fleet.config("--input", files(tmp, a, b).toString()), 2);
        List<String> seq = backfill.byKey().get("sender_spike:fleet:bob@example.org");
        assertEquals(4, seq.size(), backfill.byKey().toString());
        for (PageEvent p : backfill.pages()) {
            if (p.eventAction.equals(PageEvent.TRIGGER)) assertEquals(List.of("mx1", "mx2"), p.hosts, p.toString());
        }
        assertSamePages(live, backfill);
    }

    /**
     * An hour of mx1 logging every 10 s and mx2 once every two and a half minutes; down.example
     * defers every attempt from minute 5 to 15 on both.
     */
    static Host[] fewMessages() {
        Host a = new Host("mx1", 0).startup(0);
        Host b = new Host("mx2", 0).startup(0);
        int n = 0, m = 0;
        for (long t = MIN; t <= 60 * MIN; t += 10_000) {
            boolean down = t >= 5 * MIN && t < 15 * MIN;
            a.message(t, "ok@up.example", OK);
            if (down) a.message(t + 100, "user" + (n++ % 5) + "@down.example", DEFER);
            if (t % 150_000 == 0) b.message(t + 200, "other" + (m++ % 5) + "@down.example", down ? DEFER : OK);
        }
        return new Host[] {a, b};
    }

    /**
     * A backfill of two hosts whose clocks are three hours apart, longer than the roll-up's
     * log-time bound ({@code --stats-rollup-ttl 10m}): the roll-up drops windows as the watermark
     * (the slowest host's) passes them, yet every fleet record, and every page, is what a run that
     * keeps every window to the end gives. No part comes after its window was dropped.
     */
    @Test
    void aBackfillDropsRollupWindowsByLogTimeAndSumsSkewedHostsAsIfItKeptThemAll(@TempDir Path tmp) throws Exception {
        Host a = new Host("mx1", 0).startup(0);
        Host b = new Host("mx2", -3 * 3600).startup(0);
        for (long t = MIN; t <= 6 * 60 * MIN; t += 30_000) {
            a.message(t, "ok@up.example", OK);
            b.message(t + 100, "other@up.example", OK);
            boolean down = t >= 200 * MIN && t < 215 * MIN;
            if (down) {
                a.message(t + 200, "user@down.example", DEFER);
                b.message(t + 300, "user@down.example", DEFER);
            }
        }
        Path in = files(tmp, a, b);
        Run dropped = Fleet.runFilesWatermarkEveryMs(Fleet.config("--input", in.toString(), "--stats-rollup-ttl", "10m"), 2);
        Run keptAll = Fleet.runFilesWatermarkEveryMs(Fleet.config("--input", in.toString(), "--stats-rollup-ttl", "1000h"), 2);
        assertEquals(0L, ((Number) dropped.result.getAllAccumulatorResults()
                .get(io.qmailfleet.job.stats.FleetRollup.ACC_PARTS_AFTER_DROP)).longValue());
        for (String output : List.of("senders", "recipients", "domains", "hosts")) {
            Map<String, String> x = latest(dropped, output), y = latest(keptAll, output);
            assertEquals(y, x, output);
            assertTrue(x.size() > 100, output + ": " + x.size());
        }
        // both hosts' parts of a window where their clocks overlap are summed in one fleet record
        long both = latest(dropped, "domains").values().stream().filter(v -> v.contains("hosts=[mx1, mx2]")).count();
        assertTrue(both > 100, "windows with both hosts: " + both);
        assertSamePages(keptAll, dropped);
        assertTrue(!dropped.pages().isEmpty(), "the deferred messages page as stuck on each host");
    }

    /** The latest revision of each (dimension, key, window) of a stats output, its counts as text. */
    private static Map<String, String> latest(Run r, String output) {
        Map<String, io.qmailfleet.job.model.StatsRecord> m = new TreeMap<>();
        for (io.qmailfleet.job.model.StatsRecord s : r.sinks.stats(output)) {
            m.merge(s.dimension + "|" + s.key + "|" + s.windowStart, s, (o, n) -> n.revision > o.revision ? n : o);
        }
        Map<String, String> text = new TreeMap<>();
        m.forEach((k, s) -> text.put(k, "revision=" + s.revision + " hosts=" + s.hosts + " messages=" + s.messages
                + " attempts=" + s.attempts + " successes=" + s.successes + " deferrals=" + s.deferrals
                + " failures=" + s.failures + " bytes=" + s.bytes + " first=" + s.firstNanos + " last=" + s.lastNanos));
        return text;
    }

    static long lateParts(Run r) {
        Object v = r.result.getAllAccumulatorResults().get(FleetRateEngine.ACC_LATE_PARTS);
        return v == null ? -1 : ((Number) v).longValue();
    }

    /**
     * A host with few messages (one every two and a half minutes, so each lifecycle subtask sends
     * its facts seldom): its own clock passes a stats window minutes after its lines did. The
     * watermark fires its window, so its part is in before the fleet rules judge it, live and in a
     * backfill: no window is judged again (before, each of its parts came after the judgement).
     */
    @Test
    void aHostWithFewMessagesHasItsPartJudgedWithTheOthers(@TempDir Path tmp) throws Exception {
        Host[] fleet = fewMessages();
        Host a = fleet[0], b = fleet[1];
        Run live = Fleet.runWatermarkEveryLine(Fleet.config(), 2, Fleet.live(a, b));
        Run backfill = Fleet.runFiles(Fleet.config("--input", files(tmp, a, b).toString()), 2);
        for (Run r : List.of(live, backfill)) {
            assertEquals(0, lateParts(r), "every host's part came before its window was judged");
            List<String> seq = r.byKey().get("domain_trouble:fleet:down.example");
            assertEquals(2, seq.size(), r.byKey().toString());
            PageEvent trigger = r.pages().stream().filter(p -> p.eventAction.equals(PageEvent.TRIGGER)).findFirst().orElseThrow();
            assertEquals(List.of("mx1", "mx2"), trigger.hosts, trigger.toString());
        }
        assertSamePages(live, backfill);
    }
}
