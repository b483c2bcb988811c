package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
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
 * {@link HostSequencer}, keyed by {@link #messageKey()} ({@code host + " " + msgId}). The rules are
 * in {@link LifecycleAssembler} (plain Java); this function loads the record, calls it, and stores
 * or clears the record.
 *
 * <p>It relies on stage A for everything order-related: events of one (host, message) arrive in
 * host log order, delivery results already carry their message id, recipient, channel and start
 * time, links are resolved, and timeouts arrive as STUCK_CHECK / HUNG_CHECK / EVICT / FLUSH_OPEN
 * control events on the host's log clock. So this stage registers no timers; its state for a key
 * is one record, created by the first event and cleared when the record is emitted.
 *
 * <p><b>Event time.</b> Every record and alert is emitted while the event that produced it is
 * processed, so it carries that event's timestamp, which stage A set to the log time of its line:
 * a life cycle its {@code end msg} line ({@link LifecycleRecord#asOfNanos}), an alert the line that
 * raised or resolved it ({@link MessageAlert#atNanos}).
 *
 * <p><b>Facts.</b> On side output {@link #FACTS} it writes one {@link MessageFact} per message
 * accepted, attempt ended and message ended, for any later stage that counts or follows messages
 * (the aggregates do). Only when a stage asked for them ({@link #emitFacts()}): they cost an object
 * per event otherwise.
 */
public class LifecycleBuilder extends KeyedProcessFunction<String, QmailEvent, LifecycleRecord> {
    private static final long serialVersionUID = 1L;

    /** stuck_message, stuck_resolved, hung_delivery and hung_resolved alerts. */
    public static final OutputTag<MessageAlert> ALERTS =
            new OutputTag<>("message-alerts", TypeInformation.of(MessageAlert.class));

    /** Messages accepted, attempts ended, messages ended (see {@link MessageFact}); written after {@link #emitFacts()}. */
    public static final OutputTag<MessageFact> FACTS =
            new OutputTag<>("message-facts", TypeInformation.of(MessageFact.class));

    private final LifecycleConfig config;
    private boolean emitFacts;

    private transient ValueState<LifecycleRecord> record;
    private transient LifecycleAssembler assembler;
    private transient Emitter emitter;

    public LifecycleBuilder() {
        this(new LifecycleConfig());
    }

    public LifecycleBuilder(LifecycleConfig config) {
        this.config = config.validate();
    }

    /**
     * Write {@link #FACTS}. Called while the graph is wired, before the job runs (the function is
     * shipped with the flag set), by whoever reads the side output.
     */
    public LifecycleBuilder emitFacts() {
        this.emitFacts = true;
        return this;
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
        assembler = new LifecycleAssembler(config);
        emitter = new Emitter(getRuntimeContext().getMetricGroup().counter("partialLifecycles"),
                getRuntimeContext().getMetricGroup().counter("ignoredControlEvents"));
        if (emitFacts) {
            emitter.facts = new MessageFacts(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                    getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks());
        }
    }

    @Override
    public void processElement(QmailEvent ev, Context ctx, Collector<LifecycleRecord> out) throws Exception {
        LifecycleRecord r = record.value();
        emitter.ctx = ctx;
        emitter.out = out;
        LifecycleRecord keep = assembler.apply(r, ev, emitter);
        if (keep != null) record.update(keep);
        else if (r != null) record.clear();
    }

    /** The outputs of the current call. */
    private static final class Emitter implements LifecycleOutput {
        private final Counter partialLifecycles;
        private final Counter ignoredControlEvents;
        Context ctx;
        Collector<LifecycleRecord> out;
        /** Makes the facts of side output {@link #FACTS}; null when nobody reads them. */
        MessageFacts facts;

        Emitter(Counter partialLifecycles, Counter ignoredControlEvents) {
            this.partialLifecycles = partialLifecycles;
            this.ignoredControlEvents = ignoredControlEvents;
        }

        @Override
        public void lifecycle(LifecycleRecord r) {
            out.collect(r);
            if (facts != null) {
                MessageFact f = facts.ended(r);
                if (f != null) ctx.output(FACTS, f);
            }
        }

        @Override
        public void messageAccepted(LifecycleRecord r, long atNanos) {
            if (facts != null) ctx.output(FACTS, facts.accepted(r, atNanos));
        }

        @Override
        public void attemptEnded(LifecycleRecord r, Recipient rc, Attempt a) {
            if (facts != null) ctx.output(FACTS, facts.attemptEnded(r, rc, a));
        }

        @Override
        public void alert(MessageAlert a) {
            ctx.output(ALERTS, a);
        }

        @Override
        public void partialLifecycle() {
            partialLifecycles.inc();
        }

        @Override
        public void ignoredControlEvent() {
            ignoredControlEvents.inc();
        }
    }
}
