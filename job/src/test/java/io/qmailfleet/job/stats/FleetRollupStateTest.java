package io.qmailfleet.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.FactKind;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.StatsRecord;
import io.qmailfleet.job.testutil.PojoTypes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fleet roll-up keeps a window's parts as their bytes, on the heap and on RocksDB: what the
 * state holds (each host's latest part, the first host's first), that it is dropped as before, and
 * that a savepoint of the version that kept each part as a record (Flink's POJO serializer, a map
 * state by host) restores: its parts count in the next fleet record of their window, then move to
 * the bytes, and a window nobody touches again is dropped by its old timer.
 */
class FleetRollupStateTest {
    private static final long MIN = 60_000L;
    /** 2026-11-24 20:00:00 UTC. */
    private static final long T = 1_795_550_400_000L;

    private static StatsConfig config() {
        StatsConfig c = new StatsConfig();
        c.windowMillis = MIN;
        c.fireDelayMillis = 2_000L;
        c.allowedLatenessMillis = 30_000L;
        return c;
    }

    private static StatsRecord part(String host, String key, int deferrals) {
        StatsRecord r = Measures.empty(StatsRecord.DOMAIN, key, T, T + MIN);
        r.hosts.add(host);
        r.revision = 1;
        for (int i = 0; i < deferrals; i++) {
            MessageFact f = new MessageFact();
            f.kind = FactKind.ATTEMPT_END;
            f.host = host;
            f.tsNanos = (T + 1_000 + i) * 1_000_000L;
            f.startNanos = f.tsNanos - 100_000_000L;
            f.infoNanos = f.tsNanos - 1_000_000_000L;
            f.sender = "alice@example.com";
            f.recipient = "defer" + i + "@" + key;
            f.outcome = Outcome.DEFERRAL;
            f.report = "127.0.0.1_does_not_like_recipient./Remote_host_said:_451_4.2.1_<defer" + i + "@" + key
                    + ">:_mailbox_temporarily_unavailable/Giving_up_on_127.0.0.1./";
            Measures.add(r, f);
        }
        return r;
    }

    /**
     * The roll-up as the version before kept its state: each host's part as a record in the map
     * state {@code rollup-parts}, written with Flink's POJO serializer, and the same revision,
     * expiry and timers.
     */
    static final class RecordPartsRollup extends KeyedProcessFunction<String, StatsRecord, StatsRecord> {
        private final long ttl;
        private transient MapState<String, StatsRecord> parts;
        private transient ValueState<Integer> revision;
        private transient ValueState<Long> expiresAt;

        RecordPartsRollup(long ttl) {
            this.ttl = ttl;
        }

        @Override
        public void open(OpenContext openContext) {
            parts = getRuntimeContext().getMapState(
                    new MapStateDescriptor<>("rollup-parts", Types.STRING, PojoTypes.pojoOf(StatsRecord.class)));
            revision = getRuntimeContext().getState(new ValueStateDescriptor<>("rollup-revision", Types.INT));
            expiresAt = getRuntimeContext().getState(new ValueStateDescriptor<>("rollup-expires", Types.LONG));
        }

        @Override
        public void processElement(StatsRecord part, Context ctx, Collector<StatsRecord> out) throws Exception {
            Integer n = revision.value();
            if (n == null) ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            parts.put(part.hosts.get(0), part);
            revision.update(n == null ? 1 : n + 1);
            long at = (ctx.timerService().currentProcessingTime() + ttl) / 1000 * 1000 + 1000;
            expiresAt.update(at);
            ctx.timerService().registerProcessingTimeTimer(at);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> harness(
            KeyedProcessFunction<String, StatsRecord, StatsRecord> f, boolean rocksDb) throws Exception {
        // the roll-up in its own operator (windows held in memory between checkpoints), the old version in Flink's
        var h = new KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord>(
                f instanceof FleetRollup r ? FleetRollup.operatorOf(r) : new KeyedProcessOperator<>(f),
                new FleetRollup.RollupKey(), Types.STRING);
        if (rocksDb) h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    private static List<StatsRecord> drain(KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> h) {
        List<StatsRecord> out = new ArrayList<>();
        Queue<Object> q = h.getOutput();
        Object o;
        while ((o = q.poll()) != null) {
            if (o instanceof StreamRecord) {
                @SuppressWarnings("unchecked")
                StreamRecord<StatsRecord> r = (StreamRecord<StatsRecord>) o;
                out.add(r.getValue());
            }
        }
        return out;
    }

    private static String key(StatsRecord r) {
        return new FleetRollup.RollupKey().getKey(r);
    }

    /** The roll-up's value for the window of {@code r}, from its state as a checkpoint holds it (what it holds in memory written first). */
    private static byte[] value(KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> h,
                                StatsRecord r) throws Exception {
        h.prepareSnapshotPreBarrier(0L);
        KeyedStateBackend<String> kb = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        kb.setCurrentKey(key(r));
        ValueState<byte[]> bytes = kb.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new ValueStateDescriptor<>("rollup-part-bytes", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        return bytes.value();
    }

    /** The parts the roll-up keeps for the window of {@code r}. */
    private static List<FleetRollup.Part> parts(KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> h,
                                               StatsRecord r) throws Exception {
        return FleetRollup.readParts(value(h, r));
    }

    /** Keys (windows) with any roll-up state, as a checkpoint would see them. */
    private static Set<String> keys(KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> h)
            throws Exception {
        h.prepareSnapshotPreBarrier(0L);
        return keysInBackend(h);
    }

    /** Keys (windows) with any roll-up state in the state backend, not counting what the operator holds in memory. */
    private static Set<String> keysInBackend(KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> h)
            throws Exception {
        KeyedStateBackend<String> kb = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        Set<String> keys = new HashSet<>();
        for (String state : List.of("rollup-part-bytes", "rollup-parts", "rollup-revision", "rollup-held", "rollup-expires")) {
            try (var ks = kb.getKeys(state, VoidNamespace.INSTANCE)) {
                ks.forEach(keys::add);
            }
        }
        return keys;
    }

    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void aWindowsPartsAreKeptAsBytesAndDroppedWithIt(boolean rocksDb) throws Exception {
        var h = harness(new FleetRollup(config()), rocksDb);
        h.open();
        StatsRecord a = part("mx1", "x.example.net", 1);
        h.processElement(a, 0);
        List<FleetRollup.Part> kept = parts(h, a);
        assertEquals(1, kept.size());
        assertEquals("mx1", kept.get(0).host);
        assertEquals(1, kept.get(0).record.deferrals);
        assertEquals(1, kept.get(0).record.deferralReasons.size());
        assertEquals(StatsRecord.DOMAIN, kept.get(0).record.dimension);
        assertNull(FleetRollup.readFleet(value(h, a)), "one part: it is the fleet record");

        h.processElement(part("mx2", "x.example.net", 2), 0);
        h.processElement(part("mx1", "x.example.net", 5), 0); // mx1's window fired again: its part is replaced
        List<StatsRecord> out = drain(h);
        assertEquals(List.of(1L, 3L, 7L), out.stream().map(r -> r.deferrals).toList());
        assertEquals(List.of(1, 2, 3), out.stream().map(r -> r.revision).toList());
        assertEquals(List.of("mx1", "mx2"), out.get(2).hosts);
        kept = parts(h, a);
        assertEquals(List.of("mx1", "mx2"), kept.stream().map(p -> p.host).toList(), "in the order the hosts came");
        assertEquals(List.of(5L, 2L), kept.stream().map(p -> p.record.deferrals).toList());
        StatsRecord sum = FleetRollup.readFleet(value(h, a));
        assertEquals(7, sum.deferrals, "the fleet record of the parts is kept with them");
        assertEquals(List.of("mx1", "mx2"), sum.hosts);
        // a third host's part is added to it
        h.processElement(part("mx3", "x.example.net", 4), 0);
        StatsRecord three = drain(h).get(0);
        assertEquals(11, three.deferrals);
        assertEquals(4, three.revision);
        assertEquals(List.of("mx1", "mx2", "mx3"), three.hosts);
        assertEquals(1, three.deferralReasons.size());
        assertEquals(11, three.deferralReasons.get(0).count);
        assertEquals(11, FleetRollup.readFleet(value(h, a)).deferrals);
        assertEquals(Set.of(key(a)), keys(h));

        h.processWatermark(Long.MAX_VALUE);
        assertTrue(keys(h).isEmpty(), "nothing left at the end of the input");
        assertTrue(parts(h, a).isEmpty());
        assertEquals(0, h.numEventTimeTimers());
        h.close();
    }

    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void aSavepointOfPartsKeptAsRecordsRestores(boolean rocksDb) throws Exception {
        StatsConfig c = config();
        OperatorSubtaskState snapshot;
        StatsRecord touched = part("mx1", "x.example.net", 1);
        StatsRecord untouched = part("mx1", "y.example.net", 4);
        try (var before = harness(new RecordPartsRollup(c.rollupTtlMillis), rocksDb)) {
            before.open();
            before.setProcessingTime(10_000);
            before.processElement(touched, 0);
            before.processElement(part("mx3", "x.example.net", 10), 0);
            before.processElement(untouched, 0);
            snapshot = before.snapshot(1L, 0L);
        }
        try (var after = harness(new FleetRollup(c), rocksDb)) {
            after.setProcessingTime(10_000);
            after.initializeState(snapshot);
            after.open();
            assertEquals(Set.of(key(touched), key(untouched)), keys(after));
            after.setProcessingTime(20_000);
            // another host's part of a restored window: the restored parts count in the fleet record
            after.processElement(part("mx2", "x.example.net", 2), 0);
            StatsRecord fleet = drain(after).get(0);
            assertEquals(13, fleet.deferrals);
            assertEquals(3, fleet.revision);
            assertEquals(List.of("mx1", "mx2", "mx3"), fleet.hosts);
            // and now they are kept as bytes
            List<FleetRollup.Part> kept = parts(after, touched);
            assertEquals(Set.of("mx1", "mx2", "mx3"), kept.stream().map(p -> p.host).collect(java.util.stream.Collectors.toSet()));
            // a restored part replaced by its host's re-fired one
            after.processElement(part("mx1", "x.example.net", 3), 0);
            assertEquals(15, drain(after).get(0).deferrals);

            // the window nobody touched goes at its old expiry, the other at its new one
            after.setProcessingTime(10_000 + c.rollupTtlMillis + 1_000);
            assertEquals(Set.of(key(touched)), keys(after));
            after.processWatermark(Long.MAX_VALUE);
            assertTrue(keys(after).isEmpty());
            assertTrue(parts(after, untouched).isEmpty());
            assertEquals(0, after.numEventTimeTimers());
        }
    }

    /**
     * Windows whose parts come and go between two checkpoints never reach the state backend; a
     * window held across a checkpoint is written before the barrier, restores from it, and a run
     * with a checkpoint gives the records of a run without.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void windowsAreHeldInMemoryBetweenCheckpoints(boolean rocksDb) throws Exception {
        StatsConfig c = config();
        StatsRecord a = part("mx1", "a.example.net", 1);
        StatsRecord b = part("mx1", "b.example.net", 2);
        List<StatsRecord> uninterrupted;
        try (var h = harness(new FleetRollup(c), rocksDb)) {
            h.open();
            h.processElement(a, 0);
            h.processElement(part("mx2", "a.example.net", 3), 0);
            h.processElement(b, 0);
            assertTrue(keysInBackend(h).isEmpty(), "held in memory");
            h.processElement(part("mx3", "b.example.net", 4), 0);
            h.processWatermark(Long.MAX_VALUE);
            uninterrupted = drain(h);
            h.prepareSnapshotPreBarrier(1L);
            assertTrue(keysInBackend(h).isEmpty(), "dropped before any checkpoint: never written");
        }
        assertEquals(List.of(1L, 4L, 2L, 6L), uninterrupted.stream().map(r -> r.deferrals).toList());

        OperatorSubtaskState snapshot;
        List<StatsRecord> out = new ArrayList<>();
        try (var h = harness(new FleetRollup(c), rocksDb)) {
            h.open();
            h.processElement(part("mx1", "a.example.net", 1), 0);
            h.processElement(part("mx2", "a.example.net", 3), 0);
            h.processElement(part("mx1", "b.example.net", 2), 0);
            assertTrue(keysInBackend(h).isEmpty(), "held in memory");
            h.prepareSnapshotPreBarrier(1L);
            assertEquals(Set.of(key(a), key(b)), keysInBackend(h), "written before the barrier");
            snapshot = h.snapshot(1L, 0L);
            out.addAll(drain(h));
        }
        try (var h = harness(new FleetRollup(c), rocksDb)) {
            h.initializeState(snapshot);
            h.open();
            h.processElement(part("mx3", "b.example.net", 4), 0);
            h.processWatermark(Long.MAX_VALUE);
            out.addAll(drain(h));
            assertTrue(keys(h).isEmpty(), "nothing left at the end of the input");
        }
        assertEquals(uninterrupted.stream().map(r -> r.deferrals + "/" + r.revision + "/" + r.hosts).toList(),
                out.stream().map(r -> r.deferrals + "/" + r.revision + "/" + r.hosts).toList());
    }

    /**
     * Held until the watermark (a bounded input), a window's one part stays the record it came as:
     * it is sent as it came, finished, once; a part that comes later is added to a copy, so the
     * record already sent is not changed; a checkpoint while it is held
     * writes it as bytes, and the restored window sends the same record.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void aWindowsOnePartIsSentAsItCame(boolean rocksDb) throws Exception {
        StatsConfig c = config();
        c.holdUntilWatermark = true;
        c.rollupLogTtlMillis = 60_000L;
        long fireAt = c.fireAt(T + MIN);
        StatsRecord a = part("mx1", "a.example.net", 3);
        try (var h = harness(new FleetRollup(c), rocksDb)) {
            h.open();
            h.processElement(a, 0);
            assertTrue(drain(h).isEmpty(), "held until the watermark");
            assertTrue(keysInBackend(h).isEmpty(), "held in memory");
            h.processWatermark(fireAt);
            List<StatsRecord> out = drain(h);
            assertEquals(1, out.size());
            StatsRecord sent = out.get(0);
            assertEquals(1, sent.revision);
            assertEquals(3, sent.deferrals);
            assertEquals(List.of("mx1"), sent.hosts);
            assertEquals(3, sent.deferralReasons.stream().mapToLong(r -> r.count).sum());

            // another host's part after the window was sent: sent at once, as the next revision
            h.processElement(part("mx2", "a.example.net", 2), 0);
            StatsRecord next = drain(h).get(0);
            assertEquals(5, next.deferrals);
            assertEquals(2, next.revision);
            assertEquals(List.of("mx1", "mx2"), next.hosts);
            // the part held and sent (the operator's object) is not changed by the one added to it
            assertEquals(3, a.deferrals, "the record sent before is not changed");
            assertEquals(List.of("mx1"), a.hosts);
            assertEquals(1, a.revision);
            assertEquals(List.of(3L, 2L), parts(h, a).stream().map(p -> p.record.deferrals).toList());
            h.processWatermark(Long.MAX_VALUE);
            assertTrue(keys(h).isEmpty(), "nothing left at the end of the input");
        }

        // a checkpoint while the one part is held: written as its bytes, and sent after a restore
        StatsRecord b = part("mx1", "b.example.net", 4);
        OperatorSubtaskState snapshot;
        try (var h = harness(new FleetRollup(c), rocksDb)) {
            h.open();
            h.processElement(b, 0);
            List<FleetRollup.Part> kept = parts(h, b);
            assertEquals(List.of("mx1"), kept.stream().map(p -> p.host).toList());
            assertEquals(4, kept.get(0).record.deferrals);
            assertEquals(Set.of(key(b)), keysInBackend(h), "written before the barrier");
            snapshot = h.snapshot(1L, 0L);
            assertTrue(drain(h).isEmpty());
        }
        try (var h = harness(new FleetRollup(c), rocksDb)) {
            h.initializeState(snapshot);
            h.open();
            h.processWatermark(fireAt);
            List<StatsRecord> out = drain(h);
            assertEquals(1, out.size());
            assertEquals(4, out.get(0).deferrals);
            assertEquals(1, out.get(0).revision);
            assertEquals(List.of("mx1"), out.get(0).hosts);
            h.processWatermark(Long.MAX_VALUE);
            assertTrue(keys(h).isEmpty());
        }
    }
}
