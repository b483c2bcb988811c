package io.qmailfleet.job.trace;

import static io.qmailfleet.job.trace.RelayBoundTest.acc;
import static io.qmailfleet.job.trace.RelayBoundTest.harness;
import static io.qmailfleet.job.trace.RelayBoundTest.waitingReceptions;
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
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The end of a bounded input in {@link RelayLinker.Operator}: the watermark at the end of time settles
 * every key that holds anything, with no end-of-input timer per key (a waiting element costs one
 * timer, its expiry); and a state of the version that set such a timer per key restores, links, and
 * ends with every element counted once.
 */
class RelayEndOfInputTest {
    private static final long END = Long.MAX_VALUE;

    /** The links written, with their timestamps. */
    private static List<StreamRecord<RelayMatch>> links(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, RelayMatch> h) {
        List<StreamRecord<RelayMatch>> l = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> sr) {
                @SuppressWarnings("unchecked")
                StreamRecord<RelayMatch> m = (StreamRecord<RelayMatch>) sr;
                l.add(m);
            }
        }
        return l;
    }

    /** Keys with offers or receptions in keyed state, on either backend. */
    private static long waitingKeys(KeyedTwoInputStreamOperatorTestHarness<Long, ?, ?, ?> h) {
        KeyedStateBackend<Long> kb = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        long n = 0;
        for (String state : List.of("relay-offers", "relay-receptions")) {
            try (var keys = kb.getKeys(state, VoidNamespace.INSTANCE)) {
                n += keys.count();
            }
        }
        return n;
    }

    private static void end(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, ?> h) throws Exception {
        h.processBothWatermarks(new Watermark(END));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theEndOfTheInputSettlesEveryKeyWithNoTimerOfItsOwn(boolean rocksdb) throws Exception {
        try (var h = harness(RelayBoundTest.config(1_000), rocksdb)) {
            h.open();
            // three receptions from outside the fleet, an offer to a receiver outside the job
            for (int i = 0; i < 3; i++) h.processElement2(new StreamRecord<>(received("mbox1", 30 + i, (T + i) * SEC, 300 + i)));
            h.processElement1(new StreamRecord<>(offer("mx1", 10, T, "192.0.2.9", T, 900)));
            // a pair that has not settled yet
            h.processElement1(new StreamRecord<>(offer("mx1", 11, T, "10.0.0.2", T, 4242)));
            h.processElement2(new StreamRecord<>(received("mbox1", 22, T * SEC, 4242)));
            // two receivers of one pid and second for one offer: ambiguous, never linked
            h.processElement2(new StreamRecord<>(received("mbox1", 40, (T + 50) * SEC, 5151)));
            h.processElement2(new StreamRecord<>(received("mbox2", 41, (T + 50) * SEC + 1_000, 5151)));
            h.processElement1(new StreamRecord<>(offer("mx1", 12, T, "10.0.0.2", T + 50, 5151)));

            assertEquals(0, h.numEventTimeTimers(), "no key sets a timer for the end of the input");
            assertTrue(h.numProcessingTimeTimers() > 0, "the expiry and settle timers");
            assertTrue(links(h).isEmpty());

            end(h);
            List<StreamRecord<RelayMatch>> links = links(h);
            assertEquals(1, links.size(), "the pair is written at the end");
            assertEquals(11, links.get(0).getValue().hop.fromMsgId);
            assertEquals(22, links.get(0).getValue().hop.toMsgId);
            assertEquals(END, links.get(0).getTimestamp(), "stamped with the end of time, as a timer's output was");
            assertEquals(1, acc(h, RelayLinker.ACC_LINKS));
            assertEquals(2, acc(h, RelayLinker.ACC_OFFERS_EXPIRED), "the unmatched and the ambiguous offer");
            assertEquals(5, acc(h, RelayLinker.ACC_RECEPTIONS_EXPIRED), "three from outside, two ambiguous");
            assertEquals(0, waitingKeys(h), "nothing waits");
            assertEquals(0, h.numProcessingTimeTimers(), "every timer gone with its element");
            assertEquals(0, h.numEventTimeTimers());
            if (!rocksdb) assertEquals(0, RelayBoundTest.op(h).waiting());

            // the watermark goes on after the links
            Object last = h.getOutput().toArray()[h.getOutput().size() - 1];
            assertEquals(new Watermark(END), last);
        }
    }

    /** The linker as the version before wrote its state: an end-of-input timer for every key that holds anything. */
    static final class LinkerBefore extends RelayLinker {
        private static final long serialVersionUID = 1L;

        LinkerBefore(RelayConfig cfg) {
            super(cfg);
        }

        @Override
        public void processElement1(RelayOffer o, Context ctx, Collector<RelayMatch> out) throws Exception {
            super.processElement1(o, ctx, out);
            ctx.timerService().registerEventTimeTimer(END);
        }

        @Override
        public void processElement2(RelayReception r, Context ctx, Collector<RelayMatch> out) throws Exception {
            super.processElement2(r, ctx, out);
            ctx.timerService().registerEventTimeTimer(END);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aStateWithAnEndOfInputTimerPerKeyRestoresAndEndsOnce(boolean rocksdb) throws Exception {
        OperatorSubtaskState snap;
        var before = new KeyedTwoInputStreamOperatorTestHarness<Long, RelayOffer, RelayReception, RelayMatch>(
                new KeyedCoProcessOperator<>(new LinkerBefore(RelayBoundTest.config(1_000))), new RelayTrace.OfferQp(),
                new RelayTrace.ReceptionQp(), Types.LONG);
        try (before) {
            if (rocksdb) before.setStateBackend(new EmbeddedRocksDBStateBackend());
            before.setProcessingTime(0);
            before.open();
            for (int i = 0; i < 3; i++) before.processElement2(new StreamRecord<>(received("mbox1", 30 + i, (T + i) * SEC, 300 + i)));
            before.processElement2(new StreamRecord<>(received("mbox1", 22, T * SEC, 4242)));
            assertEquals(4, before.numEventTimeTimers(), "the earlier version: one per key");
            snap = before.snapshot(1, 1_000);
        }
        try (var h = harness(RelayBoundTest.config(1_000), rocksdb)) {
            h.setProcessingTime(1_000);
            h.initializeState(snap);
            h.open();
            assertEquals(4, h.numEventTimeTimers());
            // the restored reception 4242 links: its key empties and its old timer goes with it
            h.processElement1(new StreamRecord<>(offer("mx1", 11, T, "10.0.0.2", T, 4242)));
            h.setProcessingTime(h.getProcessingTime() + 5_000);
            assertEquals(1, links(h).size());
            assertEquals(3, h.numEventTimeTimers(), "the linked key's end-of-input timer deleted");
            // a new reception sets no such timer
            h.processElement2(new StreamRecord<>(received("mbox1", 50, (T + 9) * SEC, 777)));
            assertEquals(3, h.numEventTimeTimers());

            end(h);
            assertEquals(1, links(h).size());
            assertEquals(4, acc(h, RelayLinker.ACC_RECEPTIONS_EXPIRED), "each waiting reception counted once");
            assertEquals(0, waitingKeys(h));
            assertEquals(0, h.numEventTimeTimers(), "the old timers fired on empty keys and are gone");
            assertEquals(0, h.numProcessingTimeTimers());
            if (!rocksdb) assertEquals(List.of(), waitingReceptions(h));
        }
    }
}
