package io.qmailfleet.job.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The fleet-wide rate rules on the operator harness, fed windowed aggregates (5-minute windows)
 * and watermarks: a domain outage across two hosts pages once and resolves once; one address that
 * always defers pages nothing; a sender's spike above its own baseline pages, and ends.
 */
class FleetRateEngineTest {
    private static final long W = 5 * 60_000L;
    private static final long T0 = 1795551000_000L; // window-aligned epoch millis

    /** A first revision of window {@code i} of {@code key} in {@code dimension}, from {@code host}. */
    private static RateSample sample(String dimension, String key, int i, String host) {
        RateSample s = new RateSample();
        s.dimension = dimension;
        s.key = key;
        s.windowStart = T0 + i * W;
        s.windowEnd = s.windowStart + W;
        s.revision = 1;
        s.hosts = List.of(host);
        return s;
    }

    private static RateSample domain(String d, int i, String host, long attempts, long bad, long recipients) {
        RateSample s = sample(RateSample.DOMAIN, d, i, host);
        s.attempts = attempts;
        s.deferrals = bad;
        s.recipients = recipients;
        return s;
    }

    private static RateSample sender(String from, int i, long accepted) {
        RateSample s = sample(RateSample.SENDER, from, i, "mx1");
        s.accepted = accepted;
        return s;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent> harness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent>(
                new KeyedProcessOperator<>(new FleetRateEngine(new AlertConfig())), s -> s.dimension + ":" + s.key, Types.STRING);
        h.open();
        return h;
    }

    private static List<String> pages(KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent> h) {
        return h.extractOutputValues().stream().map(p -> p.eventAction + " " + p.dedupKey + " @" + (p.timestampNanos / 1_000_000L - T0) / W)
                .collect(Collectors.toList());
    }

    /**
     * Two hosts' per-host parts of the same window are summed the way the fleet roll-up sums them: here
     * the fleet record of each window names both hosts.
     */
    private static RateSample fleet(RateSample a, RateSample b) {
        RateSample s = domain(a.key, (int) ((a.windowStart - T0) / W), "x", a.attempts + b.attempts,
                a.deferrals + b.deferrals, a.recipients + b.recipients);
        s.hosts = List.of("mx1", "mx2");
        return s;
    }

    @Test
    void aDomainOutageAcrossTwoHostsPagesOnceAndResolvesOnce() throws Exception {
        var h = harness();
        for (int i = 0; i < 12; i++) {
            boolean down = i >= 3 && i < 8;
            RateSample a = domain("down.example", i, "mx1", 15, down ? 14 : 0, 10);
            RateSample b = domain("down.example", i, "mx2", 12, down ? 12 : 1, 8);
            h.processElement(new StreamRecord<>(fleet(a, b)));
            h.processWatermark(new Watermark(T0 + (i + 1) * W));
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        // down in windows 3..7: the 15-minute ratio crosses 80% at the end of window 5 (at the end of
        // window 4 it is 65%), falls under 20% at the end of window 10, and the page resolves a minute later
        assertEquals(List.of("trigger domain_trouble:fleet:down.example @6",
                "resolve domain_trouble:fleet:down.example @11"), pages(h));
        PageEvent t = h.extractOutputValues().get(0);
        assertEquals(List.of("mx1", "mx2"), t.hosts);
        assertEquals("down.example", t.source);
        assertEquals("error", t.severity);
        h.close();
    }

    /**
     * With a judge delay (the stats stage's fire delay), a window is judged when the watermark has
     * passed its end by that much, so a part that comes in between is in the judgement, and the
     * page still carries the window's end. A part that comes after the judgement is judged then and
     * counted in {@link FleetRateEngine#ACC_LATE_PARTS}.
     */
    @Test
    void aWindowIsJudgedTheDelayAfterItsEndWithThePartsThatCameMeanwhile() throws Exception {
        AlertConfig c = new AlertConfig();
        c.rateJudgeDelayMillis = 2_000L;
        var h = new KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent>(
                new KeyedProcessOperator<>(new FleetRateEngine(c)), s -> s.dimension + ":" + s.key, Types.STRING);
        h.open();
        for (int i = 0; i < 3; i++) {
            h.processElement(new StreamRecord<>(domain("down.example", i, "mx1", 30, 30, 5)));
            h.processWatermark(new Watermark(T0 + (i + 1) * W + 1_999));
        }
        assertEquals(List.of("trigger domain_trouble:fleet:down.example @1"), pages(h));
        // the watermark is past window 2's end, not by the delay: a revision of it is not late
        RateSample w2 = domain("down.example", 2, "mx1", 31, 31, 5);
        w2.revision = 2;
        h.processElement(new StreamRecord<>(w2));
        h.processWatermark(new Watermark(T0 + 3 * W + 2_000));
        // window 1 was judged a window ago: a revision of it now is late, judged again (no change)
        RateSample w1 = domain("down.example", 1, "mx1", 31, 31, 5);
        w1.revision = 2;
        h.processElement(new StreamRecord<>(w1));
        assertEquals(1, h.extractOutputValues().size());
        // windows 3 to 9 clean: a second host's part of window 3 comes after the watermark passed its
        // end, before the delay is over: judged with it (still in trouble at the end of window 3)
        h.processElement(new StreamRecord<>(domain("down.example", 3, "mx1", 30, 0, 5)));
        h.processWatermark(new Watermark(T0 + 4 * W + 1_000));
        RateSample both = domain("down.example", 3, "mx1", 40, 10, 8);
        both.revision = 2;
        both.hosts = List.of("mx1", "mx2");
        h.processElement(new StreamRecord<>(both));
        for (int i = 4; i < 10; i++) {
            h.processElement(new StreamRecord<>(domain("down.example", i, "mx1", 30, 0, 5)));
            h.processWatermark(new Watermark(T0 + (i + 1) * W + 2_000));
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        assertEquals(List.of("trigger domain_trouble:fleet:down.example @1",
                "resolve domain_trouble:fleet:down.example @6"), pages(h));
        assertEquals(1L, h.getEnvironment().getAccumulatorRegistry().getUserMap().get(FleetRateEngine.ACC_LATE_PARTS).getLocalValue(),
                "window 1's revision only: window 2's and window 3's came before their judgement");
        h.close();
    }

    private static RateSample recipient(String address, int i, long attempts, long bad) {
        RateSample s = sample(RateSample.RECIPIENT, address, i, "mx1");
        s.attempts = attempts;
        s.deferrals = bad;
        return s;
    }

    /** Recipient state of the domain's key in the harness: how many recipients' aggregates it keeps. */
    private static long keptRecipients(KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent> h, String domain)
            throws Exception {
        var backend = ((org.apache.flink.streaming.api.operators.AbstractStreamOperator<?>) h.getOperator())
                .<String>getKeyedStateBackend();
        backend.setCurrentKey(RateSample.DOMAIN + ":" + domain);
        org.apache.flink.api.common.state.MapState<String, RateSample> m = backend.getPartitionedState(
                org.apache.flink.runtime.state.VoidNamespace.INSTANCE, org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE,
                new org.apache.flink.api.common.state.MapStateDescriptor<>("rate-recipients", Types.STRING,
                        org.apache.flink.api.common.typeinfo.TypeInformation.of(RateSample.class)));
        long n = 0;
        for (String ignored : m.keys()) n++;
        return n;
    }

    /**
     * With recipients' aggregates (keyed with their domain, as the job keys them): a domain whose
     * deferrals are spread over many addresses pages, one whose deferrals are all one address does
     * not (its own count of recipients would let it); only the recipients that deferred are kept.
     */
    @Test
    void distinctRecipientsInTroubleFromTheRecipientsThatDeferredAlone() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent>(
                new KeyedProcessOperator<>(new FleetRateEngine(new AlertConfig())), RateSample::engineKey, Types.STRING);
        h.open();
        for (int i = 0; i < 6; i++) {
            // down.example: 10 addresses, every attempt deferred; one.example: 18 of 20 attempts
            // deferred, all to one address (its domain's own count says 3 recipients)
            h.processElement(new StreamRecord<>(domain("down.example", i, "mx1", 20, 20, 10)));
            h.processElement(new StreamRecord<>(domain("one.example", i, "mx1", 20, 18, 3)));
            for (int r = 0; r < 10; r++) h.processElement(new StreamRecord<>(recipient("u" + r + "@down.example", i, 2, 2)));
            h.processElement(new StreamRecord<>(recipient("full@one.example", i, 18, 18)));
            h.processElement(new StreamRecord<>(recipient("a@one.example", i, 1, 0)));
            h.processElement(new StreamRecord<>(recipient("b@One.Example", i, 1, 0)));
            h.processWatermark(new Watermark(T0 + (i + 1) * W));
        }
        // the sliding window is 15 minutes, three windows: the one address that deferred, in those
        long kept = keptRecipients(h, "one.example");
        assertTrue(kept >= 1 && kept <= 4, "kept " + kept);
        List<String> p = pages(h);
        assertTrue(p.stream().anyMatch(x -> x.startsWith("trigger domain_trouble:fleet:down.example")), p.toString());
        assertTrue(p.stream().noneMatch(x -> x.contains("one.example")), p.toString());
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        h.close();
    }

    @Test
    void theEndOfInputTimerOutlivesAKeyDroppedIdle() throws Exception {
        var h = harness();
        h.processElement(new StreamRecord<>(domain("example.org", 0, "mx1", 5, 0, 5)));
        assertEquals(3, h.numEventTimeTimers(), "the window's judging, its last judging, the end of input");
        // a quiet domain: once its window has left every sum, only the time it was last judged and
        // the end-of-input timer are kept
        h.processWatermark(new Watermark(T0 + 100 * W));
        assertEquals(1, h.numKeyedStateEntries(), "of a quiet domain only the time last judged is kept");
        assertEquals(1, h.numEventTimeTimers(), "the end-of-input timer");
        // it comes back, and the end of input still finds it
        for (int i = 101; i < 104; i++) h.processElement(new StreamRecord<>(domain("example.org", i, "mx1", 5, 0, 5)));
        assertEquals(7, h.numEventTimeTimers(), "two per window and the one end-of-input timer");
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        assertEquals(0, h.numEventTimeTimers());
        assertEquals(0, h.numKeyedStateEntries(), "the end of input dropped it");
        assertEquals(List.of(), pages(h));
        h.close();
    }

    @Test
    void oneAddressThatAlwaysDefersDoesNotPage() throws Exception {
        var h = harness();
        for (int i = 0; i < 24; i++) {
            h.processElement(new StreamRecord<>(domain("example.org", i, "mx1", 3, 3, 1)));
            h.processWatermark(new Watermark(T0 + (i + 1) * W));
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        assertEquals(List.of(), pages(h));
        h.close();
    }

    /**
     * A part of a window that comes after newer windows were judged (a host behind the watermark):
     * it cannot page again what already paged at or after it (the spike's second host's part, after
     * the resolve), and it does page what was missed without it, with the window's end.
     */
    @Test
    void aLatePartPagesWhatWasMissedAndNeverPagesTwice() throws Exception {
        var h = harness();
        for (int i = 0; i < 17; i++) {
            // alice: a spike in window 12 seen whole by mx1; eve: mx1 saw 150 of her 300 in window 12
            h.processElement(new StreamRecord<>(sender("alice@example.com", i, i == 12 ? 300 : 2)));
            h.processElement(new StreamRecord<>(sender("eve@example.com", i, i == 12 ? 150 : 2)));
            h.processWatermark(new Watermark(T0 + (i + 1) * W));
        }
        assertEquals(List.of("trigger sender_spike:fleet:alice@example.com @13",
                "resolve sender_spike:fleet:alice@example.com @14"), pages(h));
        // mx2's parts of window 12 come now, four windows late
        RateSample alice = sender("alice@example.com", 12, 320);
        alice.revision = 2;
        RateSample eve = sender("eve@example.com", 12, 300);
        eve.revision = 2;
        h.processElement(new StreamRecord<>(alice));
        h.processElement(new StreamRecord<>(eve));
        for (int i = 17; i < 20; i++) {
            h.processElement(new StreamRecord<>(sender("alice@example.com", i, 2)));
            h.processElement(new StreamRecord<>(sender("eve@example.com", i, 2)));
            h.processWatermark(new Watermark(T0 + (i + 1) * W));
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        assertEquals(List.of("trigger sender_spike:fleet:alice@example.com @13",
                "resolve sender_spike:fleet:alice@example.com @14",
                "trigger sender_spike:fleet:eve@example.com @13",
                "resolve sender_spike:fleet:eve@example.com @18"), pages(h));
        assertEquals(2L, h.getEnvironment().getAccumulatorRegistry().getUserMap().get(FleetRateEngine.ACC_LATE_PARTS).getLocalValue());
        h.close();
    }

    @Test
    void aSenderFarAboveItsOwnBaselinePagesAndResolvesWhenItFallsBack() throws Exception {
        var h = harness();
        long[] accepted = {10, 12, 9, 11, 10, 10, 12, 10, 9, 11, 10, 12, 900, 1200, 800, 10, 11, 9};
        for (int i = 0; i < accepted.length; i++) {
            h.processElement(new StreamRecord<>(sender("alice@example.com", i, accepted[i])));
            h.processWatermark(new Watermark(T0 + (i + 1) * W));
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        assertEquals(List.of("trigger sender_spike:fleet:alice@example.com @13",
                "resolve sender_spike:fleet:alice@example.com @16"), pages(h));
        PageEvent t = h.extractOutputValues().get(0);
        assertEquals(900, t.count);
        assertEquals("alice@example.com", t.source);
        h.close();
    }

    @Test
    void aSenderThatIsAlwaysBusyDoesNotPage() throws Exception {
        var h = harness();
        for (int i = 0; i < 30; i++) {
            h.processElement(new StreamRecord<>(sender("newsletter@example.com", i, 5000 + (i % 3) * 300)));
            h.processWatermark(new Watermark(T0 + (i + 1) * W));
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        // nothing is judged before a whole baseline of its own exists, and then it is its usual self
        assertEquals(List.of(), pages(h));
        h.close();
    }

    /**
     * The engine as the job runs it ({@link FleetRateEngine#operator}: each key's state held in
     * memory between checkpoints) on RocksDB, with a checkpoint and a restore into a new instance
     * after every second window: the pages of the plain run, a domain outage's and a sender
     * spike's, and nothing reaches the state backend before the first checkpoint.
     */
    @Test
    void heldBetweenCheckpointsOnRocksDbItPagesAsThePlainOperator() throws Exception {
        long[] accepted = {10, 12, 9, 11, 10, 10, 12, 10, 9, 11, 10, 12, 900, 1200, 800, 10, 11, 9};
        List<List<RateSample>> windows = new java.util.ArrayList<>();
        for (int i = 0; i < accepted.length; i++) {
            boolean down = i >= 3 && i < 8;
            windows.add(List.of(sender("alice@example.com", i, accepted[i]),
                    fleet(domain("down.example", i, "mx1", 15, down ? 14 : 0, 10), domain("down.example", i, "mx2", 12, down ? 12 : 1, 8))));
        }
        var plain = harness();
        for (int i = 0; i < windows.size(); i++) {
            for (RateSample s : windows.get(i)) plain.processElement(new StreamRecord<>(s));
            plain.processWatermark(new Watermark(T0 + (i + 1) * W));
        }
        plain.processWatermark(new Watermark(Long.MAX_VALUE));
        List<String> expected = pages(plain);
        plain.close();
        assertEquals(4, expected.size(), expected.toString());

        List<String> got = new java.util.ArrayList<>();
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snap = null;
        for (int i = 0; i <= windows.size(); i += 2) {
            var h = new KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent>(
                    FleetRateEngine.operator(new AlertConfig()), RateSample::engineKey, Types.STRING);
            h.setStateBackend(new org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend());
            if (snap != null) h.initializeState(snap);
            h.open();
            if (i < windows.size()) {
                for (int j = i; j < i + 2; j++) {
                    for (RateSample s : windows.get(j)) h.processElement(new StreamRecord<>(s));
                    h.processWatermark(new Watermark(T0 + (j + 1) * W));
                }
                var op = (io.qmailfleet.job.lifecycle.WriteBackOperator<?, ?>) h.getOperator();
                assertTrue(op.held() > 0, "held in memory");
                if (i == 0) assertEquals(0, windowsInBackend(op), "nothing in the state backend before the first checkpoint");
                h.prepareSnapshotPreBarrier(i);
                assertEquals(0, op.held());
                assertEquals(2, windowsInBackend(op), "both keys' windows written before the barrier");
                snap = h.snapshot(i, 0L);
            } else {
                h.processWatermark(new Watermark(Long.MAX_VALUE));
            }
            got.addAll(pages(h));
            h.close();
        }
        assertEquals(expected, got);
    }

    /**
     * Held in memory (as the job runs it), the keys of a window share its judge timers: the first
     * key of an instant sets the timer, and it judges every key listed with it. 30 domains (every
     * fifth one down for five windows) and 10 senders (one spiking): with timers of their own, each
     * key would have three (its two judge instants and the end of input); shared, the keys of the
     * first window have one each and two more in all. Before a checkpoint barrier every key gets
     * its own timers again (the count of the plain operator), and a restored operator goes on. Every
     * key's pages are the plain operator's, on both state backends.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"hashmap", "rocksdb"})
    void theKeysOfAWindowShareItsJudgeTimersAndPageAsWithTheirOwn(String backend) throws Exception {
        List<List<RateSample>> windows = new java.util.ArrayList<>();
        for (int i = 0; i < 18; i++) {
            List<RateSample> w = new java.util.ArrayList<>();
            for (int d = 0; d < 30; d++) {
                // every fifth domain is down from window 3 and sends nothing after window 6: only its
                // timers set before the checkpoint (after window 6) can resolve its page
                boolean down = d % 5 == 0 && i >= 3;
                if (d % 5 == 0 && i > 6) continue;
                w.add(fleet(domain("d" + d + ".example", i, "mx1", 15, down ? 14 : 0, 10),
                        domain("d" + d + ".example", i, "mx2", 12, down ? 12 : 1, 8)));
            }
            for (int f = 0; f < 10; f++) w.add(sender("s" + f + "@example.com", i, f == 0 && i >= 12 && i < 15 ? 900 : 10 + i % 3));
            windows.add(w);
        }
        int keys = windows.get(0).size();
        var plain = new KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent>(
                new KeyedProcessOperator<>(new FleetRateEngine(new AlertConfig())), RateSample::engineKey, Types.STRING);
        plain.open();
        List<Integer> plainTimers = new java.util.ArrayList<>();
        List<Integer> plainTimersAfter = new java.util.ArrayList<>();
        for (int i = 0; i < windows.size(); i++) {
            for (RateSample s : windows.get(i)) plain.processElement(new StreamRecord<>(s));
            plainTimers.add(plain.numEventTimeTimers());
            plain.processWatermark(new Watermark(T0 + (i + 1) * W));
            plainTimersAfter.add(plain.numEventTimeTimers());
        }
        plain.processWatermark(new Watermark(Long.MAX_VALUE));
        var expected = byKey(plain);
        plain.close();
        assertEquals(3 * keys, plainTimers.get(0), "each key's own timers");
        assertEquals(7, expected.size(), expected.toString()); // six domains and a sender paged
        for (List<String> p : expected.values()) assertEquals(2, p.size(), "paged and resolved: " + p);

        var got = new java.util.TreeMap<String, List<String>>();
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snap = null;
        for (int[] part : new int[][] {{0, 7}, {7, windows.size()}}) {
            var h = new KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent>(
                    FleetRateEngine.operator(new AlertConfig()), RateSample::engineKey, Types.STRING);
            if (backend.equals("rocksdb")) h.setStateBackend(new org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend());
            if (snap != null) h.initializeState(snap);
            h.open();
            for (int i = part[0]; i < part[1]; i++) {
                for (RateSample s : windows.get(i)) h.processElement(new StreamRecord<>(s));
                if (i == 0) assertEquals(keys + 2, h.numEventTimeTimers(), "the window's two judge timers, shared");
                assertTrue(h.numEventTimeTimers() < plainTimers.get(i), "window " + i + ": " + h.numEventTimeTimers());
                h.processWatermark(new Watermark(T0 + (i + 1) * W));
            }
            if (part[1] < windows.size()) {
                int last = part[1] - 1;
                assertTrue(h.numEventTimeTimers() < plainTimersAfter.get(last));
                h.prepareSnapshotPreBarrier(1);
                assertEquals(0, ((io.qmailfleet.job.lifecycle.WriteBackOperator<?, ?>) h.getOperator()).held());
                // every key now has its own timer for each instant still ahead, as the plain operator
                // had after the same windows and watermarks
                assertEquals(plainTimersAfter.get(last), h.numEventTimeTimers(), "timers after the barrier");
                snap = h.snapshot(1, 0L);
            } else {
                h.processWatermark(new Watermark(Long.MAX_VALUE));
                assertEquals(0, h.numEventTimeTimers());
            }
            byKey(h).forEach((k, v) -> got.computeIfAbsent(k, x -> new java.util.ArrayList<>()).addAll(v));
            h.close();
        }
        assertEquals(expected, got);
    }

    /** The pages of each alert key, in the order they came. */
    private static java.util.TreeMap<String, List<String>> byKey(KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent> h) {
        var m = new java.util.TreeMap<String, List<String>>();
        for (String p : pages(h)) m.computeIfAbsent(p.split(" ")[1], k -> new java.util.ArrayList<>()).add(p);
        return m;
    }

    /** Keys with a {@code rate-windows} entry in the operator's state backend. */
    private static long windowsInBackend(io.qmailfleet.job.lifecycle.WriteBackOperator<?, ?> op) {
        try (var keys = op.<String>getKeyedStateBackend().getKeys("rate-windows",
                org.apache.flink.runtime.state.VoidNamespace.INSTANCE)) {
            return keys.distinct().count();
        }
    }
}
