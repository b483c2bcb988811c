package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;

/**
 * Hand-built parsed lines, as the parser produces them (fields per log-format.md sections 1 and 2).
 * Times are milliseconds after {@link #T0} on the host's log clock.
 */
final class Ev {
    /** 2026-11-24 20:14:11 UTC, the start of real-capture-1's phase 1. */
    static final long T0 = 1_795_551_251_000_000_000L;
    static final String HOST = "mail1.example.com";

    private Ev() {}

    static long at(long millis) {
        return T0 + millis * 1_000_000L;
    }

    static QmailEvent ev(long millis, EventType type) {
        QmailEvent e = new QmailEvent(HOST, at(millis), type);
        e.origin = "test";
        return e;
    }

    static QmailEvent newMsg(long ms, long id) {
        QmailEvent e = ev(ms, EventType.NEW_MSG);
        e.msgId = id;
        return e;
    }

    static QmailEvent info(long ms, long id, long bytes, String sender, long qp, long uid) {
        QmailEvent e = ev(ms, EventType.INFO_MSG);
        e.msgId = id;
        e.bytes = bytes;
        e.address = sender;
        e.qp = qp;
        e.uid = uid;
        return e;
    }

    static QmailEvent start(long ms, long d, long id, String channel, String rcpt) {
        QmailEvent e = ev(ms, EventType.START_DELIVERY);
        e.deliveryId = d;
        e.msgId = id;
        e.channel = channel;
        e.address = rcpt;
        return e;
    }

    static QmailEvent result(long ms, long d, Outcome outcome, String text) {
        QmailEvent e = ev(ms, EventType.DELIVERY_RESULT);
        e.deliveryId = d;
        e.outcome = outcome;
        e.text = text;
        return e;
    }

    /** {@code delivery <d>: success: did_0+1+0/qp_<qp>/} as the parser reports it. */
    static QmailEvent forwarded(long ms, long d, long qp) {
        QmailEvent e = result(ms, d, Outcome.SUCCESS, "did_0+1+0/qp_" + qp + "/");
        e.qp = qp;
        return e;
    }

    static QmailEvent bounce(long ms, long id, long qp) {
        QmailEvent e = ev(ms, EventType.BOUNCE_MSG);
        e.msgId = id;
        e.qp = qp;
        return e;
    }

    static QmailEvent triple(long ms, long id) {
        QmailEvent e = ev(ms, EventType.TRIPLE_BOUNCE);
        e.msgId = id;
        return e;
    }

    static QmailEvent end(long ms, long id) {
        QmailEvent e = ev(ms, EventType.END_MSG);
        e.msgId = id;
        return e;
    }

    static QmailEvent status(long ms, int localUsed, int remoteUsed) {
        QmailEvent e = ev(ms, EventType.STATUS);
        e.localUsed = localUsed;
        e.localMax = 10;
        e.remoteUsed = remoteUsed;
        e.remoteMax = 20;
        return e;
    }

    static QmailEvent exiting(long ms) {
        return ev(ms, EventType.STATUS_EXITING);
    }

    static QmailEvent warning(long ms, String text) {
        QmailEvent e = ev(ms, EventType.WARNING);
        e.text = text;
        return e;
    }

    static QmailEvent splitHead(long ms, String raw) {
        QmailEvent e = ev(ms, EventType.SPLIT_HEAD);
        e.raw = raw;
        return e;
    }

    static QmailEvent continuation(long ms, String raw) {
        QmailEvent e = ev(ms, EventType.CONTINUATION);
        e.raw = raw;
        return e;
    }

    static QmailEvent onHost(QmailEvent e, String host) {
        e.host = host;
        return e;
    }
}
