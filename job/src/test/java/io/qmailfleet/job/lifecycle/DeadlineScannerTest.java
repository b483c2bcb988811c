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
        assertFalse(DeadlineScanner.due(st));
        clock(10_500);
        assertTrue(DeadlineScanner.due(st));
        scanner.scan(st, Ev.HOST, out, false);
        assertEquals(1, out.messages(EventType.STUCK_CHECK).size());
        assertEquals(at(10_500), out.messages.get(0).tsNanos, "stamped with the host clock: the line that crossed it");
        assertEquals(at(0) + config.maxOpenAgeNanos, st.nextDeadlineNanos, "next: the maximum open age");
        clock(20_000);
        assertFalse(DeadlineScanner.due(st));
    }

    @Test
    void theGranularityBoundsHowOftenScansRun() {
        config.stuckAfterNanos = Duration.ofSeconds(10).toNanos();
        config.scanGranularityNanos = Duration.ofSeconds(10).toNanos();
        build();
        messages.born(st, newMsg(0, 1));
        messages.born(st, newMsg(1, 2)); // stuck 1 ms after the first
        clock(10_000);
        scanner.scan(st, Ev.HOST, out, false);
        assertEquals(1, out.messages.size());
        assertEquals(at(20_000), st.nextDeadlineNanos, "not before clock + granularity");
        scanner.scan(st, Ev.HOST, out, true);
        assertEquals(1, out.messages.size(), "message 2 is not stuck yet at 10 s");
        assertEquals(at(10_001), st.nextDeadlineNanos, "an exact scan keeps the exact next deadline");
    }

    @Test
    void pastTheMaximumOpenAgeAMessageIsEvictedWithItsDeliveries() {
        config.maxOpenAgeNanos = Duration.ofSeconds(100).toNanos();
        build();
        messages.born(st, newMsg(0, 1));
        deliveries.started(start(1, 5, 1, "remote", "a@example.net"), 1, config.hungAfterNanos, out);
        clock(100_000);
        scanner.scan(st, Ev.HOST, out, false);
        assertEquals(1, out.messages(EventType.EVICT).size());
        assertEquals(at(100_000), out.messages(EventType.EVICT).get(0).tsNanos);
        assertTrue(deliveryTable.isEmpty());
        assertEquals(Long.MAX_VALUE, st.nextDeadlineNanos);
    }
}
