package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.result;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.lifecycle.HostStates.InFlightDelivery;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeliveryMatcherTest {
    private final StateTable<Long, InFlightDelivery> table = StateTable.inMemory();
    private final DeliveryMatcher m = new DeliveryMatcher(table);
    private final CollectingHostOutput out = new CollectingHostOutput();
    private final LifecycleConfig config = new LifecycleConfig();

    @Test
    void aResultGetsItsStartsMessageRecipientChannelTimeAndRun() {
        long hungAt = m.started(start(10, 7, 90, "local", "x@example.com"), 2, config.hungAfterNanos, out);
        assertEquals(at(10) + config.hungAfterNanos, hungAt);
        QmailEvent r = result(20, 7, Outcome.SUCCESS, "did_1+0+0/");
        assertTrue(m.finished(r));
        assertEquals(90, r.msgId);
        assertEquals("local", r.channel);
        assertEquals("x@example.com", r.address);
        assertEquals(at(10), r.startNanos);
        assertEquals(2, r.run);
        assertTrue(table.isEmpty());
        assertFalse(m.finished(result(21, 7, Outcome.SUCCESS, "again/")), "matched once only");
    }

    @Test
    void theSameIdStartedTwiceInterruptsTheFirst() {
        m.started(start(10, 1, 90, "remote", "a@example.net"), 1, config.hungAfterNanos, out);
        m.started(start(30, 1, 91, "remote", "b@example.net"), 1, config.hungAfterNanos, out);
        QmailEvent x = out.messages.get(0);
        assertEquals(EventType.DELIVERY_INTERRUPTED, x.type);
        assertEquals(90, x.msgId);
        assertEquals(at(30), x.tsNanos, "at the line that showed it");
        assertEquals(Outcome.INTERRUPTED, x.outcome);
    }

    @Test
    void interruptAllClosesEveryDeliveryInFlight() {
        m.started(start(10, 1, 90, "remote", "a@example.net"), 1, config.hungAfterNanos, out);
        m.started(start(11, 2, 91, "local", "b@example.com"), 1, config.hungAfterNanos, out);
        m.interruptAll(Ev.HOST, at(50), out);
        assertEquals(List.of(90L, 91L), out.messages.stream().map(e -> e.msgId).sorted().toList());
        assertTrue(out.messages.stream().allMatch(e -> e.tsNanos == at(50) && e.run == 1));
        assertTrue(table.isEmpty());
    }

    @Test
    void scanRaisesOneHungCheckAndDropsDeliveriesOfEvictedMessages() {
        config.hungAfterNanos = Duration.ofSeconds(5).toNanos();
        m.started(start(0, 1, 90, "remote", "a@example.net"), 1, config.hungAfterNanos, out);
        m.started(start(0, 2, 91, "remote", "b@example.net"), 1, config.hungAfterNanos, out);
        assertEquals(at(0) + config.hungAfterNanos, m.scan(Ev.HOST, at(2000), null, config, out),
                "nothing hung yet; next look at the hung deadline");
        assertTrue(out.messages.isEmpty());
        long next = m.scan(Ev.HOST, at(6000), Set.of(91L), config, out);
        assertEquals(1, out.messages(EventType.HUNG_CHECK).size());
        assertEquals(90, out.messages(EventType.HUNG_CHECK).get(0).msgId);
        assertEquals(at(6000), out.messages(EventType.HUNG_CHECK).get(0).tsNanos);
        assertEquals(at(0) + config.maxOpenAgeNanos, next, "then only the maximum open age");
        m.scan(Ev.HOST, at(7000), null, config, out);
        assertEquals(1, out.messages(EventType.HUNG_CHECK).size(), "once");
        assertTrue(table.get(1L) != null, "delivery 1 still runs");
        assertTrue(table.get(2L) == null, "delivery 2 belonged to the evicted message 91");
    }
}
