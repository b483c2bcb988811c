package io.qmailfleet.job.trace;

import static io.qmailfleet.job.trace.RelayLinkerTest.SEC;
import static io.qmailfleet.job.trace.RelayLinkerTest.T;
import static io.qmailfleet.job.trace.RelayLinkerTest.offer;
import static io.qmailfleet.job.trace.RelayLinkerTest.received;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The relay linker's bound on what waits ({@link RelayConfig#maxWaiting}, {@link RelayLinker.Operator}):
 * past it the longest-waiting side is dropped unlinked, counted, and its state and timer are gone; a
 * partner it was paired with is free again; the order survives a restore.
 */
class RelayBoundTest {
    static RelayConfig config(long max) {
        RelayConfig c = RelayLinkerTest.config();
        c.maxWaiting = max;
        return c;
    }

    static KeyedTwoInputStreamOperatorTestHarness<Long, RelayOffer, RelayReception, RelayMatch> harness(RelayConfig cfg, boolean rocksdb)
            throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<Long, RelayOffer, RelayReception, RelayMatch>(
                new RelayLinker.Operator(new RelayLinker(cfg)), new RelayTrace.OfferQp(), new RelayTrace.ReceptionQp(), Types.LONG);
        if (rocksdb) h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.setProcessingTime(0);
        return h;
    }

    /** On the heap backend, where the bound applies. */
    static KeyedTwoInputStreamOperatorTestHarness<Long, RelayOffer, RelayReception, RelayMatch> harness(RelayConfig cfg) throws Exception {
        return harness(cfg, false);
    }

    static long acc(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, ?> h, String name) {
        var a = h.getEnvironment().getAccumulatorRegistry().getUserMap().get(name);
        return ((Number) a.getLocalValue()).longValue();
    }

    /** The keys (qps) whose receptions wait in keyed state. */
    static List<Long> waitingReceptions(KeyedTwoInputStreamOperatorTestHarness<Long, ?, ?, ?> h) {
        KeyedStateBackend<Long> kb = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        List<Long> keys = new ArrayList<>();
        try (var ks = kb.getKeys("relay-receptions", VoidNamespace.INSTANCE)) {
            ks.sorted().forEach(keys::add);
        }
        return keys;
    }

    static List<RelayMatch> matches(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, RelayMatch> h) {
        List<RelayMatch> l = new ArrayList<>();
        for (Object o : h.getOutput()) if (o instanceof StreamRecord<?> sr) l.add((RelayMatch) sr.getValue());
        return l;
    }

    static RelayLinker.Operator op(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, ?> h) {
        return (RelayLinker.Operator) h.getOperator();
    }

    @Test
    void pastTheBoundTheOldestLeavesUnlinkedWithItsStateAndTimer() throws Exception {
        try (var h = harness(config(3))) {
            h.open();
            for (int i = 1; i <= 5; i++) {
                h.setProcessingTime(i * 1_000L); // one expiry second, so one timer, per reception
                h.processElement2(new StreamRecord<>(received("mbox1", 20 + i, (T + i) * SEC, 100 + i)));
            }
            assertEquals(List.of(103L, 104L, 105L), waitingReceptions(h), "the two oldest dropped");
            assertEquals(3, op(h).waiting());
            assertEquals(2, acc(h, RelayLinker.ACC_OVER_BOUND));
            assertEquals(2, acc(h, RelayLinker.ACC_RECEPTIONS_EXPIRED), "counted as unlinked too");
            assertEquals(3, h.numProcessingTimeTimers(), "the dropped ones' expiry timers deleted");
            assertEquals(0, h.numEventTimeTimers(), "no end-of-input timers: the operator settles every key at the end");

            // the offer for a dropped reception finds nothing and waits: the oldest reception (103) goes
            h.setProcessingTime(6_000);
            h.processElement1(new StreamRecord<>(offer("mx1", 11, T, "10.0.0.2", T + 1, 101)));
            assertEquals(List.of(104L, 105L), waitingReceptions(h));
            // the offer for 104 pairs with it: four wait; the pair settles, so 105 goes instead
            h.setProcessingTime(7_000);
            h.processElement1(new StreamRecord<>(offer("mx1", 12, T, "10.0.0.2", T + 4, 104)));
            assertEquals(List.of(104L), waitingReceptions(h));
            assertEquals(3, op(h).waiting());
            h.setProcessingTime(h.getProcessingTime() + 5_000);
            List<RelayMatch> m = matches(h);
            assertEquals(1, m.size());
            assertEquals(24, m.get(0).hop.toMsgId);
            assertEquals(12, m.get(0).hop.fromMsgId);
            assertEquals(1, op(h).waiting(), "the unmatched offer");
            assertEquals(4, acc(h, RelayLinker.ACC_OVER_BOUND));
            assertEquals(4, acc(h, RelayLinker.ACC_RECEPTIONS_EXPIRED));
            assertEquals(0, acc(h, RelayLinker.ACC_OFFERS_EXPIRED));
        }
    }

    @Test
    void theBoundDropsAFifthAtOnceOldestFirstAcrossKeys() throws Exception {
        try (var h = harness(config(20))) {
            h.open();
            // two receptions per key, keys in turn: 0, 1, ..., 9, 0, 1, ...
            for (int i = 0; i < 21; i++) {
                h.setProcessingTime(i * 1_000L);
                h.processElement2(new StreamRecord<>(received("mbox1", 100 + i, (T + i) * SEC, 1000 + i % 10)));
            }
            assertEquals(16, op(h).waiting(), "down to 16, a fifth below the bound of 20");
            assertEquals(5, acc(h, RelayLinker.ACC_OVER_BOUND));
            // the five oldest (100-104) are gone: keys 1000-1002 keep their later receptions
            for (int i = 0; i < 3; i++) {
                h.processElement1(new StreamRecord<>(offer("mx1", 50 + i, T, "10.0.0.2", T + i, 1000 + i)));
            }
            h.processElement1(new StreamRecord<>(offer("mx1", 60, T, "10.0.0.2", T + 13, 1003))); // reception 113
            h.setProcessingTime(h.getProcessingTime() + 5_000);
            List<RelayMatch> m = matches(h);
            assertEquals(1, m.size(), "only the offer whose reception waited links");
            assertEquals(113, m.get(0).hop.toMsgId);
        }
    }

    @Test
    void aPairThatSettlesIsNotDroppedEvenOverTheBound() throws Exception {
        try (var h = harness(config(1))) {
            h.open();
            h.processElement2(new StreamRecord<>(received("mbox1", 22, T * SEC + 400_000_000L, 4242)));
            h.setProcessingTime(1_000);
            h.processElement1(new StreamRecord<>(offer("mx1", 11, T, "10.0.0.2", T, 4242))); // paired, settling
            assertEquals(2, op(h).waiting(), "over the bound of 1 by a pair");
            h.setProcessingTime(2_000);
            h.processElement2(new StreamRecord<>(received("mbox1", 23, (T + 600) * SEC, 7)));
            assertEquals(List.of(4242L), waitingReceptions(h), "the free newcomer is dropped, not the pair");
            assertEquals(1, acc(h, RelayLinker.ACC_OVER_BOUND));
            h.setProcessingTime(6_000);
            List<RelayMatch> m = matches(h);
            assertEquals(1, m.size());
            assertEquals(11, m.get(0).hop.fromMsgId);
            assertEquals(22, m.get(0).hop.toMsgId);
            assertEquals(0, op(h).waiting());
            assertEquals(List.of(), waitingReceptions(h));
            assertEquals(0, h.numProcessingTimeTimers());
        }
    }

    @Test
    void theCountIsMadeAgainAfterARestoreAndTheOrderKept() throws Exception {
        OperatorSubtaskState snap;
        try (var h = harness(config(10))) {
            h.open();
            // arrival order 300, 100, 200: the keys' order is not the arrival order
            long[] qps = {300, 100, 200};
            for (int i = 0; i < qps.length; i++) {
                h.setProcessingTime(i * 1_000L);
                h.processElement2(new StreamRecord<>(received("mbox1", 30 + i, (T + i) * SEC, qps[i])));
            }
            snap = h.snapshot(1, 3_000);
        }
        try (var h = harness(config(2))) {
            h.setProcessingTime(3_000);
            h.initializeState(snap);
            h.open();
            assertEquals(List.of(100L, 200L), waitingReceptions(h), "over the new bound at once: the first arrival (300) left");
            assertEquals(1, acc(h, RelayLinker.ACC_OVER_BOUND));
            h.processElement2(new StreamRecord<>(received("mbox1", 40, (T + 9) * SEC, 400)));
            assertEquals(List.of(200L, 400L), waitingReceptions(h), "then 100, the oldest of the restored");
            assertEquals(2, op(h).waiting());
        }
    }

    @Test
    void elementsOfOneMillisecondLeaveTogether() throws Exception {
        try (var h = harness(config(10))) {
            h.open();
            h.setProcessingTime(500);
            for (int i = 0; i < 6; i++) h.processElement2(new StreamRecord<>(received("mbox1", 200 + i, (T + i) * SEC, 2000 + i)));
            h.setProcessingTime(501);
            for (int i = 6; i < 11; i++) h.processElement2(new StreamRecord<>(received("mbox1", 200 + i, (T + i) * SEC, 2000 + i)));
            // 11 wait, 3 must go to reach 8: they arrived in the same millisecond as three others
            assertEquals(5, op(h).waiting(), "the six of the first millisecond left");
            assertEquals(List.of(2006L, 2007L, 2008L, 2009L, 2010L), waitingReceptions(h));
            assertEquals(5, h.numProcessingTimeTimers(), "an expiry timer per waiting key; the dropped keys' are gone");
        }
    }

    @Test
    void onRocksDbWhatWaitsIsOnDiskAndOnlyTheBufferBoundsIt() throws Exception {
        try (var h = harness(config(2), true)) {
            h.open();
            for (int i = 0; i < 5; i++) {
                h.setProcessingTime(i * 1_000L);
                h.processElement2(new StreamRecord<>(received("mbox1", 20 + i, (T + i) * SEC, 100 + i)));
            }
            assertEquals(List.of(100L, 101L, 102L, 103L, 104L), waitingReceptions(h));
            assertEquals(0, acc(h, RelayLinker.ACC_OVER_BOUND));
            h.setProcessingTime(70_000); // past the buffer of 60 s
            assertEquals(List.of(), waitingReceptions(h));
            assertEquals(5, acc(h, RelayLinker.ACC_RECEPTIONS_EXPIRED));
        }
    }
}
