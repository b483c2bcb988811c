package io.qmailfleet.job.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qmailfleet.job.alert.RateSample;
import io.qmailfleet.job.stats.Measures;
import io.qmailfleet.job.testutil.PojoTypes;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A savepoint whose keyed map state of stats records (the host windows' {@code parts}, the fleet
 * roll-up's {@code rollup-parts}), of facts or of rate samples (the fleet rate rules' windows) was
 * written with Flink's POJO serializer, as the job wrote it before these types named their own
 * serializers, restores into the compact serializers: Flink migrates it, on the heap and on
 * RocksDB, and every field comes back.
 */
class StatsStateMigrationTest {

    /** Puts each record it gets into a map state "parts" under its index; emits the state's values on a marker. */
    static final class Parts<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T> {
        private final TypeInformation<T> type;
        private final FilterFunction<T> isMarker;
        private transient MapState<Integer, T> parts;
        private int next;

        Parts(TypeInformation<T> type, FilterFunction<T> isMarker) {
            this.type = type;
            this.isMarker = isMarker;
        }

        @Override
        public void open() throws Exception {
            super.open();
            parts = getRuntimeContext().getMapState(new MapStateDescriptor<>("parts", Types.INT, type));
        }

        @Override
        public void processElement(StreamRecord<T> r) throws Exception {
            if (isMarker.filter(r.getValue())) {
                for (int i = 0; parts.contains(i); i++) output.collect(new StreamRecord<>(parts.get(i)));
            } else {
                parts.put(next++, r.getValue());
            }
        }
    }

    private static <T> List<T> writeThenRestore(TypeInformation<T> before, TypeInformation<T> after, List<T> written,
                                                T marker, FilterFunction<T> isMarker, String backendName)
            throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, T, T>(
                new Parts<>(before, isMarker), r -> "k", Types.STRING)) {
            if (backendName.equals("rocksdb")) h.setStateBackend(new EmbeddedRocksDBStateBackend());
            h.open();
            for (T r : written) h.processElement(r, 0L);
            snapshot = h.snapshot(1L, 0L);
        }
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, T, T>(
                new Parts<>(after, isMarker), r -> "k", Types.STRING)) {
            if (backendName.equals("rocksdb")) h.setStateBackend(new EmbeddedRocksDBStateBackend());
            h.initializeState(snapshot);
            h.open();
            h.processElement(marker, 0L);
            return h.extractOutputValues();
        }
    }

    private static List<StatsRecord> records() {
        List<StatsRecord> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            StatsRecord r = Measures.empty(StatsRecord.DOMAIN, "x" + i + ".example.net", 1_795_550_400_000L,
                    1_795_550_460_000L);
            r.hosts.add("mx" + i);
            r.revision = i + 1;
            r.deferrals = 10 + i;
            r.xdelay = 1.5 * i;
            r.firstNanos = 1_795_550_401_000_000_000L + i;
            ReasonCount c = new ReasonCount();
            c.category = "mailbox_unavailable";
            c.code = "451";
            c.enhanced = "4.2.1";
            c.count = 10 + i;
            c.example = "451 4.2.1 <a@x>: mailbox temporarily unavailable";
            r.deferralReasons.add(c);
            if (i > 0) {
                r.ddelaySketch = new SketchState();
                r.ddelaySketch.items = new double[] {0.5, 1.5 + i};
                r.ddelaySketch.weights = new long[] {2, 1};
                r.ddelaySketch.pending = new double[] {3.25, 0, 0, 0};
                r.ddelaySketch.pendingCount = 1;
            }
            written.add(r);
        }
        return written;
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void pojoStatsRecordStateRestoresIntoTheCompactSerializer(String backend) throws Exception {
        List<StatsRecord> written = records();
        TypeInformation<StatsRecord> after = TypeInformation.of(StatsRecord.class);
        assertEquals(StatsRecordTypeInfo.INSTANCE, after);
        List<StatsRecord> back = writeThenRestore(PojoTypes.pojoOf(StatsRecord.class), after, written,
                new StatsRecord(), r -> r.key == null, backend);
        assertEquals(written.size(), back.size());
        for (int i = 0; i < written.size(); i++) {
            StatsSerializersTest.assertSameFields(written.get(i), back.get(i), "record " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void pojoRateSampleStateRestoresIntoTheCompactSerializer(String backend) throws Exception {
        List<RateSample> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RateSample s = new RateSample();
            s.dimension = i == 0 ? RateSample.DOMAIN : RateSample.SENDER;
            s.key = "k" + i;
            s.windowStart = 1_795_550_400_000L + i * 60_000L;
            s.windowEnd = s.windowStart + 60_000L;
            s.revision = i + 1;
            s.hosts.add("mx" + i);
            s.attempts = 10 + i;
            s.deferrals = i;
            s.recipients = i == 2 ? -1 : 4;
            written.add(s);
        }
        List<RateSample> back = writeThenRestore(PojoTypes.pojoOf(RateSample.class),
                TypeInformation.of(RateSample.class), written, new RateSample(), s -> s.key == null, backend);
        assertEquals(written.size(), back.size());
        for (int i = 0; i < written.size(); i++) {
            StatsSerializersTest.assertSameFields(written.get(i), back.get(i), "sample " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void pojoMessageFactStateRestoresIntoTheCompactSerializer(String backend) throws Exception {
        List<MessageFact> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            MessageFact f = new MessageFact();
            f.kind = FactKind.values()[i];
            f.host = "mx1";
            f.producer = i;
            f.producers = 3;
            f.msgId = 1000 + i;
            f.tsNanos = 1_795_550_401_000_000_000L + i;
            f.infoNanos = f.tsNanos - 5_000_000_000L;
            f.sender = i == 1 ? "" : "alice@example.com";
            f.recipient = "bob@example.org";
            f.outcome = Outcome.values()[i];
            f.report = "";
            f.mangled = i == 2;
            f.bounced = i == 1;
            f.successes = i;
            written.add(f);
        }
        TypeInformation<MessageFact> after = TypeInformation.of(MessageFact.class);
        assertEquals(MessageFactTypeInfo.INSTANCE, after);
        List<MessageFact> back = writeThenRestore(PojoTypes.pojoOf(MessageFact.class), after, written,
                new MessageFact(), f -> f.host == null, backend);
        assertEquals(written.size(), back.size());
        for (int i = 0; i < written.size(); i++) {
            StatsSerializersTest.assertSameFields(written.get(i), back.get(i), "fact " + i);
        }
    }
}
