package io.qmailfleet.job.stats;

import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.StatsFact;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.OutputTag;

/**
 * The facts the stats stage counts, taken from the lifecycle builder as its events arrive: the
 * builder calls {@link #of} with each event and the message's record as it was before the event,
 * and sends the result (if any) to {@link #FACTS}.
 */
public final class StatsFacts {
    private StatsFacts() {}

    /** Side output of the lifecycle builder: accepted messages, attempt ends, message ends. */
    public static final OutputTag<StatsFact> FACTS =
            new OutputTag<>("stats-facts", TypeInformation.of(StatsFact.class));

    /**
     * Sends the fact of {@code ev} (if it has one) to {@link #FACTS}, marked with the subtask that
     * produced it: each lifecycle-builder subtask sends a host's facts in that host's log order, so
     * the stats stage takes the host's clock as the minimum over the subtasks' latest times.
     */
    public static void emit(LifecycleRecord r, QmailEvent ev, RuntimeContext rc,
                            KeyedProcessFunction<String, QmailEvent, LifecycleRecord>.Context ctx) {
        StatsFact f = of(r, ev);
        if (f == null) return;
        f.producer = rc.getTaskInfo().getIndexOfThisSubtask();
        f.producers = rc.getTaskInfo().getNumberOfParallelSubtasks();
        ctx.output(FACTS, f);
    }

    /**
     * The fact of {@code ev} for the message {@code r} (its state before {@code ev} is applied),
     * or null if {@code ev} is not counted.
     */
    public static StatsFact of(LifecycleRecord r, QmailEvent ev) {
        StatsFact f;
        switch (ev.type) {
            case INFO_MSG:
                f = base(r, ev, StatsFact.ACCEPTED);
                f.sender = ev.address == null ? "" : ev.address;
                f.uid = ev.uid;
                f.bytes = ev.bytes;
                f.infoNanos = ev.tsNanos;
                return f;
            case DELIVERY_RESULT:
            case DELIVERY_INTERRUPTED:
                f = base(r, ev, StatsFact.ATTEMPT_END);
                f.recipient = ev.address == null ? "" : ev.address;
                f.channel = ev.channel;
                f.startNanos = ev.startNanos;
                if (ev.type == EventType.DELIVERY_INTERRUPTED) {
                    f.outcome = Outcome.INTERRUPTED;
                } else {
                    f.outcome = ev.outcome == null ? Outcome.DEFERRAL : ev.outcome;
                    f.report = ev.mangled ? "report_mangled" : (ev.text == null ? "" : ev.text);
                }
                return f;
            case END_MSG:
                f = base(r, ev, StatsFact.MESSAGE_END);
                f.successes = r.successes;
                f.failures = r.failures;
                f.deferrals = r.deferrals;
                f.bounced = r.bounceQp >= 0;
                f.tripleBounce = r.tripleBounceDiscarded;
                return f;
            default:
                return null;
        }
    }

    private static StatsFact base(LifecycleRecord r, QmailEvent ev, String kind) {
        StatsFact f = new StatsFact();
        f.kind = kind;
        f.host = ev.host;
        f.msgId = ev.msgId;
        f.tsNanos = ev.tsNanos;
        f.sender = r.sender;
        f.uid = r.uid;
        f.bytes = r.bytes;
        f.infoNanos = r.infoNanos;
        return f;
    }
}
