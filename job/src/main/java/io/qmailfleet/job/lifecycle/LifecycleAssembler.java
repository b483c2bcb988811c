package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.LinkKind;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.MessageRef;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.parse.Mailbox;
import java.util.Locale;

/**
 * Builds one {@link LifecycleRecord} from the events of one (host, message), in host order, in
 * plain Java: the rules of stage B of {@link HostSequencer}, which only loads the record, calls
 * {@link #apply} and stores what it returns. Alerts come from {@link MessageAlerts}.
 */
public final class LifecycleAssembler {
    private final MessageAlerts alerts;

    public LifecycleAssembler(LifecycleConfig config) {
        this.alerts = new MessageAlerts(config.stuckAfterNanos, config.hungAfterNanos);
    }

    /**
     * Applies one event to the record of its message ({@code r}, null if none is held).
     *
     * @return the record to keep, or null when there is none to keep (written, or never started)
     */
    public LifecycleRecord apply(LifecycleRecord r, QmailEvent ev, LifecycleOutput out) {
        if (ev.type == EventType.NEW_MSG) {
            if (r != null) {
                // the id was reused without an end line (lost line): the old one is over
                close(r, LifecycleStatus.ABANDONED, ev.tsNanos, out);
            }
            r = fresh(ev);
            r.newNanos = ev.tsNanos;
            return r;
        }
        if (r == null) {
            switch (ev.type) {
                case INFO_MSG:
                case START_DELIVERY:
                case DELIVERY_RESULT:
                case DELIVERY_INTERRUPTED:
                case BOUNCE_MSG:
                case TRIPLE_BOUNCE:
                case END_MSG:
                    // the log began after this message's new msg line
                    r = fresh(ev);
                    r.partial = true;
                    out.partialLifecycle();
                    break;
                default:
                    out.ignoredControlEvent();
                    return null;
            }
        }
        switch (ev.type) {
            case INFO_MSG:
                r.infoNanos = ev.tsNanos;
                r.bytes = ev.bytes;
                r.sender = ev.address;
                r.senderKind = senderKind(ev.address);
                r.qp = ev.qp;
                r.uid = ev.uid;
                applyLink(r, ev);
                out.messageAccepted(r, ev.tsNanos);
                break;
            case LINK:
                applyLink(r, ev);
                break;
            case START_DELIVERY: {
                Recipient rc = recipient(r, ev.address, ev.channel);
                Attempt a = new Attempt();
                a.deliveryId = ev.deliveryId;
                a.run = ev.run;
                a.startNanos = ev.tsNanos;
                rc.attempts.add(a);
                rc.finalOutcome = "running";
                break;
            }
            case DELIVERY_RESULT:
            case DELIVERY_INTERRUPTED: {
                Outcome outcome = ev.type == EventType.DELIVERY_INTERRUPTED ? Outcome.INTERRUPTED : ev.outcome;
                if (outcome == null) outcome = Outcome.DEFERRAL; // "report mangled, will defer"
                Recipient rc = recipient(r, ev.address, ev.channel);
                Attempt a = runningAttempt(rc, ev);
                a.outcome = outcome;
                a.endNanos = ev.tsNanos;
                a.mangled = ev.mangled;
                a.report = ev.type == EventType.DELIVERY_INTERRUPTED ? null : (ev.text == null ? "" : ev.text);
                switch (outcome) {
                    case SUCCESS: r.successes++; break;
                    case DEFERRAL: r.deferrals++; break;
                    case FAILURE: r.failures++; break;
                    case INTERRUPTED: r.interrupted++; break;
                    default: break;
                }
                if (outcome == Outcome.SUCCESS && ev.qp > 0) rc.forwardQp = ev.qp;
                rc.finalOutcome = finalOutcome(rc);
                emit(alerts.attemptEnded(r, rc, a, outcome, ev.tsNanos), out);
                out.attemptEnded(r, rc, a);
                break;
            }
            case BOUNCE_MSG:
                r.bounceQp = ev.qp;
                break;
            case TRIPLE_BOUNCE:
                r.tripleBounceDiscarded = true;
                break;
            case END_MSG:
                r.endNanos = ev.tsNanos;
                close(r, LifecycleStatus.COMPLETE, ev.tsNanos, out);
                return null;
            case STUCK_CHECK:
                emit(alerts.stuck(r, ev.tsNanos, ev.startNanos), out);
                break;
            case HUNG_CHECK: {
                Recipient rc = recipient(r, ev.address, ev.channel);
                Attempt a = runningAttempt(rc, ev);
                rc.finalOutcome = finalOutcome(rc);
                emit(alerts.hung(r, rc, a, ev.tsNanos), out);
                break;
            }
            case FLUSH_OPEN:
                close(r, LifecycleStatus.OPEN, ev.tsNanos, out);
                return null;
            case EVICT:
                close(r, LifecycleStatus.ABANDONED, ev.tsNanos, out);
                return null;
            default:
                out.ignoredControlEvent();
                break;
        }
        return r;
    }

    /** Writes the record with the given status, resolving any open stuck/hung alert first. */
    private void close(LifecycleRecord r, LifecycleStatus status, long asOfNanos, LifecycleOutput out) {
        r.status = status;
        r.asOfNanos = asOfNanos;
        for (MessageAlert al : alerts.closing(r, status, asOfNanos)) out.alert(al);
        out.lifecycle(r);
    }

    private static void emit(MessageAlert al, LifecycleOutput out) {
        if (al != null) out.alert(al);
    }

    private static LifecycleRecord fresh(QmailEvent ev) {
        LifecycleRecord r = new LifecycleRecord();
        r.host = ev.host;
        r.msgId = ev.msgId;
        r.run = ev.run;
        return r;
    }

    private static void applyLink(LifecycleRecord r, QmailEvent ev) {
        if (ev.linkKind == null) return;
        MessageRef ref = new MessageRef(ev.linkMsgId, ev.linkBirthNanos, ev.qp, ev.linkRecipient);
        if (ev.linkKind == LinkKind.BOUNCE) {
            ref.recipient = null;
            r.bounceOf = ref;
        } else if (ev.linkKind == LinkKind.FORWARD) {
            r.forwardOf = ref;
        }
    }

    /** {@code ""} (a bounce) -> null, {@code #@[]} (a double bounce) -> double-bounce, else normal. */
    static String senderKind(String sender) {
        if (sender == null) return null;
        if (sender.isEmpty()) return "null";
        if (sender.equals("#@[]")) return "double-bounce";
        return "normal";
    }

    static String domainOf(String address) {
        if (address == null) return "";
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    private static Recipient recipient(LifecycleRecord r, String address, String channel) {
        String addr = address == null ? "" : address;
        String ch = channel == null ? "" : channel;
        Recipient rc = r.recipient(addr, ch);
        if (rc == null) {
            rc = new Recipient();
            rc.address = addr;
            rc.channel = ch;
            rc.domain = domainOf(addr);
            rc.mailbox = Mailbox.of(addr, ch);
            rc.finalOutcome = "running";
            r.recipients.add(rc);
        }
        return rc;
    }

    /**
     * The still-running attempt of {@code ev}'s delivery (same delivery id and run). If its
     * {@code starting delivery} came before this message's state (a partial life cycle), the
     * attempt is added from what the host stage copied onto the event.
     */
    private static Attempt runningAttempt(Recipient rc, QmailEvent ev) {
        for (int i = rc.attempts.size() - 1; i >= 0; i--) {
            Attempt a = rc.attempts.get(i);
            if (a.deliveryId == ev.deliveryId && a.run == ev.run && a.outcome == null) return a;
        }
        Attempt a = new Attempt();
        a.deliveryId = ev.deliveryId;
        a.run = ev.run;
        a.startNanos = ev.startNanos;
        rc.attempts.add(a);
        return a;
    }

    private static String finalOutcome(Recipient rc) {
        if (rc.attempts.isEmpty()) return "running";
        Attempt last = rc.attempts.get(rc.attempts.size() - 1);
        return last.outcome == null ? "running" : last.outcome.json();
    }
}
