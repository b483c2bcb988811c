package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.HostStates.OpenMessage;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import java.util.Iterator;
import java.util.Map;

/**
 * The end of a host's state: at the end of a bounded input (FLUSH_OPEN: open messages are written
 * {@code open}) or when the host has been silent for the idle TTL of wall-clock time (EVICT: they
 * are written {@code abandoned}). Either way one control event per open message, at the host's
 * last log time, and then the caller drops every table of the host.
 */
final class HostEviction {
    private HostEviction() {}

    /**
     * The idle timer of a host fired at {@code timerMillis} (processing time). Returns -1 if the
     * host has been silent for the TTL (close it now), else the time to look again: one timer per
     * host, re-armed lazily instead of on every line.
     */
    static long idleCheck(HostState st, long timerMillis, long hostIdleTtlMillis) {
        long idleUntil = Sat.add(st.lastActivityMillis, hostIdleTtlMillis);
        return timerMillis >= idleUntil ? -1 : idleUntil;
    }

    /** One {@code kind} event (FLUSH_OPEN or EVICT) per open message, at the host clock. */
    static void closeOpenMessages(HostState st, String host, EventType kind, OpenMessages messages, HostOutput out) {
        for (Iterator<Map.Entry<Long, OpenMessage>> it = messages.iterator(); it.hasNext(); ) {
            Map.Entry<Long, OpenMessage> e = it.next();
            QmailEvent x = HostRules.control(kind, host, e.getKey(), st.clockNanos, st.run);
            x.startNanos = e.getValue().sinceNanos;
            if (kind == EventType.EVICT) x.text = "host silent for the idle TTL";
            out.message(x);
        }
    }
}
