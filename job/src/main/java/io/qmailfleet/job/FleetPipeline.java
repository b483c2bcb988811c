package io.qmailfleet.job;

import io.qmailfleet.job.lifecycle.HostSequencer;
import io.qmailfleet.job.metrics.AlertMetrics;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.FactKind;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleRecordTypeInfo;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.QmailEventTypeInfo;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.ParseFunction;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.sink.PipelineSinks;
import io.qmailfleet.job.sink.StageCounter;
import io.qmailfleet.job.source.LineTimestamps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.types.Either;

/**
 * The dataflow, and nothing else: sources and sinks are passed in, so the same graph runs on files,
 * on Kafka and in tests. It wires the lifecycle core, then the stages of {@link Stages#ALL} in
 * order; sinks attach to the outputs in one place ({@link Outputs#attach}).
 *
 * <pre>
 * lines ─▶ parse ─┬─────────────────────────────────────────────▶ events
 *                 ├─ dead letters ───────────────────────────────▶ dead-letters
 *                 └─ keyBy(host)* ▶ host sequencer + life cycles ─┬─ late ─────▶ late
 *                                                                ├─ dead letters ▶ dead-letters
 *                                                                ├─ host events (status, alert:, warning:, restarts;
 *                                                                │  tcpserver's and other programs' lines as they come) ▶ host-events
 *                                                                ├─▶ lifecycles
 *                                                                ├─▶ message-alerts
 *                                                                ├─ facts (for the stages)
 *                                                                └─ paging signals: qmail-send host events and
 *                                                                   message alerts (for the alert stage)
 *   * none for a backfill of one host's files, or of several hosts' multilog directories: there
 *     each reader's parser has a sequencer of its own chained to it
 * </pre>
 * When the lines come as several streams (a backfill of several hosts' files, a reader per host:
 * {@link io.qmailfleet.job.source.FileLines#readers}), each gets a parser of its own, chained to
 * its reader, with its own events sink. Where each line's host is its file's (multilog
 * directories, {@link JobConfig#sequencerInReader}), each reader's task also gets a host sequencer
 * of its own, and the stages wire their per-host operators onto each ({@link Streams#lanes()}):
 * no parsed line crosses a shuffle, and the hosts' work spreads over as many tasks as there are
 * readers.
 * {@link Streams} holds these streams; each {@link Stage} reads from it and puts its outputs there:
 * the aggregates ({@code stats}) on the facts, the relay trace ({@code trace}) on the life cycles
 * (hops, and life cycles written again with links), paging ({@code alert}) on the paging signals
 * and the aggregates' fleet records. The facts and the paging signals are keyed by host as the
 * sequencer writes them ({@link Streams#factsByHost()}, {@link Streams#pagingByHost()}): the keyed
 * operators that read them run in the sequencer's task, with no shuffle.
 *
 * <p><b>Why per-host order survives the re-keying.</b> A host's lines enter in the order qmail-send
 * wrote them: all of a host's files are read by one file reader, in rotation order (a backfill of
 * several hosts has a reader per host, {@link io.qmailfleet.job.source.FileLines}), and Kafka keeps
 * order within a partition (producers key by host). The parser is chained to the source (same
 * parallelism, forward channel; with a reader per host, a parser to each reader), so order is kept
 * up to the first keyBy. Flink keeps order on every channel between two subtasks, so after
 * {@code keyBy(host)} all of a host's lines arrive at one host-sequencer subtask in order (a
 * backfill with {@link JobConfig#sequencerInReader} has no {@code keyBy}: each reader's lines go to
 * a sequencer at parallelism 1 in the reader's task, chained to its parser); within the bound set
 * by {@code --max-out-of-order} it even restores order from time stamps. That subtask is the only
 * place where order <i>across</i> messages matters (delivery results carry no message id, delivery
 * ids restart with qmail-send, bounces link by qp), so it does all of that matching there, tags
 * every line with its message id and builds each message's life cycle in the same call (the host's
 * messages under their ids in its keyed state): no second shuffle of every event, and each host's
 * facts leave one subtask in its log order, so the aggregates read the host's clock from them.
 */
public final class FleetPipeline {
    private FleetPipeline() {}

    /**
     * The job runs with Flink's object reuse on: records pass between chained operators without a
     * copy. That is safe here because every operator emits records it does not change afterwards
     * (the parser makes a new event per line, the host sequencer's outputs leave it over a network
     * channel or into a sink's encoder, its life cycles are written when they leave its state
     * from its state) and no operator keeps a record it received beyond the call (the encoders
     * turn it into a string at once). Records that arrive over a network channel are always new
     * objects. {@code ObjectReuseTest} runs the whole graph on the real capture with reuse on and
     * off and compares every output.
     */
    public static final boolean OBJECT_REUSE = true;

    /** Accumulator: dead letters raised by the host sequencer, after their lines were parsed. */
    public static final String ACC_SEQUENCER_DEAD = "sequencer-dead-lettered";

    /**
     * The streams of the graph. The lifecycle core sets the fields; then each stage of the list
     * reads what it needs (and the streams of the stages before it, {@link #get(Key)}), and puts
     * its outputs: one stream per {@link Output} of the registry ({@link Outputs#ALL}), to which
     * the sinks attach in {@link Outputs#attach}.
     */
    public static final class Streams {
        /** Every parsed line ({@link #events()}). */
        private DataStream<QmailEvent> events;
        /** The parsers' streams (one per stream of lines), whose union {@link #events} is. */
        private List<DataStream<QmailEvent>> parsers = List.of();
        /** The {@code host-events} output: qmail-send's status, {@code alert:} and {@code warning:} lines and restarts, and tcpserver's and other programs' lines. */
        public DataStream<QmailEvent> hostEvents;
        public DataStream<DeadLetter> deadLetters;
        /** Every life cycle, once (the {@code lifecycles} output may carry later versions too). */
        public DataStream<LifecycleRecord> lifecycles;
        /** Stuck-message and hung-delivery alerts and their resolutions. */
        public DataStream<MessageAlert> alerts;
        public DataStream<QmailEvent> late;

        /** The host sequencers: one, or one per reader ({@link #lanes}). */
        private List<Lane> lanes = List.of();

        /** Each output's streams, in the order they were given. */
        private final Map<Output<?>, List<DataStream<?>>> byOutput = new LinkedHashMap<>();
        private final Map<Key<?>, DataStream<?>> byKey = new LinkedHashMap<>();

        /**
         * Every parsed line, the parser's objects themselves. Asking for it (while wiring) tells the
         * host sequencer that another consumer shares them
         * ({@link HostSequencer#parsedLinesShared}), so its reorder buffer keeps copies; so does
         * handing the stream to the events output ({@link #parts}).
         */
        public DataStream<QmailEvent> events() {
            for (Lane l : lanes) l.sequencer.parsedLinesShared(true);
            return events;
        }

        /**
         * How many host sequencers the graph has: one behind a {@code keyBy(host)} (or in the one
         * reader's task), or one in each reader's task ({@link JobConfig#sequencerInReader}). The
         * per-host streams below come one per sequencer, in this order; a stage wires its per-host
         * operators onto each, with the uid suffix {@link #laneSuffix} of its index, and joins
         * their outputs behind them.
         */
        public int lanes() {
            return lanes.size();
        }

        /**
         * The uid suffix of lane {@code i}'s operators: none for the first (the uids of a graph of
         * one sequencer), then {@code -2}, {@code -3}, ...
         */
        public static String laneSuffix(int i) {
            return i == 0 ? "" : "-" + (i + 1);
        }

        /** Each sequencer's life cycles, as it writes them (operators at their parallelism chain to it). */
        public List<DataStream<LifecycleRecord>> lifecyclesByLane() {
            List<DataStream<LifecycleRecord>> out = new ArrayList<>();
            for (Lane l : lanes) out.add(l.lifecycles);
            return out;
        }

        /**
         * Per-message facts (accepted, attempt ended, ended), each host's in its log order from
         * the one subtask that holds the host. The host sequencer writes them once a stage has
         * asked for this stream (call it while wiring, before the job runs). Without the
         * {@link io.qmailfleet.job.model.FactKind#CLOCK} facts another stage may have asked for.
         */
        public DataStream<MessageFact> facts() {
            List<DataStream<MessageFact>> all = new ArrayList<>();
            for (int i = 0; i < lanes.size(); i++) all.add(factsOf(i));
            return union(all);
        }

        private DataStream<MessageFact> factsOf(int lane) {
            Lane l = lanes.get(lane);
            l.sequencer.emitFacts();
            return l.facts.filter(f -> f.kind != FactKind.CLOCK).name("message facts")
                    .setParallelism(l.facts.getParallelism());
        }

        /**
         * The same facts, and each host's clock as a {@link io.qmailfleet.job.model.FactKind#CLOCK}
         * fact whenever it passes an instant {@code offsetMillis + k * periodMillis}
         * ({@link HostSequencer#emitFacts(long, long)}).
         */
        public DataStream<MessageFact> factsWithClock(long periodMillis, long offsetMillis) {
            List<DataStream<MessageFact>> all = new ArrayList<>();
            for (Lane l : lanes) {
                l.sequencer.emitFacts(periodMillis, offsetMillis);
                all.add(l.facts);
            }
            return union(all);
        }

        /**
         * {@link #facts()} keyed by host, as {@code keyBy(host)} would key them, without a shuffle,
         * one stream per lane ({@link #lanes()}): the host sequencer is keyed by host, so each of
         * its subtasks writes the facts of the hosts whose key groups it holds, which are the facts
         * that subtask would receive from a {@code keyBy(host)} (a sequencer in a reader's task runs
         * at parallelism 1 and holds every key group). A keyed operator on such a stream at its
         * parallelism is chained to the sequencer: the facts reach it as objects in the same
         * thread, never serialised.
         */
        public List<KeyedStream<MessageFact, String>> factsByHost() {
            List<KeyedStream<MessageFact, String>> out = new ArrayList<>();
            for (int i = 0; i < lanes.size(); i++) out.add(byHost(factsOf(i), lanes.get(i)));
            return out;
        }

        /**
         * {@link #factsWithClock(long, long)} keyed by host without a shuffle, one stream per lane,
         * as {@link #factsByHost()}.
         */
        public List<KeyedStream<MessageFact, String>> factsWithClockByHost(long periodMillis, long offsetMillis) {
            List<KeyedStream<MessageFact, String>> out = new ArrayList<>();
            for (Lane l : lanes) {
                l.sequencer.emitFacts(periodMillis, offsetMillis);
                out.add(byHost(l.facts, l));
            }
            return out;
        }

        /**
         * What the paging rules read ({@link HostSequencer#PAGING}): the qmail-send host events
         * (left) and the message alerts (right), each host's in the order the sequencer wrote
         * them, keyed by host without a shuffle as {@link #factsByHost()}, one stream per lane; the
         * sequencers write them once this is called (while wiring).
         */
        public List<KeyedStream<Either<QmailEvent, MessageAlert>, String>> pagingByHost() {
            List<KeyedStream<Either<QmailEvent, MessageAlert>, String>> out = new ArrayList<>();
            for (Lane l : lanes) {
                l.sequencer.emitPaging();
                out.add(DataStreamUtils.reinterpretAsKeyedStream(l.paging, new HostSequencer.PagingHost(), Types.STRING));
            }
            return out;
        }

        private static KeyedStream<MessageFact, String> byHost(DataStream<MessageFact> fromSequencer, Lane lane) {
            if (fromSequencer.getParallelism() != lane.facts.getParallelism()) {
                throw new IllegalStateException("facts at parallelism " + fromSequencer.getParallelism()
                        + ", the host sequencer at " + lane.facts.getParallelism() + ": not keyed by host as they come");
            }
            return DataStreamUtils.reinterpretAsKeyedStream(fromSequencer, new HostSequencer.FactHost(), Types.STRING);
        }

        /** Makes {@code stream} the stream of {@code output}; an output gets one stream ({@link #add} joins more). */
        public <T> void put(Output<T> output, DataStream<T> stream) {
            if (byOutput.containsKey(output)) {
                throw new IllegalStateException("output " + output.name() + " has a stream already: add to it");
            }
            add(output, stream);
        }

        /** Adds {@code stream} to the streams of {@code output}, or makes it the stream when there is none. */
        public <T> void add(Output<T> output, DataStream<T> stream) {
            byOutput.computeIfAbsent(output, o -> new ArrayList<>()).add(stream);
        }

        /**
         * The streams of {@code output}, in the order they were given (empty when the graph has
         * none): a file sink writes each where it is made, where their union could not be chained
         * to any of them.
         */
        @SuppressWarnings({"unchecked", "rawtypes"})
        public <T> List<DataStream<T>> parts(Output<T> output) {
            List<DataStream<?>> parts = byOutput.get(output);
            if (parts == null) return List.of();
            if (!Collections.disjoint(parts, parsers)) {
                for (Lane l : lanes) l.sequencer.parsedLinesShared(true);
            }
            return (List) Collections.unmodifiableList(parts);
        }

        /** Offers {@code stream} to the stages after this one under {@code key}. */
        public <T> void put(Key<T> key, DataStream<T> stream) {
            if (byKey.putIfAbsent(key, stream) != null) throw new IllegalStateException("stream " + key + " is there already");
        }

        /** The stream a stage before offered under {@code key}, or null when that stage did not run. */
        @SuppressWarnings("unchecked")
        public <T> DataStream<T> get(Key<T> key) {
            return (DataStream<T>) byKey.get(key);
        }
    }

    /** One host sequencer and the streams it writes. */
    private static final class Lane {
        final HostSequencer sequencer;
        final SingleOutputStreamOperator<LifecycleRecord> lifecycles;
        final DataStream<MessageFact> facts;
        final DataStream<Either<QmailEvent, MessageAlert>> paging;

        Lane(HostSequencer sequencer, SingleOutputStreamOperator<LifecycleRecord> lifecycles) {
            this.sequencer = sequencer;
            this.lifecycles = lifecycles;
            this.facts = lifecycles.getSideOutput(HostSequencer.FACTS);
            this.paging = lifecycles.getSideOutput(HostSequencer.PAGING);
        }
    }

    /** The name of a stream one stage offers to the stages after it (not an output), e.g. {@code StatsStage.FLEET}. */
    public static final class Key<T> {
        private final String name;

        public Key(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Source watermarks: from each line's own stamp, per source split (each Kafka partition or file),
     * with the configured out-of-order bound and idleness so a quiet split does not hold back the rest.
     */
    public static WatermarkStrategy<RawLine> watermarks(JobConfig cfg) {
        return watermarks(cfg, cfg.idleTimeout);
    }

    /** The same with {@code idleTimeout} (null: a split is never idle). */
    public static WatermarkStrategy<RawLine> watermarks(JobConfig cfg, Duration idleTimeout) {
        WatermarkStrategy<RawLine> w = WatermarkStrategy
                .<RawLine>forBoundedOutOfOrderness(Duration.ofNanos(cfg.lifecycle.maxOutOfOrderNanos))
                .withTimestampAssigner(new LineTimestamps());
        return idleTimeout == null ? w : w.withIdleness(idleTimeout);
    }

    /** A line's host: the host sequencer's key. */
    static final class EventHost implements KeySelector<QmailEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(QmailEvent e) {
            return e.host;
        }
    }

    /** Wires the whole graph (the core and {@link Stages#ALL}) onto {@code lines} and hands every enabled output to {@code sinks}. */
    public static Streams build(DataStream<RawLine> lines, JobConfig cfg, PipelineSinks sinks) {
        return build(List.of(lines), cfg, sinks);
    }

    /**
     * The same onto several streams of lines: each is parsed in its own task, chained to it (a
     * backfill's readers, {@code FileLines.readers}), and their lines then go to one host sequencer.
     */
    public static Streams build(List<DataStream<RawLine>> inputs, JobConfig cfg, PipelineSinks sinks) {
        return build(inputs, cfg, sinks, Stages.ALL, Outputs.ALL);
    }

    /** The core and {@code stages} onto {@code inputs}; every enabled one of {@code outputs} goes to {@code sinks}. */
    public static Streams build(List<DataStream<RawLine>> inputs, JobConfig cfg, PipelineSinks sinks,
                                List<Stage<?>> stages, List<Output<?>> outputs) {
        Streams s = build(inputs, cfg, stages);
        Outputs.attach(s, cfg, sinks, outputs);
        return s;
    }

    /** Wires the whole graph onto {@code lines}; returns its streams, one per output, without sinks. */
    public static Streams build(DataStream<RawLine> lines, JobConfig cfg) {
        return build(List.of(lines), cfg, Stages.ALL);
    }

    /** The core, then each of {@code stages} in order; returns the streams, without sinks. */
    public static Streams build(List<DataStream<RawLine>> inputs, JobConfig cfg, List<Stage<?>> stages) {
        Streams s = core(inputs, cfg);
        for (Stage<?> stage : stages) attach(stage, s, cfg);
        return s;
    }

    private static <C> void attach(Stage<C> stage, Streams s, JobConfig cfg) {
        try {
            stage.attach(s, stage.config(cfg));
        } catch (IllegalStateException e) {
            // e.g. a second stream for an output, or a stream of a stage that is not listed before it
            throw new IllegalStateException("stage " + stage.name() + ": " + e.getMessage(), e);
        }
    }

    /** The union of {@code streams} (the stream itself when there is one), e.g. a stage's per-lane outputs. */
    public static <T> DataStream<T> union(List<? extends DataStream<T>> streams) {
        DataStream<T> all = streams.get(0);
        for (int i = 1; i < streams.size(); i++) all = all.union(streams.get(i));
        return all;
    }

    /** The lifecycle core: parse, host sequencer with its life cycles, and their outputs. */
    private static Streams core(List<DataStream<RawLine>> inputs, JobConfig cfg) {
        if (inputs.isEmpty()) throw new IllegalArgumentException("no stream of lines to build the pipeline on");
        Streams s = new Streams();
        // a parser per stream of lines (each reader of a backfill of several hosts' files), at its
        // parallelism and chained to it: a forward channel keeps each reader's order up to the
        // keyBy, and no raw line is serialized to reach a parser
        List<SingleOutputStreamOperator<QmailEvent>> parsers = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            DataStream<RawLine> in = inputs.get(i);
            parsers.add(in
                    .process(new ParseFunction(cfg.parser, cfg.readerHostsOnly()))
                    // events cross the shuffles in a compact form (QmailEventSerializer), not as a POJO
                    .returns(QmailEventTypeInfo.INSTANCE)
                    // the first parser keeps the uid of the one parser before: a savepoint's line
                    // totals (operator state) go to it
                    .uid(i == 0 ? "parse" : "parse-" + (i + 1)).name("parse").setParallelism(in.getParallelism()));
        }
        DataStream<QmailEvent> parsed = union(parsers);

        // qmail-send's own lines go through the host sequencer; tcpserver and other programs' lines
        // are a separate log stream of the host (another file, another order): the sequencer passes
        // them straight to its host-events output, so that all of that output leaves the
        // sequencer's task and its sink is chained there (no second shuffle of those records)
        // the parser's lines reach only the sequencer unless the events stream is handed out
        // (Streams.events(), or to an output by Streams.parts), which makes its reorder buffer copy them
        //
        // readers at parallelism 1 whose lines are sequenced where they are read (a backfill of one
        // host's files, or of several hosts' multilog directories: JobConfig.sequencerInReader):
        // a sequencer per reader, at parallelism 1 in the reader's task, chained to its parser. At
        // parallelism 1 a sequencer holds every key group, so its parser's stream is keyed as
        // keyBy(host) would key it; no host's lines are in two readers (each line's host is its
        // file's: the parser dead-letters any other, JobConfig.readerHostsOnly())
        boolean inReaders = cfg.sequencerInReader && (inputs.size() == 1 || cfg.readerHostsOnly());
        for (DataStream<RawLine> in : inputs) inReaders &= in.getParallelism() == 1;
        List<DataStream<QmailEvent>> laneInputs = new ArrayList<>();
        if (inReaders) laneInputs.addAll(parsers);
        else laneInputs.add(parsed);
        List<Lane> lanes = new ArrayList<>();
        for (int i = 0; i < laneInputs.size(); i++) {
            String suffix = Streams.laneSuffix(i);
            HostSequencer sequencer = new HostSequencer(cfg.lifecycle).parsedLinesShared(false);
            KeyedStream<QmailEvent, String> byHost = inReaders
                    ? DataStreamUtils.reinterpretAsKeyedStream(laneInputs.get(i), new EventHost(), Types.STRING)
                    : laneInputs.get(i).keyBy(new EventHost());
            SingleOutputStreamOperator<LifecycleRecord> lifecycles = byHost
                    // an operator, not a process function: it stamps every output with its line's log time
                    .transform("host sequencer + life cycles", LifecycleRecordTypeInfo.INSTANCE, sequencer)
                    .uid("host-sequencer" + suffix);
            if (inReaders) lifecycles.setParallelism(1);
            lanes.add(new Lane(sequencer, lifecycles));
        }
        s.lanes = List.copyOf(lanes);
        s.events = parsed;
        s.parsers = List.copyOf(parsers);

        List<DataStream<DeadLetter>> parseDead = new ArrayList<>();
        for (SingleOutputStreamOperator<QmailEvent> p : parsers) parseDead.add(p.getSideOutput(ParseFunction.DEAD_LETTERS));
        List<DataStream<DeadLetter>> sequencerDead = new ArrayList<>();
        List<DataStream<MessageAlert>> alerts = new ArrayList<>();
        List<DataStream<QmailEvent>> hostEvents = new ArrayList<>();
        List<DataStream<QmailEvent>> late = new ArrayList<>();
        List<DataStream<LifecycleRecord>> lifecycles = new ArrayList<>();
        for (int i = 0; i < lanes.size(); i++) {
            String suffix = Streams.laneSuffix(i);
            SingleOutputStreamOperator<LifecycleRecord> lane = lanes.get(i).lifecycles;
            // dead letters raised after parsing (e.g. a delivery result whose start was before the log
            // began) are counted on their own, so the summary shows both stages
            sequencerDead.add(lane.getSideOutput(HostSequencer.DEAD_LETTERS)
                    .map(new StageCounter<DeadLetter>(ACC_SEQUENCER_DEAD)).returns(DeadLetter.class)
                    .uid("count-sequencer-dead-letters" + suffix).name("count host-sequencer dead letters")
                    .setParallelism(lane.getParallelism()));
            // per-host alert metrics (raised, firing); the alerts pass through unchanged
            alerts.add(lane.getSideOutput(HostSequencer.ALERTS)
                    .map(new AlertMetrics()).uid("alert-metrics" + suffix).name("alert metrics").setParallelism(lane.getParallelism()));
            hostEvents.add(lane.getSideOutput(HostSequencer.HOST_EVENTS));
            late.add(lane.getSideOutput(HostSequencer.LATE));
            lifecycles.add(lane);
        }
        s.deadLetters = union(parseDead).union(union(sequencerDead));
        s.lifecycles = union(lifecycles);
        s.alerts = union(alerts);
        s.hostEvents = union(hostEvents);
        s.late = union(late);

        // each parser's lines to a sink of their own, chained to it (FileOutputs); so are each
        // sequencer's outputs
        for (SingleOutputStreamOperator<QmailEvent> p : parsers) s.add(Outputs.EVENTS, p);
        // dead letters are few: one sink for all
        s.put(Outputs.DEAD_LETTERS, s.deadLetters);
        for (DataStream<LifecycleRecord> l : lifecycles) s.add(Outputs.LIFECYCLES, l);
        for (DataStream<MessageAlert> a : alerts) s.add(Outputs.MESSAGE_ALERTS, a);
        for (DataStream<QmailEvent> l : late) s.add(Outputs.LATE, l);
        for (DataStream<QmailEvent> h : hostEvents) s.add(Outputs.HOST_EVENTS, h);
        return s;
    }
}
