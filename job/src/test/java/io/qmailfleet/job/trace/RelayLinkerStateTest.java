package io.qmailfleet.job.trace;

import static io.qmailfleet.job.testutil.LifecycleGraphs.assertSameGraph;
import static io.qmailfleet.job.testutil.LifecycleGraphs.filled;
import static io.qmailfleet.job.trace.RelayLinkerTest.SEC;
import static io.qmailfleet.job.trace.RelayLinkerTest.T;
import static io.qmailfleet.job.trace.RelayLinkerTest.config;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleRecordSerializer;
import io.qmailfleet.job.model.LifecycleRecordStateMigrationTest;
import io.qmailfleet.job.model.Recipient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the relay linker keeps of a waiting side: its compact form (identity and times as fields, the
 * life cycle as serialized bytes, no life-cycle object), from which a link writes both life cycles
 * with every field; and state of the version before (whole life-cycle objects, Flink's POJO
 * serializer) restores and links, on the heap and on RocksDB.
 */
class RelayLinkerStateTest {

    /** A received life cycle with every field set (recipients, attempts, links), matchable by qp and info time. */
    static LifecycleRecord richReceiver(String host, long msgId, long infoNanos, long qp) throws Exception {
        LifecycleRecord r = filled(LifecycleRecord.class, (int) msgId);
        r.host = host;
        r.msgId = msgId;
        r.newNanos = infoNanos - 1_000;
        r.infoNanos = infoNanos;
        r.qp = qp;
        r.relayUpdate = false;
        r.relayedFrom = null;
        r.bounceOf = null;
        r.forwardOf = null;
        return r;
    }

    /** A sender life cycle relayed to {@code ip} ({@code 250 ok t qp qp}), with more recipients with every field set. */
    static LifecycleRecord richSender(String host, long msgId, String ip, long t, long qp) throws Exception {
        LifecycleRecord r = RelayLinkerTest.sent(host, msgId, T, ip, t, qp);
        r.recipients.add(filled(Recipient.class, 5));
        r.recipients.add(filled(Recipient.class, 9));
        r.bounceOf = filled(io.qmailfleet.job.model.MessageRef.class, 3);
        return r;
    }

    private static <T> List<T> state(KeyedTwoInputStreamOperatorTestHarness<Long, ?, ?, ?> h, long key, String name,
            Class<T> type) throws Exception {
        KeyedStateBackend<Long> kb = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        kb.setCurrentKey(key);
        ListState<T> s = kb.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new ListStateDescriptor<>(name, type));
        List<T> l = new ArrayList<>();
        Iterable<T> it = s.get();
        if (it != null) for (T x : it) l.add(x);
        return l;
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void waitingSidesAreCompactAndALinkWritesBothWholeLifeCycles(String backendName) throws Exception {
        try (var t = new RelayLinkerTest.Harness(config(), backend(backendName))) {
            LifecycleRecord received = richReceiver("mbox1", 22, T * SEC + 400_000_000L, 4242);
            LifecycleRecord expectedReceiver = LifecycleRecordSerializer.copyOf(received);
            t.reception(RelaySides.reception(received));

            List<RelayReception> rs = state(t.h, 4242L, "relay-receptions", RelayReception.class);
            assertEquals(1, rs.size());
            RelayReception w = rs.get(0);
            assertNull(w.receiver, "no life-cycle object waits");
            assertEquals("mbox1", w.host);
            assertEquals(22, w.msgId);
            assertEquals(expectedReceiver.newNanos, w.newNanos);
            assertEquals(expectedReceiver.infoNanos, w.infoNanos);
            assertArrayEquals(LifecycleRecordSerializer.toBytes(expectedReceiver), w.receiverBytes);

            LifecycleRecord sender = richSender("mx1", 11, "10.0.0.2", T + 9, 5151);
            LifecycleRecord expectedSender = LifecycleRecordSerializer.copyOf(sender);
            List<RelayOffer> offers = RelaySides.offers(sender);
            assertEquals(1, offers.size());
            t.offer(offers.get(0)); // another qp: waits too
            List<RelayOffer> os = state(t.h, 5151L, "relay-offers", RelayOffer.class);
            assertEquals(1, os.size());
            assertNull(os.get(0).sender, "no life-cycle object waits");
            assertEquals("mx1", os.get(0).senderHost);
            assertEquals(11, os.get(0).senderMsgId);
            assertEquals(expectedSender.newNanos, os.get(0).senderNewNanos);
            assertArrayEquals(LifecycleRecordSerializer.toBytes(expectedSender), os.get(0).senderBytes);

            // the other side of each comes: two links, each with both whole life cycles
            t.offer(RelayLinkerTest.offer("mx2", 12, T, "10.0.0.2", T, 4242));
            t.reception(RelaySides.reception(richReceiver("mbox2", 57, (T + 9) * SEC + 1_000, 5151)));
            t.settle();
            List<RelayMatch> m = t.matches();
            assertEquals(2, m.size());
            RelayMatch toMbox1 = m.get(0).hop.toHost.equals("mbox1") ? m.get(0) : m.get(1);
            RelayMatch fromMx1 = m.get(0).hop.fromHost.equals("mx1") ? m.get(0) : m.get(1);
            assertSameGraph(expectedReceiver, toMbox1.receiver, "receiver");
            assertEquals(expectedReceiver.endNanos, toMbox1.hop.toEndNanos);
            assertEquals(expectedReceiver.status.json(), toMbox1.hop.toStatus);
            assertSameGraph(expectedSender, fromMx1.sender, "sender");
            assertEquals(expectedSender.sender, fromMx1.hop.fromSender);
            assertNoWaitingSides(t.h);
        }
    }

    // the fields of the two classes before the compact form
    static final Set<String> OFFER_FIELDS_BEFORE = Set.of("qp", "reportedSeconds", "remoteIp", "recipient",
            "recipientDomain", "deliveryId", "deliveryRun", "attemptStartNanos", "attemptEndNanos", "sender",
            "expiresAtMillis", "ambiguous", "pairedWith", "decideAtMillis");
    static final Set<String> RECEPTION_FIELDS_BEFORE =
            Set.of("qp", "receiver", "expiresAtMillis", "ambiguous", "pairedWith", "decideAtMillis");

    /** The relay linker's two list states as the version before wrote them: whole objects, POJO serializers. */
    static final class StateBefore extends AbstractStreamOperator<Object> implements OneInputStreamOperator<Object, Object> {
        private transient ListState<RelayOffer> offers;
        private transient ListState<RelayReception> receptions;

        @Override
        public void open() throws Exception {
            super.open();
            TypeInformation<RelayOffer> o = LifecycleRecordStateMigrationTest.pojoType(RelayOffer.class, OFFER_FIELDS_BEFORE);
            TypeInformation<RelayReception> r =
                    LifecycleRecordStateMigrationTest.pojoType(RelayReception.class, RECEPTION_FIELDS_BEFORE);
            offers = getRuntimeContext().getListState(new ListStateDescriptor<>("relay-offers", o));
            receptions = getRuntimeContext().getListState(new ListStateDescriptor<>("relay-receptions", r));
        }

        @Override
        public void processElement(StreamRecord<Object> e) throws Exception {
            if (e.getValue() instanceof RelayOffer o) offers.add(o);
            else receptions.add((RelayReception) e.getValue());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void stateOfTheVersionBeforeTheCompactFormRestoresAndLinks(String backendName) throws Exception {
        LifecycleRecord received = richReceiver("mbox1", 22, T * SEC + 400_000_000L, 4242);
        LifecycleRecord sender = richSender("mx1", 11, "10.0.0.2", T + 9, 5151);
        OperatorSubtaskState snapshot;
        var before = new KeyedOneInputStreamOperatorTestHarness<Long, Object, Object>(new StateBefore(),
                x -> x instanceof RelayOffer o ? o.qp : ((RelayReception) x).qp, Types.LONG);
        try (before) {
            if (backendName.equals("rocksdb")) before.setStateBackend(new EmbeddedRocksDBStateBackend());
            before.open();
            RelayReception r = RelaySides.reception(LifecycleRecordSerializer.copyOf(received));
            r.expiresAtMillis = 60_000;
            before.processElement(r, 0L);
            RelayOffer o = RelaySides.offers(LifecycleRecordSerializer.copyOf(sender)).get(0);
            o.expiresAtMillis = 60_000;
            assertNotNull(o.sender);
            before.processElement(o, 0L);
            snapshot = before.snapshot(1L, 0L);
        }
        var after = new KeyedTwoInputStreamOperatorTestHarness<Long, RelayOffer, RelayReception, RelayMatch>(
                new KeyedCoProcessOperator<>(new RelayLinker(config())), new RelayTrace.OfferQp(),
                new RelayTrace.ReceptionQp(), Types.LONG);
        try (after) {
            if (backendName.equals("rocksdb")) after.setStateBackend(new EmbeddedRocksDBStateBackend());
            after.setProcessingTime(0);
            after.initializeState(snapshot);
            after.open();
            List<RelayReception> restored = state(after, 4242L, "relay-receptions", RelayReception.class);
            assertEquals(1, restored.size());
            assertSameGraph(received, restored.get(0).receiver(), "restored reception");

            after.processElement1(new StreamRecord<>(RelayLinkerTest.offer("mx2", 12, T, "10.0.0.2", T, 4242)));
            after.processElement2(new StreamRecord<>(
                    RelaySides.reception(richReceiver("mbox2", 57, (T + 9) * SEC + 1_000, 5151))));
            after.setProcessingTime(5_000);
            List<RelayMatch> m = new ArrayList<>();
            for (Object x : after.getOutput()) if (x instanceof StreamRecord<?> sr) m.add((RelayMatch) sr.getValue());
            assertEquals(2, m.size(), "both restored sides linked");
            RelayMatch toMbox1 = m.get(0).hop.toHost.equals("mbox1") ? m.get(0) : m.get(1);
            RelayMatch fromMx1 = m.get(0).hop.fromHost.equals("mx1") ? m.get(0) : m.get(1);
            assertSameGraph(received, toMbox1.receiver, "receiver restored from the POJO form");
            assertSameGraph(sender, fromMx1.sender, "sender restored from the POJO form");
            assertEquals("mbox2", fromMx1.hop.toHost);
            assertEquals(12, toMbox1.hop.fromMsgId);
            assertNoWaitingSides(after);
            assertTrue(after.numProcessingTimeTimers() == 0 && after.numEventTimeTimers() == 0, "timers gone");
        }
    }

    /** Both lists empty for every key, on either backend. */
    private static void assertNoWaitingSides(KeyedTwoInputStreamOperatorTestHarness<Long, ?, ?, ?> h) {
        KeyedStateBackend<Long> kb = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        for (String name : List.of("relay-offers", "relay-receptions")) {
            try (var keys = kb.getKeys(name, VoidNamespace.INSTANCE)) {
                assertEquals(0, keys.count(), name + " gone after the links");
            }
        }
    }

    private static StateBackend backend(String name) {
        return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : null;
    }
}
