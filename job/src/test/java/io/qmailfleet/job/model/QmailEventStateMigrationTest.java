package io.qmailfleet.job.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
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
 * A savepoint whose map state of events was written with Flink's POJO serializer (as the host
 * sequencer's reorder buffer was) restores into the compact serializer: Flink migrates it, on the
 * heap and on RocksDB, and every field comes back.
 */
class QmailEventStateMigrationTest {

    /** Puts each event it gets into a map state "fifo" under its seq; emits the state's events on a null-host marker. */
    static final class Buffer extends AbstractStreamOperator<QmailEvent> implements OneInputStreamOperator<QmailEvent, QmailEvent> {
        private final TypeInformation<QmailEvent> type;
        private transient MapState<Long, QmailEvent> fifo;

        Buffer(TypeInformation<QmailEvent> type) {
            this.type = type;
        }

        @Override
        public void open() throws Exception {
            super.open();
            fifo = getRuntimeContext().getMapState(new MapStateDescriptor<>("fifo", Types.LONG, type));
        }

        @Override
        public void processElement(StreamRecord<QmailEvent> r) throws Exception {
            if (r.getValue().type == null) {
                for (long i = 0; i < 3; i++) output.collect(new StreamRecord<>(fifo.get(i)));
            } else {
                fifo.put(r.getValue().seq, r.getValue());
            }
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, QmailEvent> harness(
            TypeInformation<QmailEvent> type, StateBackend backend) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, QmailEvent>(
                new Buffer(type), e -> "mx1", Types.STRING);
        if (backend != null) h.setStateBackend(backend);
        return h;
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void pojoStateRestoresIntoTheCompactSerializer(String backendName) throws Exception {
        List<QmailEvent> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            QmailEvent e = new QmailEvent("mx1", 1_795_550_799_534_648_500L + i, EventType.values()[i]);
            e.seq = i;
            e.msgId = 1000 + i;
            e.text = "line " + i;
            e.format = LogFormat.values()[0];
            e.exitasap = i == 1;
            written.add(e);
        }
        OperatorSubtaskState snapshot;
        try (var before = harness(TypeInformation.of(QmailEvent.class), backend(backendName))) {
            before.open();
            for (QmailEvent e : written) before.processElement(e, 0L);
            snapshot = before.snapshot(1L, 0L);
        }
        try (var after = harness(QmailEventTypeInfo.INSTANCE, backend(backendName))) {
            after.initializeState(snapshot);
            after.open();
            QmailEvent marker = new QmailEvent();
            marker.host = "mx1";
            after.processElement(marker, 0L);
            List<QmailEvent> back = after.extractOutputValues();
            assertEquals(written, back);
            assertTrue(back.get(1).exitasap);
        }
    }

    private static StateBackend backend(String name) {
        return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : null;
    }
}
