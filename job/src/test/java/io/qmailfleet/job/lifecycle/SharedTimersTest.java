package io.qmailfleet.job.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SharedTimers} in a {@link WriteBackOperator} on Flink's keyed harness, both state backends:
 * keys that ask for one instant share one timer and are each handled once, with the key current,
 * when it fires; a flush (a checkpoint barrier) gives each listed key its own timer; a flush in the
 * middle of a firing leaves the keys not handled yet to their own timers; a key that asks for the
 * firing instant while it fires gets a timer of its own.
 */
class SharedTimersTest {
    /**
     * Elements are "key@instant" (ask for a timer) or "key@instant!" (ask, and write the held state
     * when handled as a listed key). Each handling is output as "key@instant", the key read from
     * the keyed state of the key that is current then. Like the job's operators, a listed key is
     * handled only while it is held in memory: a flush empties memory, and from then on the key's
     * own timer must handle it.
     */
    static final class Asker extends KeyedProcessFunction<String, String, String> implements WriteBackOperator.Function {
        private transient HeldState held;
        private transient SharedTimers timers;
        private transient ValueState<String> name;
        private transient java.util.Set<String> inMemory;
        private final List<String> flushWhenHandled = new ArrayList<>();
        /** A key that asks again for the instant being fired, when it is handled: "key@instant". */
        private final String asksAgain;

        Asker(String asksAgain) {
            this.asksAgain = asksAgain;
        }

        @Override
        public void holdWith(HeldState held) {
            this.held = held;
        }

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
            timers = new SharedTimers(held);
            inMemory = new java.util.HashSet<>();
            held.add(new HeldState.Holder() {
                @Override
                public void flush(java.util.function.Consumer<String> setKey) {
                    inMemory.clear();
                }

                @Override
                public int held() {
                    return inMemory.size();
                }
            });
            name = getRuntimeContext().getState(new ValueStateDescriptor<>("name", Types.STRING));
        }

        @Override
        public void processElement(String e, Context ctx, Collector<String> out) throws Exception {
            name.update(ctx.getCurrentKey());
            inMemory.add(ctx.getCurrentKey());
            String at = e.substring(e.indexOf('@') + 1).replace("!", "");
            if (e.endsWith("!")) flushWhenHandled.add(ctx.getCurrentKey());
            timers.ask(ctx.getCurrentKey(), Long.parseLong(at), ctx.timerService());
        }

        @Override
        public void onTimer(long t, OnTimerContext ctx, Collector<String> out) throws Exception {
            String owner = ctx.getCurrentKey();
            out.collect(name.value() + "@" + t);
            timers.fire(owner, t, key -> {
                if (!inMemory.contains(key)) return;
                out.collect(name.value() + "@" + t);
                if ((key + "@" + t).equals(asksAgain)) timers.ask(key, t, ctx.timerService());
                if (flushWhenHandled.remove(key)) held.flushKeepingKey();
            });
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, String, String> harness(String asksAgain, boolean rocksdb)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new WriteBackOperator<>(new Asker(asksAgain)),
                e -> e.substring(0, e.indexOf('@')), Types.STRING);
        if (rocksdb) h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    private static List<String> handled(KeyedOneInputStreamOperatorTestHarness<String, String, String> h) {
        List<String> l = new ArrayList<>();
        for (Object o : h.getOutput()) if (o instanceof StreamRecord<?> r) l.add((String) r.getValue());
        l.sort(null);
        return l;
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, String, String> h, String... elements) throws Exception {
        for (String e : elements) h.processElement(new StreamRecord<>(e));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void keysOfAnInstantShareOneTimerAndAreEachHandledOnce(boolean rocksdb) throws Exception {
        try (var h = harness(null, rocksdb)) {
            h.open();
            send(h, "a@100", "b@100", "c@100", "b@100", "a@100", "a@200", "d@200");
            assertEquals(2, h.numEventTimeTimers(), "one per instant");
            h.processWatermark(150);
            assertEquals(List.of("a@100", "b@100", "c@100"), handled(h), "each key once, current when handled");
            h.processWatermark(250);
            assertEquals(List.of("a@100", "a@200", "b@100", "c@100", "d@200"), handled(h));
            assertEquals(0, h.numEventTimeTimers());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aCheckpointGivesEveryListedKeyItsOwnTimerAndRestores(boolean rocksdb) throws Exception {
        OperatorSubtaskState snap;
        try (var h = harness(null, rocksdb)) {
            h.open();
            send(h, "a@100", "b@100", "c@100", "d@300");
            assertEquals(2, h.numEventTimeTimers());
            h.prepareSnapshotPreBarrier(1);
            assertEquals(4, h.numEventTimeTimers(), "a timer per key in the checkpoint");
            snap = h.snapshot(1, 1);
            // after the flush a key of the instant asks again: its own timer is there already
            send(h, "b@100", "e@100");
            assertEquals(4, h.numEventTimeTimers(), "b's own timer is set already; e is listed under it");
            h.processWatermark(150);
            assertEquals(List.of("a@100", "b@100", "c@100", "e@100"), handled(h), "each once");
        }
        try (var r = harness(null, rocksdb)) {
            r.initializeState(snap);
            r.open();
            assertEquals(4, r.numEventTimeTimers(), "restored: every key's own timer");
            r.processWatermark(400);
            assertEquals(List.of("a@100", "b@100", "c@100", "d@300"), handled(r));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aFlushWhileATimerFiresLeavesTheRestToTheirOwnTimers(boolean rocksdb) throws Exception {
        try (var h = harness(null, rocksdb)) {
            h.open();
            // b is handled second and writes the held state: c and d get their own timers then
            send(h, "a@100", "b@100!", "c@100", "d@100");
            assertEquals(1, h.numEventTimeTimers());
            h.processWatermark(150);
            assertEquals(List.of("a@100", "b@100", "c@100", "d@100"), handled(h), "each once, none lost");
            assertEquals(0, h.numEventTimeTimers());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aKeyThatAsksForTheFiringInstantGetsItsOwnTimer(boolean rocksdb) throws Exception {
        try (var h = harness("b@100", rocksdb)) {
            h.open();
            send(h, "a@100", "b@100", "c@100");
            h.processWatermark(150);
            // b asked again while the instant fired: its own timer, at an instant the watermark passed, fires too
            assertEquals(List.of("a@100", "b@100", "b@100", "c@100"), handled(h));
            assertEquals(0, h.numEventTimeTimers());
        }
    }
}
