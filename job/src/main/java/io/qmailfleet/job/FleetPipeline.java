package io.qmailfleet.job;

import io.qmailfleet.job.alert.AlertStage;
import io.qmailfleet.job.alert.PageEvent;
import io.qmailfleet.job.lifecycle.HostSequencer;
import io.qmailfleet.job.lifecycle.LifecycleBuilder;
import io.qmailfleet.job.metrics.AlertMetrics;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.QmailEventTypeInfo;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.ParseFunction;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.sink.PipelineSinks;
import io.qmailfleet.job.stats.StatsFacts;
import io.qmailfleet.job.stats.StatsOutputs;
import io.qmailfleet.job.stats.StatsStage;
import io.qmailfleet.job.sink.StageCounter;
import java.util.LinkedHashMap;
import java.util.Map;
import io.qmailfleet.job.source.LineTimestamps;
import io.qmailfleet.job.trace.RelayHop;
import io.qmailfleet.job.trace.RelayTrace;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The dataflow, and nothing else: sources and sinks are passed in, so the same graph runs on files,
 * on Kafka and in tests.
 *
 * <pre>
 * lines ─▶ parse ─┬─────────────────────────────────────────────▶ events
 *                 ├─ dead letters ───────────────────────────────▶ dead-letters
 *                 ├─ tcpserver / other programs ─────────────────▶ host events
 *                 └─ qmail-send lines ─ keyBy(host) ─▶ host sequencer ─┬─ late ─────▶ late
 *                                                  ├─ dead letters ▶ dead-letters
 *                                                  ├─ host events (status, alert:, warning:, tcpserver) ▶ host-events
 *                                                  └─ keyBy(host, msg) ─▶ lifecycle builder ─┬─▶ lifecycles
 *                                                                                          ├─▶ message-alerts
 *                                                                                          └─ relay trace ─┬─▶ hops
 *                                                                                                          └─▶ lifecycles (linked again)
 *   host events (qmail-send) + message alerts ─ keyBy(host) ─▶ alert engine ─────────────────┬─▶ alerts (paging)
 *   stats fleet records (domains, recipients, senders) ─ keyBy(key) ─▶ alert fleet rates ─┘
 * </pre>
 *
 * <p><b>Why per-host order survives the re-keying.</b> A host's lines enter in the order qmail-send
 * wrote them: one file reader reads its files in rotation order, and Kafka keeps order within a
 * partition (producers key by host). The parser is chained to the source (same parallelism, forward
 * channel), so order is kept up to the first keyBy. Flink keeps order on every channel between two
 * subtasks, so after {@code keyBy(host)} all of a host's lines arrive at one host-sequencer subtask
 * in order; within the bound set by {@code --max-out-of-order} it even restores order from time
 * stamps. That subtask is the only place where order <i>across</i> messages matters (delivery
 * results carry no message id, delivery ids restart with qmail-send, bounces link by qp), so it does
 * all of that matching there and tags every line with its message id. The second keyBy, by
 * (host, message id), then needs order only within one message, and gets it: every event of one
 * message comes from the same host-sequencer subtask over one channel.
 */
public final class FleetPipeline {
    private FleetPipeline() {}

    /**
     * The job runs with Flink's object reuse on: records pass between chained operators without a
     * copy. That is safe here because every operator emits records it does not change afterwards
     * (the parser makes a new event per line, the host sequencer's outputs leave it over a network
     * channel or into a sink's encoder, the lifecycle builder writes a record when it drops it
     * from its state) and no operator keeps a record it received beyond the call (the encoders
     * turn it into a string at once). Records that arrive over a network channel are always new
     * objects. {@code ObjectReuseTest} runs the whole graph on the real capture with reuse on and
     * off and compares every output.
     */
    public static final boolean OBJECT_REUSE = true;

    /** Accumulator: dead letters raised by the host sequencer, after their lines were parsed. */
    public static final String ACC_SEQUENCER_DEAD = "sequencer-dead-lettered";

    /**
     * The streams the graph produces, one per {@link Output} of the registry ({@link Outputs#ALL});
     * later stages read theirs from here and sinks attach to them in {@link Outputs#attach}.
     */
    public static final class Streams {
        public DataStream<QmailEvent> events;
        public DataStream<QmailEvent> hostEvents;
        public DataStream<DeadLetter> deadLetters;
        public DataStream<LifecycleRecord> lifecycles;
        public DataStream<MessageAlert> alerts;
        public DataStream<QmailEvent> late;
        /** Relay hops between fleet hosts. */
        public DataStream<RelayHop> hops;
        /** Life cycles written again with relay links ({@code lifecycles} output only; {@link #lifecycles} has each once). */
        public DataStream<LifecycleRecord> lifecycleUpdates;

        private final Map<Output<?>, DataStream<?>> byOutput = new LinkedHashMap<>();

        /** Makes {@code stream} the stream of {@code output}. */
        public <T> void put(Output<T> output, DataStream<T> stream) {
            byOutput.put(output, stream);
        }

        /** The stream of {@code output}, or null when the graph has none. */
        @SuppressWarnings("unchecked")
        public <T> DataStream<T> get(Output<T> output) {
            return (DataStream<T>) byOutput.get(output);
        }
    }

    /**
     * Source watermarks: from each line's own stamp, per source split (each Kafka partition or file),
     * with the configured out-of-order bound and idleness so a quiet split does not hold back the rest.
     */
    public static WatermarkStrategy<RawLine> watermarks(JobConfig cfg) {
        WatermarkStrategy<RawLine> w = WatermarkStrategy
                .<RawLine>forBoundedOutOfOrderness(Duration.ofNanos(cfg.lifecycle.maxOutOfOrderNanos))
                .withTimestampAssigner(new LineTimestamps());
        return cfg.idleTimeout == null ? w : w.withIdleness(cfg.idleTimeout);
    }

    /** Lines written by qmail-send itself (as opposed to tcpserver's or another program's). */
    public static boolean isQmailSend(QmailEvent e) {
        switch (e.type) {
            case TCP_STATUS: case TCP_PID: case TCP_OK: case TCP_DENY: case TCP_END:
            case TCP_WARNING: case TCP_FATAL: case OTHER_PROGRAM:
                return false;
            default:
                return true;
        }
    }

    /** Wires the whole graph onto {@code lines} and hands every enabled output to {@code sinks}. */
    public static Streams build(DataStream<RawLine> lines, JobConfig cfg, PipelineSinks sinks) {
        Streams s = build(lines, cfg);
        Outputs.attach(s, cfg, sinks);
        return s;
    }

    /** Wires the whole graph onto {@code lines}; returns its streams, one per output, without sinks. */
    public static Streams build(DataStream<RawLine> lines, JobConfig cfg) {
        Streams s = new Streams();
        // the parser and the filter behind it run at the source's parallelism: forward channels
        // (no round-robin rebalance) keep each source split's order up to the keyBy
        int sourceParallelism = lines.getParallelism();
        SingleOutputStreamOperator<QmailEvent> parsed = lines
                .process(new ParseFunction(cfg.parser))
                // events cross the shuffles in a compact form (QmailEventSerializer), not as a POJO
                .returns(QmailEventTypeInfo.INSTANCE)
                .uid("parse").name("parse").setParallelism(sourceParallelism);

        // qmail-send's own lines go through the host sequencer; tcpserver and other programs' lines
        // are a separate log stream of the host (another file, another order) and go straight out
        SingleOutputStreamOperator<QmailEvent> sequenced = parsed
                .filter(FleetPipeline::isQmailSend).name("qmail-send lines").setParallelism(sourceParallelism)
                .keyBy(e -> e.host)
                // an operator, not a process function: it stamps every output with its line's log time
                .transform("host sequencer", QmailEventTypeInfo.INSTANCE, new HostSequencer(cfg.lifecycle))
                .uid("host-sequencer");

        SingleOutputStreamOperator<LifecycleRecord> lifecycles = sequenced
                .keyBy(LifecycleBuilder.messageKey())
                .process(new LifecycleBuilder(cfg.lifecycle))
                .uid("lifecycle-builder").name("lifecycle builder");

        s.events = parsed;
        s.hostEvents = sequenced.getSideOutput(HostSequencer.HOST_EVENTS)
                .union(parsed.filter(e -> !isQmailSend(e)).name("connection and other lines")
                        .setParallelism(sourceParallelism));
        s.late = sequenced.getSideOutput(HostSequencer.LATE);
        // dead letters raised after parsing (e.g. a delivery result whose start was before the log
        // began) are counted on their own, so the summary shows both stages
        s.deadLetters = parsed.getSideOutput(ParseFunction.DEAD_LETTERS)
                .union(sequenced.getSideOutput(HostSequencer.DEAD_LETTERS)
                        .map(new StageCounter<DeadLetter>(ACC_SEQUENCER_DEAD)).returns(DeadLetter.class)
                        .uid("count-sequencer-dead-letters").name("count host-sequencer dead letters"));
        s.lifecycles = lifecycles;
        // per-host alert metrics (raised, firing); the alerts pass through unchanged
        s.alerts = lifecycles.getSideOutput(LifecycleBuilder.ALERTS)
                .map(new AlertMetrics()).uid("alert-metrics").name("alert metrics");

        // relay trace: reads the life cycles from the outside, writes hops and linked life cycles again
        RelayTrace.Streams relays = RelayTrace.attach(lifecycles, cfg.relay);
        s.hops = relays.hops;
        s.lifecycleUpdates = relays.updates;

        s.put(Outputs.EVENTS, s.events);
        s.put(Outputs.DEAD_LETTERS, s.deadLetters);
        s.put(Outputs.LIFECYCLES, s.lifecycles.union(s.lifecycleUpdates));
        s.put(Outputs.MESSAGE_ALERTS, s.alerts);
        s.put(Outputs.LATE, s.late);
        s.put(Outputs.HOST_EVENTS, s.hostEvents);
        s.put(Outputs.HOPS, s.hops);

        StatsStage.Streams st = null;
        if (cfg.stats.enabled) {
            st = StatsStage.build(lifecycles.getSideOutput(StatsFacts.FACTS), cfg.stats);
            StatsOutputs.put(s, st);
        }
        // paging: qmail-send's own host events (one host's lines in order; tcpserver lines are another
        // log with another order) and the per-message alerts; with the stats stage, the fleet-wide
        // rate rules (domain trouble, sender spike) on its domain, recipient and sender records
        DataStream<PageEvent> pages = AlertStage.build(
                sequenced.getSideOutput(HostSequencer.HOST_EVENTS), s.alerts, cfg.alert);
        if (st != null) pages = pages.union(AlertStage.fleetRatesOnStats(st.fleet, cfg.alert));
        s.put(Outputs.ALERTS, pages);
        return s;
    }
}
