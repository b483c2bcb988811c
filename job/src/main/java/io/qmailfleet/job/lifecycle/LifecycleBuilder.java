package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.MessageRef;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.parse.Mailbox;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Stage B: builds one {@link LifecycleRecord} per message life cycle from the events of
 * {@link HostSequencer}, keyed by {@link #messageKey()} ({@code host + " " + msgId}).
 *
 * <p>It relies on stage A for everything order-related: events of one (host, message) arrive in
 * host log order (they leave stage A's single per-host subtask in order over one channel), delivery
 * results already carry their message id, recipient, channel and start time, links are resolved,
 * and timeouts arrive as STUCK_CHECK / HUNG_CHECK / EVICT / FLUSH_OPEN control events on the
 * host's log clock. So this stage registers no timers; its state for a key is one record, created
 * by the first event and cleared when the record is emitted.
 */
public class LifecycleBuilder extends KeyedProcessFunction<String, QmailEvent, LifecycleRecord> {
    private static final long serialVersionUID = 1L;

    /** stuck_message, stuck_resolved, hung_delivery and hung_resolved alerts. */
    public static final OutputTag<MessageAlert> ALERTS =
            new OutputTag<>("message-alerts", TypeInformation.of(MessageAlert.class));

    public static final String STATUS_COMPLETE = "complete";
    public static final String STATUS_OPEN = "open";
    public static final String STATUS_ABANDONED = "abandoned";

    private final LifecycleConfig config;

    private transient ValueState<LifecycleRecord> record;
    private transient Counter partialLifecycles;
    private transient Counter ignoredControlEvents;

    public LifecycleBuilder() {
        this(new LifecycleConfig());
    }

    public LifecycleBuilder(LifecycleConfig config) {
        this.config = config.validate();
    }

    /** The key of this stage: {@code host + " " + msgId}. */
    public static KeySelector<QmailEvent, String> messageKey() {
        return new MessageKey();
    }

    /** Serializable key selector (a named class, so its type is extractable). */
    public static final class MessageKey implements KeySelector<QmailEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(QmailEvent e) {
            return e.host + " " + e.msgId;
        }
    }

    @Override
    public void open(OpenContext openContext) {
        record = getRuntimeContext().getState(
                new ValueStateDescriptor<>("lifecycle", TypeInformation.of(LifecycleRecord.class)));
        partialLifecycles = getRuntimeContext().getMetricGroup().counter("partialLifecycles");
        ignoredControlEvents = getRuntimeContext().getMetricGroup().counter("ignoredControlEvents");
    }

    @Override
    public void processElement(QmailEvent ev, Context ctx, Collector<LifecycleRecord> out) throws Exception {
        LifecycleRecord r = record.value();
        if (ev.type == EventType.NEW_MSG) {
            if (r != null) {
                // the id was reused without an end line (lost line): the old one is over
                close(r, STATUS_ABANDONED, ev.tsNanos, ctx, out);
            }
            r = fresh(ev);
            r.newNanos = ev.tsNanos;
            record.update(r);
            return;
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
                    partialLifecycles.inc();
                    break;
                default:
                    // a control event for a life cycle that is not (or no longer) here
                    ignoredControlEvents.inc();
                    return;
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
                if (a.hung) {
                    ctx.output(ALERTS, hungAlert(r, rc, a, "hung_resolved", ev.tsNanos, outcome.json()));
                }
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
                close(r, STATUS_COMPLETE, ev.tsNanos, ctx, out);
                record.clear();
                return;
            case STUCK_CHECK: {
                if (!r.wasStuck) {
                    r.wasStuck = true;
                    MessageAlert al = alert(r, "stuck_message", ev.tsNanos);
                    long since = r.newNanos >= 0 ? r.newNanos : ev.startNanos;
                    al.ageMillis = since >= 0 ? (ev.tsNanos - since) / 1_000_000L : -1;
                    al.thresholdMillis = config.stuckAfterNanos / 1_000_000L;
                    al.recipients = copyRecipients(r.recipients);
                    ctx.output(ALERTS, al);
                }
                break;
            }
            case HUNG_CHECK: {
                Recipient rc = recipient(r, ev.address, ev.channel);
                Attempt a = runningAttempt(rc, ev);
                rc.finalOutcome = finalOutcome(rc);
                if (!a.hung) {
                    a.hung = true;
                    ctx.output(ALERTS, hungAlert(r, rc, a, "hung_delivery", ev.tsNanos, null));
                }
                break;
            }
            case FLUSH_OPEN:
                close(r, STATUS_OPEN, ev.tsNanos, ctx, out);
                record.clear();
                return;
            case EVICT:
                close(r, STATUS_ABANDONED, ev.tsNanos, ctx, out);
                record.clear();
                return;
            default:
                ignoredControlEvents.inc();
                break;
        }
        record.update(r);
    }

    /** Emits the record with the given status, resolving any open stuck/hung alert. */
    private void close(LifecycleRecord r, String status, long asOfNanos, Context ctx, Collector<LifecycleRecord> out) {
        r.status = status;
        r.asOfNanos = asOfNanos;
        boolean complete = STATUS_COMPLETE.equals(status);
        for (Recipient rc : r.recipients) {
            for (Attempt a : rc.attempts) {
                if (a.hung && a.outcome == null) {
                    ctx.output(ALERTS, hungAlert(r, rc, a, "hung_resolved", asOfNanos, STATUS_OPEN));
                }
            }
        }
        if (r.wasStuck) {
            MessageAlert al = alert(r, "stuck_resolved", asOfNanos);
            long since = r.newNanos;
            al.ageMillis = since >= 0 ? (asOfNanos - since) / 1_000_000L : -1;
            al.thresholdMillis = config.stuckAfterNanos / 1_000_000L;
            if (!complete) al.resolution = STATUS_OPEN;
            else if (r.bounceQp >= 0 || r.tripleBounceDiscarded) al.resolution = "bounced";
            else if (r.successes > 0) al.resolution = "delivered";
            else al.resolution = "ended";
            al.recipients = copyRecipients(r.recipients);
            ctx.output(ALERTS, al);
        }
        out.collect(r);
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
        if (HostSequencer.KIND_BOUNCE.equals(ev.linkKind)) {
            ref.recipient = null;
            r.bounceOf = ref;
        } else if (HostSequencer.KIND_FORWARD.equals(ev.linkKind)) {
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

    private static MessageAlert alert(LifecycleRecord r, String kind, long atNanos) {
        MessageAlert al = new MessageAlert();
        al.kind = kind;
        al.host = r.host;
        al.msgId = r.msgId;
        al.newNanos = r.newNanos;
        al.atNanos = atNanos;
        al.sender = r.sender;
        return al;
    }

    private MessageAlert hungAlert(LifecycleRecord r, Recipient rc, Attempt a, String kind, long atNanos,
                                   String resolution) {
        MessageAlert al = alert(r, kind, atNanos);
        al.deliveryId = a.deliveryId;
        al.recipient = rc.address;
        al.channel = rc.channel;
        al.ageMillis = a.startNanos >= 0 ? (atNanos - a.startNanos) / 1_000_000L : -1;
        al.thresholdMillis = config.hungAfterNanos / 1_000_000L;
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
