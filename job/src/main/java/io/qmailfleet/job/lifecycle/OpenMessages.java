package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.HostStates.OpenMessage;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The messages of a host between their first line and {@code end msg}, by message id: their
 * birth, the reference time of their age, and whether a stuck check was sent.
 */
final class OpenMessages {
    private final StateTable<Long, OpenMessage> open;
    private final long stuckAfterNanos;

    OpenMessages(StateTable<Long, OpenMessage> open, long stuckAfterNanos) {
        this.open = open;
        this.stuckAfterNanos = stuckAfterNanos;
    }

    OpenMessage get(long msgId) {
        return open.get(msgId);
    }

    void put(long msgId, OpenMessage m) {
        open.put(msgId, m);
    }

    /** {@code new msg}: a new life cycle of the id (the previous one, if any, is replaced and returned). */
    OpenMessage born(HostState st, QmailEvent ev) {
        OpenMessage old = open.get(ev.msgId);
        OpenMessage m = new OpenMessage();
        m.birthNanos = ev.tsNanos;
        m.sinceNanos = ev.tsNanos;
        open.put(ev.msgId, m);
        DeadlineScanner.arm(st, Sat.add(m.sinceNanos, stuckAfterNanos));
        return old;
    }

    /** The entry of the event's message, created (birth unknown) if the log began after its {@code new msg}. */
    OpenMessage touch(HostState st, QmailEvent ev) {
        OpenMessage m = open.get(ev.msgId);
        if (m == null) {
            m = new OpenMessage();
            m.sinceNanos = ev.tsNanos;
            open.put(ev.msgId, m);
            DeadlineScanner.arm(st, Sat.add(m.sinceNanos, stuckAfterNanos));
        }
        return m;
    }

    /** {@code end msg}: forgets the message; returns its entry, null if it was not open. */
    OpenMessage ended(long msgId) {
        OpenMessage m = open.get(msgId);
        if (m != null) open.remove(msgId);
        return m;
    }

    /** What a scan found: the next time it needs a look, and the messages it evicted. */
    static final class ScanResult {
        long next = Long.MAX_VALUE;
        /** Evicted message ids (null if none). */
        Set<Long> evicted;
    }

    /**
     * At host time {@code now}: EVICT for messages open longer than the maximum open age (dropped,
     * their qp index through {@code links}), STUCK_CHECK once for those past the stuck threshold.
     */
    ScanResult scan(String host, long now, int run, long maxOpenAgeNanos, LinkResolver links, HostOutput out) {
        ScanResult r = new ScanResult();
        long[] qpToDrop = null;
        int drops = 0;
        Iterator<Map.Entry<Long, OpenMessage>> mi = open.iterator();
        while (mi.hasNext()) {
            Map.Entry<Long, OpenMessage> e = mi.next();
            OpenMessage m = e.getValue();
            long age = now - m.sinceNanos;
            if (age >= maxOpenAgeNanos) {
                QmailEvent x = HostRules.control(EventType.EVICT, host, e.getKey(), now, run);
                x.startNanos = m.sinceNanos;
                x.text = "open longer than the maximum open age";
                out.message(x);
                mi.remove();
                if (r.evicted == null) r.evicted = new HashSet<>();
                r.evicted.add(e.getKey());
                if (m.qp >= 0) {
                    if (qpToDrop == null) qpToDrop = new long[8];
                    if (drops + 2 > qpToDrop.length) qpToDrop = java.util.Arrays.copyOf(qpToDrop, qpToDrop.length * 2);
                    qpToDrop[drops++] = m.qp;
                    qpToDrop[drops++] = e.getKey();
                }
                continue;
            }
            if (!m.stuckReported && age >= stuckAfterNanos) {
                QmailEvent x = HostRules.control(EventType.STUCK_CHECK, host, e.getKey(), now, run);
                x.startNanos = m.sinceNanos;
                out.message(x);
                m.stuckReported = true;
                e.setValue(m);
            }
            r.next = Math.min(r.next, Sat.add(m.sinceNanos, m.stuckReported ? maxOpenAgeNanos : stuckAfterNanos));
        }
        for (int i = 0; i < drops; i += 2) links.dropQpIndex(qpToDrop[i], qpToDrop[i + 1]);
        if (open.isEmpty()) open.clear(); // an emptied heap map is dropped, not kept
        return r;
    }

    /** Every open message (end of input, idle host). */
    Iterator<Map.Entry<Long, OpenMessage>> iterator() {
        return open.iterator();
    }

    void clear() {
        open.clear();
    }
}
