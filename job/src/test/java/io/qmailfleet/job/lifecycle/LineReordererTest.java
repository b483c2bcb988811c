package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.warning;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.HostStates.ReorderBuffer;
import io.qmailfleet.job.model.QmailEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reorder buffer alone, on in-memory tables. */
class LineReordererTest {
    private final CountingTable<Long, QmailEvent> fifo = new CountingTable<>();
    private int stragglerReads;
    private final StateSlot<ReorderBuffer> stragglers = new StateSlot<>() {
        private ReorderBuffer b;

        @Override public ReorderBuffer get() { stragglerReads++; return b; }
        @Override public void set(ReorderBuffer v) { b = v; }
        @Override public void clear() { b = null; }
    };
    private final HostState st = new HostState();
    private final List<String> released = new ArrayList<>();

    private LineReorderer reorderer(long boundMillis) {
        return new LineReorderer(boundMillis * 1_000_000L, fifo, stragglers);
    }

    private boolean offer(LineReorderer r, long ms, String text) {
        return r.offer(st, warning(ms, text), e -> {
            released.add(e.text);
            if (e.tsNanos > st.clockNanos) st.clockNanos = e.tsNanos; // as the host rules do
        });
    }

    @Test
    void inOrderLinesWithBoundZeroPassStraightThroughWithoutState() {
        LineReorderer r = reorderer(0);
        for (int i = 0; i < 100; i++) assertTrue(offer(r, i, "l" + i));
        assertEquals(100, released.size());
        assertEquals(0, fifo.accesses());
        assertEquals(0, stragglerReads);
        assertEquals(-1, LineReorderer.releaseTimerMillis(st));
    }

    @Test
    void anInOrderLineCostsOnePutOneGetAndOneRemoveWhateverIsWaiting() {
        LineReorderer r = reorderer(60_000); // everything waits
        for (int i = 0; i < 1000; i++) offer(r, i, "l" + i);
        assertTrue(released.isEmpty());
        assertEquals(1000, fifo.puts);
        assertEquals(0, fifo.gets + fifo.removes + fifo.scans, "appending reads nothing");
        offer(r, 1_000_000, "far"); // releases all 1000
        assertEquals(1000, released.size());
        assertEquals(1000, fifo.removes);
        assertTrue(fifo.gets <= 1000 + 1, "one get per released line: " + fifo.gets);
        assertEquals(0, fifo.scans);
        assertEquals(0, stragglerReads, "no straggler: the stragglers are never read");
    }

    @Test
    void stragglersAreMergedInTimeThenArrivalOrder() {
        LineReorderer r = reorderer(1000);
        offer(r, 100, "a100");
        offer(r, 300, "b300");
        offer(r, 200, "c200"); // straggler
        offer(r, 200, "d200"); // straggler, same time, arrived later
        offer(r, 300, "e300"); // in order, same time as b300
        assertTrue(released.isEmpty());
        offer(r, 5000, "f5000");
        assertEquals(List.of("a100", "c200", "d200", "b300", "e300"), released);
        r.drain(st, e -> released.add(e.text));
        assertEquals("f5000", released.get(5));
        assertFalse(LineReorderer.hasBuffered(st));
    }

    @Test
    void aLineIsLateWhenOlderThanTheLastReleasedOrMoreThanTheBoundOlderThanTheNewest() {
        LineReorderer r = reorderer(1000);
        offer(r, 5000, "a");
        offer(r, 10_000, "b"); // releases a; the clock is 5 s
        assertEquals(List.of("a"), released);
        assertFalse(offer(r, 4000, "older than released"));
        assertFalse(offer(r, 8999, "1.001 s older than the newest"));
        assertTrue(offer(r, 9000, "exactly the bound"));
        assertTrue(r.isLate(st, at(4999)));
        assertFalse(r.isLate(st, at(9500)));
    }

    @Test
    void theWatermarkReleasesWhatItCoversAndTheTimerFollowsTheEarliestLine() {
        LineReorderer r = reorderer(2000);
        offer(r, 100, "a");
        offer(r, 50, "b"); // straggler
        offer(r, 150, "c");
        assertEquals(Math.floorDiv(at(50), 1_000_000L), LineReorderer.releaseTimerMillis(st));
        r.releaseForWatermark(st, Math.floorDiv(at(100), 1_000_000L), e -> released.add(e.text));
        assertEquals(List.of("b", "a"), released);
        assertEquals(Math.floorDiv(at(150), 1_000_000L), LineReorderer.releaseTimerMillis(st));
        r.releaseForWatermark(st, Long.MAX_VALUE, e -> released.add(e.text));
        assertEquals(List.of("b", "a", "c"), released);
        assertEquals(-1, LineReorderer.releaseTimerMillis(st));
        assertTrue(fifo.isEmpty());
        assertEquals(null, stragglers.get());
    }
}
