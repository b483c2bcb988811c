package io.qmailfleet.job.model;

import static io.qmailfleet.job.testutil.LifecycleGraphs.assertSameGraph;
import static io.qmailfleet.job.testutil.LifecycleGraphs.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.qmailfleet.job.testutil.LifecycleGraphs;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
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
 * A savepoint whose life cycles were written with Flink's POJO serializer (as the lifecycle
 * builder's open records and the relay stages' state were before {@link LifecycleRecordSerializer})
 * restores into the compact serializer: Flink migrates it, on the heap and on RocksDB, and every
 * field of every nested object comes back.
 */
public class LifecycleRecordStateMigrationTest {

    /**
     * The type Flink's type extraction gave a class before {@code LifecycleRecord} named its own
     * serializer: a POJO of the class's fields (only {@code only}, when given), each typed as Flink
     * extracts it, except that a {@code LifecycleRecord} field, or the class itself, is the POJO too.
     */
    public static <T> PojoTypeInfo<T> pojoType(Class<T> c, Set<String> only) {
        List<PojoField> fields = new ArrayList<>();
        for (Field f : LifecycleGraphs.fields(c)) {
            if (only != null && !only.contains(f.getName())) continue;
            TypeInformation<?> t = f.getType() == LifecycleRecord.class ? pojoType(LifecycleRecord.class)
                    : TypeExtractor.createTypeInfo(f.getGenericType());
            fields.add(new PojoField(f, t));
        }
        return new PojoTypeInfo<>(c, fields);
    }

    public static <T> PojoTypeInfo<T> pojoType(Class<T> c) {
        return pojoType(c, null);
    }

    /** Keeps each record it gets in value state "lifecycle" of its key; emits the state on a record without a host. */
    static final class Keep extends AbstractStreamOperator<LifecycleRecord>
            implements OneInputStreamOperator<LifecycleRecord, LifecycleRecord> {
        private final TypeInformation<LifecycleRecord> type;
        private transient ValueState<LifecycleRecord> state;

        Keep(TypeInformation<LifecycleRecord> type) {
            this.type = type;
        }

        @Override
        public void open() throws Exception {
            super.open();
            state = getRuntimeContext().getState(new ValueStateDescriptor<>("lifecycle", type));
        }

        @Override
        public void processElement(StreamRecord<LifecycleRecord> r) throws Exception {
            if (r.getValue().host == null) output.collect(new StreamRecord<>(state.value()));
            else state.update(r.getValue());
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, LifecycleRecord, LifecycleRecord> harness(
            TypeInformation<LifecycleRecord> type, StateBackend backend) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, LifecycleRecord, LifecycleRecord>(
                new Keep(type), r -> "k" + r.msgId, Types.STRING);
        if (backend != null) h.setStateBackend(backend);
        return h;
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void pojoStateRestoresIntoTheCompactSerializer(String backendName) throws Exception {
        PojoTypeInfo<LifecycleRecord> pojo = pojoType(LifecycleRecord.class);
        assertInstanceOf(PojoSerializer.class, pojo.createSerializer(new SerializerConfigImpl()));
        List<LifecycleRecord> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            LifecycleRecord r = i == 2 ? new LifecycleRecord() : filled(LifecycleRecord.class, i);
            r.host = "mx1";
            r.msgId = i;
            written.add(r);
        }
        OperatorSubtaskState snapshot;
        try (var before = harness(pojo, backend(backendName))) {
            before.open();
            for (LifecycleRecord r : written) before.processElement(r, 0L);
            snapshot = before.snapshot(1L, 0L);
        }
        try (var after = harness(TypeInformation.of(LifecycleRecord.class), backend(backendName))) {
            after.initializeState(snapshot);
            after.open();
            for (int i = 0; i < 3; i++) {
                LifecycleRecord marker = new LifecycleRecord();
                marker.msgId = i;
                after.processElement(marker, 0L);
            }
            List<LifecycleRecord> back = after.extractOutputValues();
            assertEquals(3, back.size());
            for (int i = 0; i < 3; i++) {
                LifecycleRecord expected = i == 2 ? new LifecycleRecord() : filled(LifecycleRecord.class, i);
                expected.host = "mx1";
                expected.msgId = i;
                assertSameGraph(expected, back.get(i), "record " + i);
            }
            // and a second snapshot, now in the compact form, restores too
            snapshot = after.snapshot(2L, 0L);
        }
        try (var again = harness(TypeInformation.of(LifecycleRecord.class), backend(backendName))) {
            again.initializeState(snapshot);
            again.open();
            LifecycleRecord marker = new LifecycleRecord();
            marker.msgId = 0;
            again.processElement(marker, 0L);
            LifecycleRecord expected = filled(LifecycleRecord.class, 0);
            expected.host = "mx1";
            expected.msgId = 0;
            assertSameGraph(expected, again.extractOutputValues().get(0), "after a second restore");
        }
    }

    static StateBackend backend(String name) {
        return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : null;
    }

}
