package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.AlertKind;
import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.model.Resolution;
import java.util.ArrayList;
import java.util.List;

/**
 * The stuck-message and hung-delivery alerts of one life cycle, and their resolutions. Raised at
 * most once each (the flags live in the record: {@link LifecycleRecord#wasStuck},
 * {@link Attempt#hung}); every alert is stamped with the host log time of the line that raised
 * or resolved it.
 */
final class MessageAlerts {
    private final long stuckAfterNanos;
    private final long hungAfterNanos;

    MessageAlerts(long stuckAfterNanos, long hungAfterNanos) {
        this.stuckAfterNanos = stuckAfterNanos;
        this.hungAfterNanos = hungAfterNanos;
    }

    /** STUCK_CHECK at {@code atNanos}: a stuck_message alert, unless one was raised already. */
    MessageAlert stuck(LifecycleRecord r, long atNanos, long sinceNanos) {
        if (r.wasStuck) return null;
        r.wasStuck = true;
        MessageAlert al = alert(r, AlertKind.STUCK_MESSAGE, atNanos);
        long since = r.newNanos >= 0 ? r.newNanos : sinceNanos;
        al.ageMillis = since >= 0 ? (atNanos - since) / 1_000_000L : -1;
        al.thresholdMillis = stuckAfterNanos / 1_000_000L;
        al.recipients = copyRecipients(r.recipients);
        return al;
    }

    /** HUNG_CHECK of attempt {@code a}: a hung_delivery alert, unless one was raised already. */
    MessageAlert hung(LifecycleRecord r, Recipient rc, Attempt a, long atNanos) {
        if (a.hung) return null;
        a.hung = true;
        return hungAlert(r, rc, a, AlertKind.HUNG_DELIVERY, atNanos, null);
    }

    /** Attempt {@code a} got its outcome: hung_resolved if it had been hung. */
    MessageAlert attemptEnded(LifecycleRecord r, Recipient rc, Attempt a, Outcome outcome, long atNanos) {
        if (!a.hung) return null;
        return hungAlert(r, rc, a, AlertKind.HUNG_RESOLVED, atNanos, Resolution.of(outcome));
    }

    /**
     * The record is written with {@code status} at {@code asOfNanos}: hung_resolved (open) for
     * every hung attempt still running, then stuck_resolved if it was stuck.
     */
    List<MessageAlert> closing(LifecycleRecord r, LifecycleStatus status, long asOfNanos) {
        List<MessageAlert> l = null;
        for (Recipient rc : r.recipients) {
            for (Attempt a : rc.attempts) {
                if (a.hung && a.outcome == null) {
                    if (l == null) l = new ArrayList<>(2);
                    l.add(hungAlert(r, rc, a, AlertKind.HUNG_RESOLVED, asOfNanos, Resolution.OPEN));
                }
            }
        }
        if (r.wasStuck) {
            MessageAlert al = alert(r, AlertKind.STUCK_RESOLVED, asOfNanos);
            long since = r.newNanos;
            al.ageMillis = since >= 0 ? (asOfNanos - since) / 1_000_000L : -1;
            al.thresholdMillis = stuckAfterNanos / 1_000_000L;
            al.resolution = stuckResolution(r, status);
            al.recipients = copyRecipients(r.recipients);
            if (l == null) l = new ArrayList<>(1);
            l.add(al);
        }
        return l == null ? List.of() : l;
    }

    static Resolution stuckResolution(LifecycleRecord r, LifecycleStatus status) {
        if (status != LifecycleStatus.COMPLETE) return Resolution.OPEN;
        if (r.bounceQp >= 0 || r.tripleBounceDiscarded) return Resolution.BOUNCED;
        if (r.successes > 0) return Resolution.DELIVERED;
        return Resolution.ENDED;
    }

    private static MessageAlert alert(LifecycleRecord r, AlertKind kind, long atNanos) {
        MessageAlert al = new MessageAlert();
        al.kind = kind;
        al.host = r.host;
        al.msgId = r.msgId;
        al.newNanos = r.newNanos;
        al.atNanos = atNanos;
        al.sender = r.sender;
        return al;
    }

    private MessageAlert hungAlert(LifecycleRecord r, Recipient rc, Attempt a, AlertKind kind, long atNanos,
                                   Resolution resolution) {
        MessageAlert al = alert(r, kind, atNanos);
        al.deliveryId = a.deliveryId;
        al.recipient = rc.address;
        al.channel = rc.channel;
        al.ageMillis = a.startNanos >= 0 ? (atNanos - a.startNanos) / 1_000_000L : -1;
        al.thresholdMillis = hungAfterNanos / 1_000_000L;
        al.resolution = resolution;
        return al;
    }

    /** A deep copy: the alert must not share (and later see changes of) the record's lists. */
    static List<Recipient> copyRecipients(List<Recipient> src) {
        List<Recipient> dst = new ArrayList<>(src.size());
        for (Recipient s : src) {
            Recipient c = new Recipient();
            c.address = s.address;
            c.domain = s.domain;
            c.channel = s.channel;
            c.finalOutcome = s.finalOutcome;
            c.forwardQp = s.forwardQp;
            c.mailbox = s.mailbox;
            for (Attempt a : s.attempts) {
                Attempt b = new Attempt();
                b.deliveryId = a.deliveryId;
                b.run = a.run;
                b.startNanos = a.startNanos;
                b.endNanos = a.endNanos;
                b.outcome = a.outcome;
                b.report = a.report;
                b.mangled = a.mangled;
                b.hung = a.hung;
                c.attempts.add(b);
            }
            dst.add(c);
        }
        return dst;
    }
}
