package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.HostStates.InFlightDelivery;
import io.qmailfleet.job.model.EventType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Deadlines on the host clock: open messages, in-flight deliveries and links, scanned only when due. */
class DeadlineScannerTest {
    private final LifecycleConfig config = new LifecycleConfig();
    private final HostState st = new HostState();
    private final CollectingHostOutput out = new CollectingHostOutput();
    private final StateTable<Long, InFlightDelivery> deliveryTable = StateTable.inMemory();
    private OpenMessages messages;
    private DeliveryMatcher deliveries;
    private DeadlineScanner scanner;

    private void build() {
        messages = new OpenMessages(StateTable.inMemory(), config.stuckAfterNanos);
        deliveries = new DeliveryMatcher(deliveryTable);
        LinkResolver links = new LinkResolver(StateTable.inMemory(), StateTable.inMemory(), config.linkTtlNanos);
        scanner = new DeadlineScanner(config, messages, deliveries, links);
    }

    private void clock(long ms) {
        st.clockNanos = at(ms);
    }

    @Test
    void aNewMessageArmsItsStuckDeadlineAndTheScanRaisesOneStuckCheck() {
        config.stuckAfterNanos = Duration.ofSeconds(10).toNanos();
        config.scanGranularityNanos = 0;
        build();
        messages.born(st, newMsg(0, 1));
        assertEquals(at(10_000), st.nextDeadlineNanos);
        clock(9_999);
        assertFalse(scanner.due(st));
        clock(10_500);
        assertTrue(scanner.due(st));
        scanner.runDue(st, Ev.HOST, out, st.clockNanos);
        assertEquals(1, out.messages(EventType.STUCK_CHECK).size());
        assertEquals(at(10_000), out.messages.get(0).tsNanos,
                "stamped with its scan instant (no granularity: the deadline), not the line that got the clock past it");
        assertEquals(at(0) + config.maxOpenAgeNanos, st.nextDeadlineNanos, "next: the maximum open age");
        clock(20_000);
        assertFalse(scanner.due(st));
    }

    @Test
    void scansRunAtInstantsOfTheGranularityWhateverTimeTheClockReachesThem() {
        config.stuckAfterNanos = Duration.ofSeconds(10).toNanos();
        config.scanGranularityNanos = Duration.ofSeconds(10).toNanos();
        build();
        long g = config.scanGranularityNanos;
        long first = Math.floorDiv(at(10_000) + g - 1, g) * g; // the first instant at or after 10 s
        messages.born(st, newMsg(0, 1));
        messages.born(st, newMsg(1, 2)); // stuck 1 ms after the first
        clock(10_000);
        if (at(10_001) <= first) {
            // both deadlines fall into the same instant: one scan raises both, at that instant
            scanner.runDue(st, Ev.HOST, out, at(10_000) + 2 * g);
            assertEquals(2, out.messages.size());
            assertEquals(first, out.messages.get(0).tsNanos);
            assertEquals(first, out.messages.get(1).tsNanos);
        }
        // the same, reached by one big clock step or by small ones: identical checks
        HostState a = new HostState();
        HostState b = new HostState();
        CollectingHostOutput outA = new CollectingHostOutput();
        CollectingHostOutput outB = new CollectingHostOutput();
        DeadlineScanner sa = scannerWith(a, outA);
        DeadlineScanner sb = scannerWith(b, outB);
        sa.runDue(a, Ev.HOST, outA, at(120_000));
        for (long ms = 0; ms <= 120_000; ms += 700) sb.runDue(b, Ev.HOST, outB, at(ms));
        sb.runDue(b, Ev.HOST, outB, at(120_000));
        assertEquals(times(outA), times(outB));
        assertEquals(3, outA.messages(EventType.STUCK_CHECK).size());
        for (var e : outA.messages) assertEquals(0, Math.floorMod(e.tsNanos, g), "on an instant of the granularity");
    }

    private DeadlineScanner scannerWith(HostState s, CollectingHostOutput o) {
        OpenMessages m = new OpenMessages(StateTable.inMemory(), config.stuckAfterNanos);
        DeadlineScanner sc = new DeadlineScanner(config, m, new DeliveryMatcher(StateTable.inMemory()),
                new LinkResolver(StateTable.inMemory(), StateTable.inMemory(), config.linkTtlNanos));
        m.born(s, newMsg(0, 1));
        m.born(s, newMsg(5_000, 2));
        m.born(s, newMsg(37_000, 3));
        return sc;
    }

    private static java.util.List<String> times(CollectingHostOutput o) {
        java.util.List<String> l = new java.util.ArrayList<>();
        for (var e : o.messages) l.add(e.type + " " + e.msgId + " " + e.tsNanos);
        return l;
    }

    @Test
    void pastTheMaximumOpenAgeAMessageIsEvictedWithItsDeliveries() {
        config.maxOpenAgeNanos = Duration.ofSeconds(100).toNanos();
        config.scanGranularityNanos = 0;
        build();
        messages.born(st, newMsg(0, 1));
        deliveries.started(start(1, 5, 1, "remote", "a@example.net"), 1, config.hungAfterNanos, out);
        clock(100_000);
        scanner.scan(st, Ev.HOST, out, st.clockNanos);
        assertEquals(1, out.messages(EventType.EVICT).size());
        assertEquals(at(100_000), out.messages(EventType.EVICT).get(0).tsNanos);
        assertTrue(deliveryTable.isEmpty());
        assertEquals(Long.MAX_VALUE, st.nextDeadlineNanos);
    }
}
