package io.qmailfleet.job.stats;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.model.StatsFact;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.OutputTag;

/**
 * The facts the stats stage counts, sent by the lifecycle builder to its side output
 * {@link #FACTS} at the moments qmailanalog counts: a message accepted ({@code info msg}), an
 * attempt ended, a message ended ({@code end msg}). Each fact is marked with the builder subtask
 * that produced it: each subtask sends a host's facts in that host's log order, so the stats stage
 * takes the host's clock as the minimum over the subtasks' latest times.
 */
public final class StatsFacts {
    /** Side output of the lifecycle builder: accepted messages, attempt ends, message ends. */
    public static final OutputTag<StatsFact> FACTS =
            new OutputTag<>("stats-facts", TypeInformation.of(StatsFact.class));

    private final int producer;
    private final int producers;

    public StatsFacts(RuntimeContext rc) {
        this(rc.getTaskInfo().getIndexOfThisSubtask(), rc.getTaskInfo().getNumberOfParallelSubtasks());
    }

    public StatsFacts(int producer, int producers) {
        this.producer = producer;
        this.producers = producers;
    }

    private StatsFact base(LifecycleRecord r, String kind, long tsNanos) {
        StatsFact f = new StatsFact();
        f.kind = kind;
        f.producer = producer;
        f.producers = producers;
        f.host = r.host;
        f.msgId = r.msgId;
        f.tsNanos = tsNanos;
        f.sender = r.sender;
        f.uid = r.uid;
        f.bytes = r.bytes;
        f.infoNanos = r.infoNanos;
        return f;
    }

    /** {@code info msg} (the record already holds its sender, size and time). */
    public StatsFact accepted(LifecycleRecord r, long atNanos) {
        StatsFact f = base(r, StatsFact.ACCEPTED, atNanos);
        if (f.sender == null) f.sender = "";
        return f;
    }

    /** An attempt got its outcome. */
    public StatsFact attempt(LifecycleRecord r, Recipient rc, Attempt a) {
        StatsFact f = base(r, StatsFact.ATTEMPT_END, a.endNanos);
        f.recipient = rc.address == null ? "" : rc.address;
        f.channel = rc.channel;
        f.startNanos = a.startNanos;
        f.outcome = a.outcome == null ? Outcome.DEFERRAL : a.outcome;
        if (f.outcome != Outcome.INTERRUPTED) {
            // matchup's reason for "report mangled, will defer"
            f.report = a.mangled ? "report_mangled" : (a.report == null ? "" : a.report);
        }
        return f;
    }

    /** A message ended ({@code end msg}); null for a record written open or abandoned. */
    public StatsFact ended(LifecycleRecord r) {
        if (r.status != LifecycleStatus.COMPLETE) return null;
        StatsFact f = base(r, StatsFact.MESSAGE_END, r.endNanos);
        f.successes = r.successes;
        f.failures = r.failures;
        f.deferrals = r.deferrals;
        f.bounced = r.bounceQp >= 0;
        f.tripleBounce = r.tripleBounceDiscarded;
        return f;
    }

    public void messageAccepted(LifecycleRecord r, long atNanos,
                                KeyedProcessFunction<String, QmailEvent, LifecycleRecord>.Context ctx) {
        ctx.output(FACTS, accepted(r, atNanos));
    }

    public void attemptEnded(LifecycleRecord r, Recipient rc, Attempt a,
                             KeyedProcessFunction<String, QmailEvent, LifecycleRecord>.Context ctx) {
        ctx.output(FACTS, attempt(r, rc, a));
    }

    public void lifecycleClosed(LifecycleRecord r, KeyedProcessFunction<String, QmailEvent, LifecycleRecord>.Context ctx) {
        StatsFact f = ended(r);
        if (f != null) ctx.output(FACTS, f);
    }
}
