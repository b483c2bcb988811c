package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.InFlightDelivery;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Matches {@code delivery <d>:} to its {@code starting delivery <d>:} within one qmail-send run,
 * keeping the deliveries in flight by delivery id. A result is enriched with the message id,
 * channel, recipient, start time and run of its start, so the per-message stage needs no order
 * across messages. Deliveries still in flight when the run ends are closed as interrupted.
 */
final class DeliveryMatcher {
    private final StateTable<Long, InFlightDelivery> deliveries;

    DeliveryMatcher(StateTable<Long, InFlightDelivery> deliveries) {
        this.deliveries = deliveries;
    }

    /** {@code starting delivery}: remembers it. Returns the time it becomes hung. */
    long started(QmailEvent ev, int run, long hungAfterNanos, HostOutput out) {
        InFlightDelivery prev = deliveries.get(ev.deliveryId);
        if (prev != null) {
            // same id twice in one run: a restart we could not see; the old one never ended
            out.message(interrupted(ev.host, ev.deliveryId, prev, ev.tsNanos));
        }
        InFlightDelivery f = new InFlightDelivery();
        f.msgId = ev.msgId;
        f.channel = ev.channel;
        f.recipient = ev.address;
        f.startNanos = ev.tsNanos;
        f.run = run;
        deliveries.put(ev.deliveryId, f);
        return Sat.add(f.startNanos, hungAfterNanos);
    }

    /**
     * {@code delivery <d>:}: forgets its start and copies the start's fields onto the result.
     * Returns false (the result unchanged) when no delivery of that id is in flight.
     */
    boolean finished(QmailEvent ev) {
        InFlightDelivery f = deliveries.get(ev.deliveryId);
        if (f == null) return false;
        deliveries.remove(ev.deliveryId);
        ev.msgId = f.msgId;
        ev.channel = f.channel;
        ev.address = f.recipient;
        ev.startNanos = f.startNanos;
        ev.run = f.run;
        return true;
    }

    /** qmail-send exited or restarted: every delivery in flight is over, without a result. */
    void interruptAll(String host, long nowNanos, HostOutput out) {
        if (deliveries.isEmpty()) return;
        for (Iterator<Map.Entry<Long, InFlightDelivery>> it = deliveries.iterator(); it.hasNext(); ) {
            Map.Entry<Long, InFlightDelivery> e = it.next();
            out.message(interrupted(host, e.getKey(), e.getValue(), nowNanos));
        }
        deliveries.clear();
    }

    /**
     * At host time {@code now}: HUNG_CHECK once for each delivery running longer than the hung
     * threshold; deliveries of evicted messages or older than the maximum open age are dropped.
     * Returns the next time this needs a look (MAX if never).
     */
    long scan(String host, long now, Set<Long> evictedMessages, LifecycleConfig config, HostOutput out) {
        long next = Long.MAX_VALUE;
        Iterator<Map.Entry<Long, InFlightDelivery>> di = deliveries.iterator();
        while (di.hasNext()) {
            Map.Entry<Long, InFlightDelivery> e = di.next();
            InFlightDelivery f = e.getValue();
            long age = now - f.startNanos;
            if ((evictedMessages != null && evictedMessages.contains(f.msgId)) || age >= config.maxOpenAgeNanos) {
                di.remove();
                continue;
            }
            if (!f.hungReported && age >= config.hungAfterNanos) {
                QmailEvent x = HostRules.control(EventType.HUNG_CHECK, host, f.msgId, now, f.run);
                x.deliveryId = e.getKey();
                x.startNanos = f.startNanos;
                x.channel = f.channel;
                x.address = f.recipient;
                out.message(x);
                f.hungReported = true;
                e.setValue(f);
            }
            next = Math.min(next, Sat.add(f.startNanos, f.hungReported ? config.maxOpenAgeNanos : config.hungAfterNanos));
        }
        // entries removed through an iterator leave an empty map behind in heap state: drop it
        if (deliveries.isEmpty()) deliveries.clear();
        return next;
    }

    void clear() {
        deliveries.clear();
    }

    private static QmailEvent interrupted(String host, long deliveryId, InFlightDelivery f, long nowNanos) {
        QmailEvent x = HostRules.control(EventType.DELIVERY_INTERRUPTED, host, f.msgId, nowNanos, f.run);
        x.deliveryId = deliveryId;
        x.startNanos = f.startNanos;
        x.channel = f.channel;
        x.address = f.recipient;
        x.outcome = Outcome.INTERRUPTED;
        return x;
    }
}
