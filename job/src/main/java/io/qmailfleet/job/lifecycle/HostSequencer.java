package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.HostStates.InFlightDelivery;
import io.qmailfleet.job.lifecycle.HostStates.OpenMessage;
import io.qmailfleet.job.lifecycle.HostStates.PendingLink;
import io.qmailfleet.job.lifecycle.HostStates.ReorderBuffer;
import io.qmailfleet.job.metrics.HostMetrics;
import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.QmailEventTypeInfo;
import io.qmailfleet.job.model.Recipient;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.types.Either;
import org.apache.flink.util.OutputTag;

/**
 * The life-cycle core: stage A, everything that needs the exact per-host order of the qmail-send
 * log, and stage B, each message's life cycle built from what stage A releases. Keyed by host; the rules are in {@link HostRules} (plain Java), this operator
 * only loads the host's state, calls them, stores the state and keeps its timers.
 *
 * <h2>Why the order is exact here, and stays exact downstream</h2>
 * qmail-send is one process writing one line at a time, so one host's log is totally ordered.
 * Every line of a host arrives on one subtask of this operator in that order: each host's lines
 * come from one Kafka partition (or one ordered file reader), the parser is a stateless
 * per-record map chained to the source, and {@code keyBy(host)} sends all records of one host
 * from that one upstream subtask over one network channel, and Flink keeps record order per
 * channel. What is left is disorder <em>within</em> the host's log itself (a shipper that
 * re-sends, merged rotated files, syslog relays), which the bounded reorder buffer
 * ({@link LineReorderer}) repairs. Stage B, the life cycles ({@link LifecycleAssembler}), runs in
 * the same call on each event the rules release, so it sees each message's events in host order;
 * the message's record is kept under its id in the host's keyed state ({@code lifecycles}). No
 * second shuffle of every event (it was an operator of its own, keyed by host and message id).
 *
 * <h2>State held in memory between checkpoints</h2>
 * The host's state and its tables (the reorder buffer's FIFO, open messages, deliveries in flight,
 * pending links, the qp index, the life cycles being built) are read from keyed state once and
 * kept in memory, with what changes, until the next checkpoint barrier, when the changes are
 * written ({@link HeldState}; also when more than {@link #holdAtMost} entries are held). Most
 * messages open and end between two checkpoints and never reach the state backend; on RocksDB a
 * line otherwise cost some ten reads and writes, each with its serialization. A checkpoint holds
 * exactly what writing through would have left in keyed state.
 *
 * <h2>Event time</h2>
 * Every record this operator emits, on every output, carries as its Flink timestamp the log time
 * (ms) of the line it stands for: a released line its own time; a control event (stuck/hung
 * check, eviction, interruption, link) the time of the line that caused it; the open messages at
 * the end of input or of an idle host the host's last line. Never a timer's time. Released lines
 * are never behind the watermark already forwarded (a line older than the reorder bound allows is
 * late, and the watermark timer releases what it covers before the watermark is forwarded), so an
 * event-time window downstream sees them in time.
 *
 * <h2>Host clock</h2>
 * Timeouts run on the host's own log time: the time of the last released line, never the wall
 * clock and never the watermark, so a backfill of old logs gives the same alerts as the live run.
 *
 * <h2>Live: the wall clock of a quiet host</h2>
 * With live input ({@link LifecycleConfig#liveClockCapNanos} > 0), a host that logs nothing does
 * not hold its last lines in the reorder buffer, nor its deadlines, until its next line: a
 * processing-time tick advances its clock by the wall time elapsed since its last line (capped),
 * releasing what a line at that time would release and raising the deadlines it passes
 * ({@link HostRules#onWallClock}). Deadlines are raised at fixed scan instants of host time
 * ({@link DeadlineScanner}), so the outputs are those of a backfill of the same log.
 *
 * <h2>Timers</h2>
 * One event-time timer at Long.MAX_VALUE (end of a bounded input), at most one event-time timer
 * at or before the earliest line waiting in the reorder buffer, one processing-time timer for the host's
 * idle TTL and, live, at most one processing-time timer for the next wall-clock tick.
 *
 * <h2>Outputs</h2>
 * Stage A hands stage B message events (lines with a message id, enriched with {@code run},
 * {@code startNanos}, link fields) and the control events DELIVERY_INTERRUPTED, STUCK_CHECK,
 * HUNG_CHECK, FLUSH_OPEN, EVICT, LINK (copies on {@link #SEQUENCED} when asked, for tests). Main
 * output: the life cycles. Side outputs: {@link #ALERTS} (stuck and hung messages),
 * {@link #FACTS} (when asked), {@link #HOST_EVENTS} (status, warning, alert lines; and
 * tcpserver's and other programs' lines, passed on as they come, untouched by the rules),
 * {@link #PAGING} (when asked: qmail-send's host events and the alerts in one stream),
 * {@link #LATE}, {@link #DEAD_LETTERS}. Facts and paging signals leave the subtask that holds
 * their host, so a keyed operator downstream reads them without a {@code keyBy}
 * ({@code FleetPipeline.Streams#factsByHost}).
 *
 * <h2>Gauges</h2>
 * {@value HostMetrics#OPEN_MESSAGES} per host (messages between their first line and
 * {@code end msg}) and {@value HostMetrics#HOSTS_WITH_STATE} (hosts this subtask keeps state for).
 * They are counted in memory: a line changes its host's count by what the rules opened and closed
 * ({@link OpenMessages#takeDelta}), never by scanning state. On {@link #open()} (a start or a
 * restore) both are recomputed from the keyed state once; when a host's state is cleared (end of
 * input, idle TTL) its gauge is removed and it leaves the host count.
 */
public class HostSequencer extends AbstractStreamOperator<LifecycleRecord>
        implements OneInputStreamOperator<QmailEvent, LifecycleRecord>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 3L;

    /** Lines older than the reorder bound allows (or than the last released line of their host). */
    public static final OutputTag<QmailEvent> LATE =
            new OutputTag<>("late-lines", QmailEventTypeInfo.INSTANCE);
    /** Host-level lines: status, warning, alert lines, and the lines of other programs than qmail-send. */
    public static final OutputTag<QmailEvent> HOST_EVENTS =
            new OutputTag<>("host-events", QmailEventTypeInfo.INSTANCE);
    /** Orphan continuations, unmatched delivery results, unparseable joined split lines. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("host-dead-letters", TypeInformation.of(DeadLetter.class));

    /** stuck_message, stuck_resolved, hung_delivery and hung_resolved alerts. */
    public static final OutputTag<MessageAlert> ALERTS =
            new OutputTag<>("message-alerts", TypeInformation.of(MessageAlert.class));
    /** Messages accepted, attempts ended, messages ended (see {@link MessageFact}); written after {@link #emitFacts()}. */
    public static final OutputTag<MessageFact> FACTS =
            new OutputTag<>("message-facts", TypeInformation.of(MessageFact.class));
    /**
     * What the paging rules read, each host's in the order written here: left, the qmail-send host
     * events of {@link #HOST_EVENTS} (not other programs' lines); right, the alerts of
     * {@link #ALERTS}. Written after {@link #emitPaging()} only.
     */
    public static final OutputTag<Either<QmailEvent, MessageAlert>> PAGING = new OutputTag<>("paging-signals",
            Types.EITHER(QmailEventTypeInfo.INSTANCE, TypeInformation.of(MessageAlert.class)));
    /** The host of a {@link #FACTS} fact: the key that stream is partitioned by. */
    public static final class FactHost implements KeySelector<MessageFact, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(MessageFact f) {
            return f.host;
        }
    }

    /** The host of a {@link #PAGING} signal: the key that stream is partitioned by. */
    public static final class PagingHost implements KeySelector<Either<QmailEvent, MessageAlert>, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(Either<QmailEvent, MessageAlert> s) {
            return s.isLeft() ? s.left().host : s.right().host;
        }
    }

    /**
     * The message and control events in the order the host rules release them, each as the life
     * cycles saw it; written after {@link #emitSequenced()} only (tests and benchmarks look at them).
     */
    public static final OutputTag<QmailEvent> SEQUENCED =
            new OutputTag<>("sequenced-events", QmailEventTypeInfo.INSTANCE);

    static final String STAGE = "host";

    private final LifecycleConfig config;
    private final JoinedLineParser.Factory parserFactory;
    private boolean emitFacts;
    private boolean emitSequenced;
    private boolean emitPaging;
    /** See {@link #parsedLinesShared}. */
    private boolean parsedLinesShared = true;
    /** CLOCK facts when the host's clock passes an instant {@code clockOffsetNanos + k * clockPeriodNanos}; 0: none. */
    private long clockPeriodNanos;
    private long clockOffsetNanos;

    private transient ValueState<HostState> hostState;
    private transient ValueState<ReorderBuffer> buffer;
    private transient MapState<Long, QmailEvent> fifo;
    /**
     * The tables and the host's state as the rules and the builder see them: held in memory between
     * checkpoints, written to keyed state before each barrier ({@link HeldState}).
     */
    private transient HeldState held;
    private transient WriteBackTable<Long, QmailEvent> fifoTable;
    private transient StateTable<Long, LifecycleRecord> lifecycleTable;
    private transient StateSlot<HostState> hostSlot;
    /** See {@link #holdAtMost}. */
    private int maxHeld = 200_000;
    private int heldCheckLines = 4096;
    /** Whether this instance's state was restored from a checkpoint or savepoint. */
    private transient boolean restored;
    private transient MapState<Long, InFlightDelivery> deliveries;
    private transient MapState<Long, OpenMessage> openMessages;
    private transient MapState<Long, PendingLink> links;
    private transient MapState<Long, Long> openByQp;
    /** The host's messages: msg id -> the life cycle being built. */
    private transient MapState<Long, LifecycleRecord> lifecycles;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient HostRules rules;
    private transient LifecycleAssembler assembler;
    private transient Emitter emitter;
    private transient Builder builder;
    /** Processing time this instance started: after a restore a host needs a new line before the wall clock advances it. */
    private transient long attemptStartMillis;
    private transient HostMetrics hostMetrics;
    /** Hosts with keyed state on this subtask -> their number of open messages (a gauge reads the cell). */
    private transient Map<String, long[]> openCounts;

    public HostSequencer() {
        this(new LifecycleConfig());
    }

    public HostSequencer(LifecycleConfig config) {
        this(config, JoinedLineParser.qmailLineParser());
    }

    public HostSequencer(LifecycleConfig config, JoinedLineParser.Factory parserFactory) {
        this.config = config.validate();
        this.parserFactory = parserFactory;
    }

    /**
     * Write {@link #FACTS}. Called while the graph is wired, before the job runs (the operator is
     * shipped with the flag set), by whoever reads the side output: facts cost an object per
     * event otherwise.
     */
    public HostSequencer emitFacts() {
        this.emitFacts = true;
        return this;
    }

    /**
     * Write {@link #FACTS}, and a {@link io.qmailfleet.job.model.FactKind#CLOCK} fact for a host
     * whenever its clock passes an instant {@code offsetMillis + k * periodMillis} (epoch ms):
     * a stage that closes windows in each host's clock gets the host's time even when the host
     * has few messages. The clock is the host's last released line, or live, the wall-clock
     * horizon of a quiet host ({@link HostRules#onWallClock}): no fact of the host before it is
     * still to come (a split line still waiting for its rest holds it back). Live, a quiet host's
     * wall-clock tick is armed for the next instant too.
     */
    public HostSequencer emitFacts(long periodMillis, long offsetMillis) {
        if (periodMillis <= 0) throw new IllegalArgumentException("clock period must be positive: " + periodMillis);
        emitFacts();
        clockPeriodNanos = Sat.mul(periodMillis, 1_000_000L);
        clockOffsetNanos = Sat.mul(Math.floorMod(offsetMillis, periodMillis), 1_000_000L);
        return this;
    }

    /**
     * Whether another consumer than this operator receives the objects of the parser's stream (the
     * events output): then each line that waits in the reorder buffer is a copy, so that releasing
     * it, which sets its run, start and links, does not change the object that consumer got. True
     * unless told otherwise; the graph says false while it is wired, and true again when the parser's
     * stream is handed to anything else ({@link io.qmailfleet.job.FleetPipeline.Streams#events()}).
     * A copy per line costs a tenth of the job's allocation.
     */
    public HostSequencer parsedLinesShared(boolean shared) {
        this.parsedLinesShared = shared;
        return this;
    }

    /** See {@link #parsedLinesShared(boolean)}. */
    public boolean parsedLinesShared() {
        return parsedLinesShared;
    }

    /** Write {@link #PAGING}. Called while the graph is wired, by whoever reads it. */
    public HostSequencer emitPaging() {
        this.emitPaging = true;
        return this;
    }

    /** Write {@link #SEQUENCED} (a copy of every message and control event, as the life cycles get it). */
    public HostSequencer emitSequenced() {
        this.emitSequenced = true;
        return this;
    }

    @Override
    public void open() throws Exception {
        super.open();
        var ctx = getRuntimeContext();
        ValueStateDescriptor<HostState> hostDescriptor =
                new ValueStateDescriptor<>("host", TypeInformation.of(HostState.class));
        hostState = ctx.getState(hostDescriptor);
        buffer = ctx.getState(new ValueStateDescriptor<>("reorder", TypeInformation.of(ReorderBuffer.class)));
        // the compact event serializer: one write and one read per line (savepoints with the POJO form migrate)
        fifo = ctx.getMapState(new MapStateDescriptor<>("fifo", Types.LONG, QmailEventTypeInfo.INSTANCE));
        deliveries = ctx.getMapState(new MapStateDescriptor<>(
                "deliveries", Types.LONG, TypeInformation.of(InFlightDelivery.class)));
        MapStateDescriptor<Long, OpenMessage> openDescriptor = new MapStateDescriptor<>(
                "openMessages", Types.LONG, TypeInformation.of(OpenMessage.class));
        openMessages = ctx.getMapState(openDescriptor);
        links = ctx.getMapState(new MapStateDescriptor<>("links", Types.LONG, TypeInformation.of(PendingLink.class)));
        openByQp = ctx.getMapState(new MapStateDescriptor<>("openByQp", Types.LONG, Types.LONG));
        // LifecycleRecord names its compact serializer (@TypeInfo)
        lifecycles = ctx.getMapState(new MapStateDescriptor<>(
                "lifecycles", Types.LONG, TypeInformation.of(LifecycleRecord.class)));
        // the timer service name of KeyedProcessOperator, which ran this stage before
        timers = getInternalTimerService("user-timers", VoidNamespaceSerializer.INSTANCE, this);
        held = new HeldState(this::setCurrentKey, HeldState.currentKeyOf(this), restored).limit(maxHeld, heldCheckLines);
        // the FIFO's own, so that its lines in memory can be counted (fifoLinesInMemory)
        fifoTable = new WriteBackTable<>(HeldState.direct(fifo), HeldState.currentKeyOf(this), restored, IndexMap::new);
        held.add(fifoTable);
        lifecycleTable = held.table(lifecycles);
        hostSlot = held.slot(hostState);
        rules = new HostRules(config, parserFactory.create(config.parser), fifoTable, HeldState.direct(buffer),
                held.table(deliveries), held.table(openMessages), held.table(links), held.table(openByQp));
        rules.reorderer.copyWaiting(parsedLinesShared);
        emitter = new Emitter();
        assembler = new LifecycleAssembler(config);
        builder = new Builder(emitFacts ? new MessageFacts() : null);
        attemptStartMillis = timers.currentProcessingTime();
        hostMetrics = new HostMetrics(getMetricGroup());
        openCounts = new HashMap<>();
        getMetricGroup().gauge(HostMetrics.HOSTS_WITH_STATE, (Gauge<Integer>) () -> openCounts.size());
        recount(hostDescriptor, openDescriptor);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        restored = context.isRestored();
    }

    /** What is held in memory goes to keyed state before the barrier, so the checkpoint has it. */
    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        held.flush();
    }

    /**
     * Sets how much is held in memory between checkpoints: past {@code entries} entries (all tables
     * and hosts, looked at every {@code everyLines} lines) they are written to keyed state before
     * the next line, so that between two checkpoints far apart a busy subtask holds no more.
     */
    HostSequencer holdAtMost(int entries, int everyLines) {
        HeldState.checkLimit(entries, everyLines); // when the graph is wired, not when it runs
        this.maxHeld = entries;
        this.heldCheckLines = everyLines;
        return this;
    }

    /** Entries held in memory, all tables and hosts (not yet in keyed state). */
    int entriesInMemory() {
        return held.held();
    }

    /** Lines of the FIFO held in memory, all hosts (not yet in keyed state). */
    int fifoLinesInMemory() {
        return fifoTable.held();
    }

    /**
     * The gauges after a restore: every host with state, and its open messages, read from the
     * keyed state once (hosts and open messages of this subtask; nothing per line).
     */
    private void recount(ValueStateDescriptor<HostState> hostDescriptor,
                         MapStateDescriptor<Long, OpenMessage> openDescriptor) throws Exception {
        var backend = this.<String>getKeyedStateBackend();
        if (backend == null) return;
        backend.applyToAllKeys(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, hostDescriptor,
                (host, state) -> {
                    if (state.value() != null) track(host);
                });
        backend.applyToAllKeys(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, openDescriptor,
                (host, state) -> {
                    long[] cell = openCounts.get(host);
                    if (cell == null) return;
                    for (Iterator<Long> it = state.keys().iterator(); it.hasNext(); it.next()) cell[0]++;
                });
    }

    /** A host gets state: it counts as a host with state, and its open-messages gauge is registered. */
    private long[] track(String host) {
        long[] cell = openCounts.get(host);
        if (cell == null) {
            long[] c = new long[1];
            hostMetrics.host(host).gauge(HostMetrics.OPEN_MESSAGES, (Gauge<Long>) () -> c[0]);
            openCounts.put(host, c);
            cell = c;
        }
        return cell;
    }

    /** Applies what the rules just opened and closed for the host to its gauge. */
    private void countOpen(String host) {
        long d = rules.messages.takeDelta();
        if (d != 0) track(host)[0] += d;
    }

    /** Open messages of a host with state on this subtask, -1 if it has none (the gauge's value). */
    long openMessagesOf(String host) {
        long[] cell = openCounts.get(host);
        return cell == null ? -1 : cell[0];
    }

    /** Hosts with state on this subtask (the gauge's value). */
    int hostsWithState() {
        return openCounts.size();
    }

    @Override
    public void processElement(StreamRecord<QmailEvent> element) throws Exception {
        QmailEvent ev = element.getValue();
        if (!ev.type.fromQmailSend()) {
            // tcpserver's or another program's line: another log of the host, in its own order;
            // passed on to the host events as it is, no state
            emitter.hostEvent(ev);
            return;
        }
        String host = (String) getCurrentKey();
        held.bound();
        HostState st = hostSlot.get();
        if (st == null) {
            st = new HostState();
            track(host);
        }
        long now = timers.currentProcessingTime();
        st.lastActivityMillis = now;
        if (!st.flushTimerSet) {
            timers.registerEventTimeTimer(VoidNamespace.INSTANCE, Long.MAX_VALUE);
            st.flushTimerSet = true;
        }
        if (st.idleTimerMillis < 0) {
            st.idleTimerMillis = Sat.add(now, config.hostIdleTtlMillis);
            timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, st.idleTimerMillis);
        }
        if (ev.host == null) ev.host = host;
        rules.onLine(st, host, ev, emitter);
        countOpen(host);
        clockFact(st, host);
        syncReleaseTimer(st);
        syncWallTimer(st);
        hostSlot.set(st);
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        HostState st = hostSlot.get();
        if (st == null) return;
        long t = timer.getTimestamp();
        long wm = timers.currentWatermark();
        if (t == Long.MAX_VALUE || wm == Long.MAX_VALUE) {
            st.flushTimerSet = t != Long.MAX_VALUE && st.flushTimerSet;
            close(st, timer.getKey(), EventType.FLUSH_OPEN);
            return;
        }
        if (t == st.bufferTimerMillis) st.bufferTimerMillis = -1;
        rules.onWatermark(st, timer.getKey(), wm, emitter);
        countOpen(timer.getKey());
        clockFact(st, timer.getKey());
        syncReleaseTimer(st);
        syncWallTimer(st);
        hostSlot.set(st);
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        HostState st = hostSlot.get();
        if (st == null) return;
        if (timer.getTimestamp() == st.wallTimerMillis) {
            // a quiet live host: its clock advances with the wall time since its last line
            st.wallTimerMillis = -1;
                // now, not the timer's time: a tick that fires late releases all that is due by now
            rules.onWallClock(st, timer.getKey(), Math.max(timer.getTimestamp(), timers.currentProcessingTime()),
                    attemptStartMillis, emitter);
            countOpen(timer.getKey());
            clockFact(st, timer.getKey());
            syncReleaseTimer(st);
            syncWallTimer(st);
            hostSlot.set(st);
        }
        if (timer.getTimestamp() != st.idleTimerMillis) return;
        long again = HostEviction.idleCheck(st, timer.getTimestamp(), config.hostIdleTtlMillis);
        if (again < 0) {
            st.idleTimerMillis = -1;
            close(st, timer.getKey(), EventType.EVICT);
        } else {
            st.idleTimerMillis = again;
            timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, again);
            hostSlot.set(st);
        }
    }

    /** End of input or idle host: the rules close the host, then every state and timer of it goes. */
    private void close(HostState st, String host, EventType kind) throws Exception {
        rules.close(st, host, kind, emitter);
        // every open message got its FLUSH_OPEN or EVICT and was written; nothing of the host stays
        lifecycleTable.clear();
        if (st.wallTimerMillis >= 0) timers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, st.wallTimerMillis);
        if (st.idleTimerMillis >= 0) timers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, st.idleTimerMillis);
        if (st.bufferTimerMillis >= 0) timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, st.bufferTimerMillis);
        if (st.flushTimerSet) timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, Long.MAX_VALUE);
        hostSlot.clear();
        rules.messages.takeDelta();
        openCounts.remove(host);
        hostMetrics.drop(host);
    }

    /**
     * One event-time timer at or before the earliest line still waiting in the reorder buffer. A
     * timer already set at or before that line is kept, also when nothing waits: when it fires it
     * releases what the watermark covers (maybe nothing) and is set again at the line waiting then.
     * So when the host's newer lines release the buffer's head and the earliest line moves on to a
     * later millisecond, no timer is deleted and registered (in RocksDB's timer queue, two writes).
     */
    private void syncReleaseTimer(HostState st) {
        long next = releaseTimer(st.bufferTimerMillis, LineReorderer.releaseTimerMillis(st));
        if (next == st.bufferTimerMillis) return;
        if (st.bufferTimerMillis >= 0) timers.deleteEventTimeTimer(VoidNamespace.INSTANCE, st.bufferTimerMillis);
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, next);
        st.bufferTimerMillis = next;
    }

    /**
     * The release timer (ms) to have, given the one set ({@code -1}: none) and the time the earliest
     * waiting line is due ({@code -1}: nothing waits): the one set when it is at or before that line
     * or nothing waits, else that line's time.
     */
    static long releaseTimer(long set, long due) {
        return due < 0 || set >= 0 && set <= due ? set : due;
    }

    /**
     * Live input: one processing-time timer for the next wall-clock tick of a quiet host, when
     * something waits (a buffered line, a deadline) that the wall clock would reach within the cap.
     * Re-armed on every line, so a host that keeps logging never sees its tick fire.
     */
    private void syncWallTimer(HostState st) {
        long want = rules.nextWallClockMillis(st, attemptStartMillis, nextClockInstant(st));
        if (want >= 0) want = Math.max(want, timers.currentProcessingTime() + 1);
        if (want == st.wallTimerMillis) return;
        if (st.wallTimerMillis >= 0) timers.deleteProcessingTimeTimer(VoidNamespace.INSTANCE, st.wallTimerMillis);
        if (want >= 0) timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, want);
        st.wallTimerMillis = want;
    }

    /** The host time up to which every fact of the host has been sent; Long.MIN_VALUE if none. */
    private static long factClock(HostState st) {
        long t = Math.max(st.clockNanos, st.horizonNanos);
        // a split head's joined line is processed when its rest comes, with the head's time
        if (st.splitHead != null && t != Long.MIN_VALUE) t = Math.min(t, st.splitHead.tsNanos - 1);
        return t;
    }

    /** The next instant a CLOCK fact is due at (host time); Long.MAX_VALUE if none is asked for or none was sent yet. */
    private long nextClockInstant(HostState st) {
        if (clockPeriodNanos <= 0 || st.clockFactNanos == Long.MIN_VALUE) return Long.MAX_VALUE;
        long k = Math.floorDiv(Sat.sub(st.clockFactNanos, clockOffsetNanos), clockPeriodNanos);
        return Sat.add(Sat.mul(k + 1, clockPeriodNanos), clockOffsetNanos);
    }

    /** A CLOCK fact when the host's clock has passed the next instant (or for its first time). */
    private void clockFact(HostState st, String host) {
        if (clockPeriodNanos <= 0) return;
        long t = factClock(st);
        if (t == Long.MIN_VALUE || st.clockFactNanos != Long.MIN_VALUE && t < nextClockInstant(st)) return;
        st.clockFactNanos = t;
        output.collect(FACTS, new StreamRecord<>(builder.facts.clock(host, t), eventTimeMillis(t)));
    }

    /** The Flink timestamp of a record: the log time of its line, in ms. */
    static long eventTimeMillis(long tsNanos) {
        return Math.floorDiv(tsNanos, 1_000_000L);
    }

    /** Sends what the rules produce to the outputs, stamped with the event time of its line. */
    private final class Emitter implements HostOutput {
        private final Counter lateLines;
        private final Counter deadLetters;
        private final Counter interruptedDeliveries;
        private final Counter evictedMessages;
        private final Counter restarts;
        private final Counter joinedSplitLines;

        Emitter() {
            var metrics = getMetricGroup();
            lateLines = metrics.counter("lateLines");
            deadLetters = metrics.counter("hostDeadLetters");
            interruptedDeliveries = metrics.counter("interruptedDeliveries");
            evictedMessages = metrics.counter("evictedMessages");
            restarts = metrics.counter("qmailSendStartups");
            joinedSplitLines = metrics.counter("joinedSplitLines");
        }

        @Override
        public void message(QmailEvent e) {
            if (e.type == EventType.DELIVERY_INTERRUPTED) interruptedDeliveries.inc();
            else if (e.type == EventType.EVICT) evictedMessages.inc();
            if (emitSequenced) output.collect(SEQUENCED, new StreamRecord<>(e.copy(), eventTimeMillis(e.tsNanos)));
            builder.apply(e);
        }

        @Override
        public void hostEvent(QmailEvent e) {
            long ts = eventTimeMillis(e.tsNanos);
            output.collect(HOST_EVENTS, new StreamRecord<>(e, ts));
            if (emitPaging && e.type.fromQmailSend()) output.collect(PAGING, new StreamRecord<>(Either.Left(e), ts));
        }

        @Override
        public void late(QmailEvent e) {
            lateLines.inc();
            output.collect(LATE, new StreamRecord<>(e, eventTimeMillis(e.tsNanos)));
        }

        @Override
        public void deadLetter(DeadLetter d) {
            deadLetters.inc();
            output.collect(DEAD_LETTERS, d.tsNanos < 0 ? new StreamRecord<>(d) : new StreamRecord<>(d, eventTimeMillis(d.tsNanos)));
        }

        @Override
        public void restarted() {
            restarts.inc();
        }

        @Override
        public void joinedSplitLine() {
            joinedSplitLines.inc();
        }
    }

    /**
     * Stage B, in the same operator: the life cycle of each message of the host, built from the
     * events the rules release ({@link LifecycleAssembler}), kept in {@link #lifecycles} under the
     * message id until it is written. Records, alerts and facts carry the log time of the event
     * that produced them as their timestamp.
     */
    private final class Builder implements LifecycleOutput {
        private final Counter partialLifecycles;
        private final Counter ignoredControlEvents;
        /** Makes the facts of {@link #FACTS}; null when nobody reads them. */
        private final MessageFacts facts;
        /** Timestamp (ms) of the event being applied. */
        private long ts;

        Builder(MessageFacts facts) {
            this.facts = facts;
            partialLifecycles = getMetricGroup().counter("partialLifecycles");
            ignoredControlEvents = getMetricGroup().counter("ignoredControlEvents");
        }

        void apply(QmailEvent e) {
            ts = eventTimeMillis(e.tsNanos);
            LifecycleRecord r = lifecycleTable.get(e.msgId);
            LifecycleRecord keep = assembler.apply(r, e, this);
            if (keep != null) lifecycleTable.put(e.msgId, keep);
            else if (r != null) lifecycleTable.remove(e.msgId);
        }

        @Override
        public void lifecycle(LifecycleRecord r) {
            output.collect(new StreamRecord<>(r, ts));
            if (facts != null) {
                MessageFact f = facts.ended(r);
                if (f != null) output.collect(FACTS, new StreamRecord<>(f, ts));
            }
        }

        @Override
        public void messageAccepted(LifecycleRecord r, long atNanos) {
            if (facts != null) output.collect(FACTS, new StreamRecord<>(facts.accepted(r, atNanos), ts));
        }

        @Override
        public void attemptEnded(LifecycleRecord r, Recipient rc, Attempt a) {
            if (facts != null) output.collect(FACTS, new StreamRecord<>(facts.attemptEnded(r, rc, a), ts));
        }

        @Override
        public void alert(MessageAlert a) {
            output.collect(ALERTS, new StreamRecord<>(a, ts));
            if (emitPaging) output.collect(PAGING, new StreamRecord<>(Either.Right(a), ts));
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
