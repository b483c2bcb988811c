package io.qmailfleet.job.stats;

import io.qmailfleet.job.lifecycle.HeldState;
import io.qmailfleet.job.lifecycle.Sat;
import io.qmailfleet.job.lifecycle.WriteBackOperator;
import io.qmailfleet.job.model.FactKind;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.StatsRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Per-host tumbling windows in the host's own log clock, keyed by host.
 *
 * <p>An operator-wide watermark is the minimum over all hosts, so one slow or backfilled host would
 * hold every other host's windows open (and a host whose clock runs a month ahead would have its
 * data held for a month). Here each host's clock is its own log time: a host's facts come from the
 * one host-sequencer subtask that holds the host, in its log order, so the clock is the latest time
 * of its facts (the minimum over the {@link MessageFact#producers} producers' latest times: one).
 * Besides the message facts the host sequencer sends the host's clock alone as a
 * {@link FactKind#CLOCK} fact whenever it passes an instant a window fires at (its end plus the
 * fire delay), so a host with few messages has its windows fired as soon as its log passes them.
 * A window fires when the clock passes its end by the fire delay, and its state is dropped when the
 * clock passes the end by the fire delay plus the allowed lateness. A fact for a fired window
 * within the lateness updates the window and fires it again (the newer record replaces the older);
 * a fact for a dropped window is late and goes to {@link #LATE_FACTS}. The end of a bounded input
 * fires and drops every window. A host that stops logging has its open windows fired after
 * {@code --stats-idle-flush} of processing time without a fact (its clock did not pass them, so
 * they keep their state: a further fact fires them again, and the host's clock drops them).
 *
 * <p><b>The watermark fires a window too, for a host in step with it.</b> A host's clock moves
 * only with its lines: a host that logs nothing after a window's end (in a backfill: no wall clock
 * stands in) has that window fired only at its next line or at the end of the input, while the
 * fleet-wide alert rules judge the window when the watermark passes it (plus the fire delay); a
 * host's part that came later was judged late, so a page could resolve at another time in a
 * backfill than live. So a window also fires when the watermark passes its end by the fire delay
 * (an event-time timer), unless a fact of the host has arrived behind the watermark since a window
 * before it: a host whose clock is behind the fleet's (a skewed clock on a shared partition, a
 * partition that lagged) keeps to its own clock alone, as the watermark says nothing of its lines.
 * Every record of an in-step host's window is then out before the watermark that passes it. Firing
 * does not drop a window (only the host's clock does), so a fact that still comes fires it again,
 * as the lateness does. Only for bounded input, a backfill of files or of a Kafka topic
 * ({@link StatsConfig#fireOnWatermark}): its watermark is the slowest split's (no split is idle).
 * Live, a partition that goes idle lets the watermark past a host whose lines are only late (a
 * lagging partition, a restart after a failure), and its windows would fire before their facts
 * came and again for each of them; there windows fire on the host's clock alone (which the wall
 * clock moves for a quiet host: {@code --live-clock-cap}).
 *
 * <p>State per host: its clock, the time of its latest fact behind the watermark, the windows open,
 * and one partial record per (window, dimension, key).
 *
 * <p>Facts are counted in memory first (a write-back bundle per subtask, as Flink's mini-batch
 * aggregation does): a host's, a busy sender's or a busy domain's record, with its KLL sketch
 * items, is read from the state backend once per bundle instead of once per fact, and written back
 * once. The bundle goes to keyed state before every checkpoint barrier ({@link WriteBackOperator})
 * and when it holds {@link StatsConfig#bundleMax} records. While no part of a host has gone to keyed
 * state (none since the last of its windows was dropped; after a restore, any may have), a new
 * part is not looked up there and a window fires and is dropped from the bundle alone; otherwise
 * the bundle joins keyed state first and the window's parts are read from it. The host's clock,
 * producers and open windows are kept in memory as well (a few entries per host) and written back
 * at the same moments. Run it with {@link #operator}: in a plain {@link KeyedProcessOperator} (no
 * checkpoint hook) every element is written through.
 */
public class HostWindows extends KeyedProcessFunction<String, MessageFact, StatsRecord>
        implements WriteBackOperator.Function, HeldState.Holder {
    private static final long serialVersionUID = 1L;

    /** Facts for windows already dropped (later than the allowed lateness). */
    public static final OutputTag<MessageFact> LATE_FACTS =
            new OutputTag<>("stats-late-facts", TypeInformation.of(MessageFact.class));

    private final StatsConfig config;

    private transient ValueState<Long> clock;
    /** producer subtask -> latest log time (millis) of its facts of this host. */
    private transient MapState<Integer, Long> producers;
    private transient ValueState<Long> droppedBefore;
    /** Processing time of the host's latest fact (for the idle flush). */
    private transient ValueState<Long> lastFact;
    /** window start -> fired at least once. */
    private transient MapState<Long, Boolean> windows;
    /** "windowStart|dimension|key" ({@link #stateKey}) -> the host's partial record. */
    private transient MapState<String, StatsRecord> parts;
    /** Log time (ms) of the host's latest fact that arrived behind the watermark. */
    private transient ValueState<Long> behindAt;
    private transient Counter lateFacts;

    /** host -> what is held in memory for it (see the class comment). */
    private transient Map<String, Bundle> bundles;
    /** Part records held in all bundles. */
    private transient int bundled;
    /** How state is held: given by {@link WriteBackOperator}; in a plain operator every element is written through. */
    private transient HeldState heldState;
    /** The current fact's keys by dimension ({@link Measures#targets(MessageFact, String[])}). */
    private transient String[] keys;

    /** {@link Bundle#lastFact} when the host has no fact since its idle flush. */
    static final long NO_FACT = Long.MIN_VALUE;

    /** One host's state in memory: its clock and windows (always), its parts touched since the last flush. */
    static final class Bundle {
        Long clock;
        Long droppedBefore;
        /** Processing time of the host's latest fact, {@link #NO_FACT} if none since the idle flush. */
        long lastFact = NO_FACT;
        Long behindAt;
        final Map<Integer, Long> producers = new HashMap<>();
        final TreeMap<Long, Boolean> windows = new TreeMap<>();
        boolean metaDirty;
        /** Window start -> the window's parts touched since the last flush. */
        final Map<Long, WindowParts> parts = new HashMap<>();
        /** Part records in {@link #parts}, all windows. */
        int partCount;
        /** The window of the latest fact, so that a run of facts in one window looks it up once. */
        long lastWindowStart;
        WindowParts lastWindow;
        /** The idle-flush timer last registered (processing time), so it is registered once per second. */
        long idleTimer = Long.MIN_VALUE;
        /**
         * Keyed state may hold parts of the host (written by a flush, or restored): false while every
         * part of the host is in {@link #parts}, so a new part is not looked up there and a window fires
         * from memory.
         */
        boolean partsInBackend;

        /** The window's parts in memory; with {@code create}, made if there are none. */
        WindowParts window(long windowStart, boolean create) {
            if (lastWindow != null && lastWindowStart == windowStart) return lastWindow;
            WindowParts w = parts.get(windowStart);
            if (w == null) {
                if (!create) return null;
                w = new WindowParts();
                parts.put(windowStart, w);
            }
            lastWindowStart = windowStart;
            lastWindow = w;
            return w;
        }

        /** Takes the window's parts out of memory (null if there are none). */
        WindowParts remove(long windowStart) {
            if (lastWindowStart == windowStart) lastWindow = null;
            WindowParts w = parts.remove(windowStart);
            if (w != null) partCount -= w.size;
            return w;
        }

        void clearParts() {
            parts.clear();
            partCount = 0;
            lastWindow = null;
        }
    }

    /**
     * One window's parts of a host in memory: a map per dimension ({@link Measures#DIMENSIONS}),
     * by key, so a fact's parts are found without a key string made for each.
     */
    static final class WindowParts {
        @SuppressWarnings("unchecked")
        final Map<String, StatsRecord>[] byDimension = new Map[Measures.DIMENSIONS.length];
        int size;

        StatsRecord get(int dimension, String key) {
            Map<String, StatsRecord> m = byDimension[dimension];
            return m == null ? null : m.get(key);
        }

        void put(int dimension, String key, StatsRecord r) {
            Map<String, StatsRecord> m = byDimension[dimension];
            if (m == null) byDimension[dimension] = m = new HashMap<>();
            if (m.put(key, r) == null) size++;
        }
    }

    /** The key of a part in keyed state: "windowStart|dimension|key". */
    static String stateKey(long windowStart, String dimension, String key) {
        return windowStart + "|" + dimension + "|" + key;
    }

    public HostWindows(StatsConfig config) {
        this.config = config.validate();
    }

    /** The operator to run this function in: it writes the bundle to keyed state before each checkpoint. */
    public static WriteBackOperator<MessageFact, StatsRecord> operator(StatsConfig config) {
        return new WriteBackOperator<>(new HostWindows(config));
    }

    @Override
    public void holdWith(HeldState held) {
        this.heldState = held;
    }

    @Override
    public void open(OpenContext openContext) {
        clock = getRuntimeContext().getState(new ValueStateDescriptor<>("clock", Types.LONG));
        producers = getRuntimeContext().getMapState(new MapStateDescriptor<>("producers", Types.INT, Types.LONG));
        lastFact = getRuntimeContext().getState(new ValueStateDescriptor<>("lastFact", Types.LONG));
        droppedBefore = getRuntimeContext().getState(new ValueStateDescriptor<>("droppedBefore", Types.LONG));
        windows = getRuntimeContext().getMapState(new MapStateDescriptor<>("windows", Types.LONG, Types.BOOLEAN));
        parts = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("parts", Types.STRING, TypeInformation.of(StatsRecord.class)));
        behindAt = getRuntimeContext().getState(new ValueStateDescriptor<>("behindAt", Types.LONG));
        lateFacts = getRuntimeContext().getMetricGroup().counter("statsLateFacts");
        bundles = new HashMap<>();
        bundled = 0;
        keys = new String[Measures.DIMENSIONS.length];
        if (heldState == null) heldState = HeldState.writeThrough();
        heldState.add(this);
    }

    private long fireAt(long windowEnd) {
        return config.fireAt(windowEnd);
    }

    private long dropAt(long windowEnd) {
        // the lateness is never negative either (StatsConfig.validate)
        return Sat.add(fireAt(windowEnd), config.allowedLatenessMillis);
    }

    /** The current host's bundle; its clock and windows are read from keyed state the first time. */
    private Bundle bundle(String host) throws Exception {
        Bundle b = bundles.get(host);
        if (b == null) {
            b = new Bundle();
            b.clock = clock.value();
            b.droppedBefore = droppedBefore.value();
            Long last = lastFact.value();
            b.lastFact = last == null ? NO_FACT : last;
            b.behindAt = behindAt.value();
            for (Map.Entry<Integer, Long> e : producers.entries()) b.producers.put(e.getKey(), e.getValue());
            for (Map.Entry<Long, Boolean> e : windows.entries()) b.windows.put(e.getKey(), e.getValue());
            b.partsInBackend = !heldState.writesBack() || heldState.restored();
            bundles.put(host, b);
        }
        return b;
    }

    /** Writes the current host's bundle to keyed state; its part records leave memory. */
    private void flush(Bundle b) throws Exception {
        if (b.partCount > 0) {
            for (Map.Entry<Long, WindowParts> w : b.parts.entrySet()) {
                long ws = w.getKey();
                Map<String, StatsRecord>[] byDimension = w.getValue().byDimension;
                for (int d = 0; d < byDimension.length; d++) {
                    if (byDimension[d] == null) continue;
                    for (Map.Entry<String, StatsRecord> e : byDimension[d].entrySet()) {
                        parts.put(stateKey(ws, Measures.DIMENSIONS[d], e.getKey()), e.getValue());
                    }
                }
            }
            bundled -= b.partCount;
            b.clearParts();
            b.partsInBackend = true;
        }
        if (b.metaDirty) {
            if (b.clock == null) clock.clear(); else clock.update(b.clock);
            if (b.droppedBefore == null) droppedBefore.clear(); else droppedBefore.update(b.droppedBefore);
            if (b.lastFact == NO_FACT) lastFact.clear(); else lastFact.update(b.lastFact);
            if (b.behindAt == null) behindAt.clear(); else behindAt.update(b.behindAt);
            producers.clear();
            producers.putAll(b.producers);
            windows.clear();
            windows.putAll(b.windows);
            b.metaDirty = false;
        }
    }

    /** Writes every host's bundle to keyed state (before a checkpoint barrier, or when the bundle is full). */
    @Override
    public void flush(Consumer<String> setKey) throws Exception {
        for (Map.Entry<String, Bundle> e : bundles.entrySet()) {
            Bundle b = e.getValue();
            if (b.partCount == 0 && !b.metaDirty) continue;
            setKey.accept(e.getKey());
            flush(b);
        }
    }

    /** Part records held in memory (not yet in keyed state), all hosts. */
    @Override
    public int held() {
        return bundled;
    }

    /** After an element or a timer of {@code host}: write through without the operator, flush a full bundle. */
    private void done(String host, Bundle b) throws Exception {
        if (!heldState.writesBack()) {
            flush(b);
        } else if (bundled > config.bundleMax) {
            heldState.flushKeepingKey();
        }
    }

    @Override
    public void processElement(MessageFact f, Context ctx, Collector<StatsRecord> out) throws Exception {
        String host = ctx.getCurrentKey();
        Bundle b = bundle(host);
        long ts = Math.floorDiv(f.tsNanos, 1_000_000L);
        if (f.kind == FactKind.CLOCK) {
            // the host's clock alone: nothing to count, never late
            idle(b, ctx.timerService());
            producerClock(b, f, ts, out, ctx.timerService());
            done(host, b);
            return;
        }
        long ws = config.windowStart(ts);
        long we = config.windowEnd(ws);
        long before = b.clock == null ? Long.MIN_VALUE : b.clock;
        Long dropped = b.droppedBefore;
        Boolean fired = b.windows.get(ws);
        if (fired == null && (dropAt(we) <= before || dropped != null && we <= dropped)) {
            lateFacts.inc();
            ctx.output(LATE_FACTS, f);
            return;
        }
        if (config.fireOnWatermark && ts < ctx.timerService().currentWatermark() && (b.behindAt == null || ts > b.behindAt)) {
            // behind the fleet's clock: the watermark does not fire this host's windows for now
            b.behindAt = ts;
            b.metaDirty = true;
        }
        String[] keys = this.keys;
        Measures.targets(f, keys);
        WindowParts window = b.window(ws, true);
        for (int d = 0; d < keys.length; d++) {
            String key = keys[d];
            if (key == null) continue;
            StatsRecord r = window.get(d, key);
            if (r == null) {
                String dimension = Measures.DIMENSIONS[d];
                r = b.partsInBackend ? parts.get(stateKey(ws, dimension, key)) : null;
                if (r == null) {
                    r = Measures.empty(dimension, key, ws, we);
                    r.hosts.add(f.host);
                    if (StatsRecord.RECIPIENT.equals(dimension)) r.channel = f.channel;
                }
                window.put(d, key, r);
                b.partCount++;
                bundled++;
            }
            Measures.add(r, f);
            if (Boolean.TRUE.equals(fired)) {
                // a late fact within the allowed lateness: the window fires again, replacing its record
                r.revision++;
                out.collect(Measures.copy(r));
            }
        }
        if (fired == null) {
            b.windows.put(ws, false);
            b.metaDirty = true;
            // the end of a bounded input fires and drops everything
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            // and the watermark fires it, if the host keeps step with it
            if (config.fireOnWatermark && !config.wholeInput() && inStep(b, ws)) ctx.timerService().registerEventTimeTimer(fireAt(we));
        }
        idle(b, ctx.timerService());
        producerClock(b, f, ts, out, ctx.timerService());
        done(host, b);
    }

    /** A fact of the host came: its open windows fire after the idle flush's processing time without one. */
    private void idle(Bundle b, TimerService timers) {
        if (config.idleFlushMillis > 0 && !config.wholeInput()) {
            // a host that stops logging: its open windows fire after this much processing time
            long now = timers.currentProcessingTime();
            b.lastFact = now;
            b.metaDirty = true;
            long at = (now + config.idleFlushMillis) / 1000L * 1000L + 1000L;
            if (at != b.idleTimer) {
                timers.registerProcessingTimeTimer(at);
                b.idleTimer = at;
            }
        }
    }

    /** The fact's producer has sent the host's facts up to {@code ts}: the host's clock may move, firing and dropping windows. */
    private void producerClock(Bundle b, MessageFact f, long ts, Collector<StatsRecord> out, TimerService timers) throws Exception {
        long before = b.clock == null ? Long.MIN_VALUE : b.clock;
        Long p = b.producers.get(f.producer);
        if (p == null || ts > p) {
            b.producers.put(f.producer, ts);
            b.metaDirty = true;
            // the host's clock: every producer has sent its facts up to here (none yet: no clock)
            long now = Long.MAX_VALUE;
            for (int i = 0; i < f.producers && now != Long.MIN_VALUE; i++) {
                Long v = b.producers.get(i);
                now = v == null ? Long.MIN_VALUE : Math.min(now, v);
            }
            if (now > before) {
                b.clock = now;
                advance(b, now, false, out, timers);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<StatsRecord> out) throws Exception {
        String host = ctx.getCurrentKey();
        Bundle b = bundle(host);
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            long last = b.lastFact;
            if (last == NO_FACT || timestamp - last < config.idleFlushMillis) return;
            b.lastFact = NO_FACT;
            b.metaDirty = true;
            advance(b, b.clock == null ? Long.MIN_VALUE : b.clock, true, out, ctx.timerService());
        } else if (timestamp == Long.MAX_VALUE) {
            b.lastFact = NO_FACT;
            b.metaDirty = true;
            advance(b, Long.MAX_VALUE, false, out, null);
        } else if (config.fireOnWatermark) {
            // the watermark passed a window's end by the fire delay
            List<Long> toFire = new ArrayList<>();
            for (Map.Entry<Long, Boolean> w : b.windows.entrySet()) {
                if (!w.getValue() && fireAt(config.windowEnd(w.getKey())) <= timestamp && inStep(b, w.getKey())) {
                    toFire.add(w.getKey());
                }
            }
            fire(b, toFire, List.of(), out, null);
        }
        done(host, b);
    }

    /**
     * Whether the watermark may fire the host's window starting at {@code windowStart}: no fact of
     * the host arrived behind the watermark from the window before it on.
     */
    private boolean inStep(Bundle b, long windowStart) {
        return b.behindAt == null || b.behindAt < windowStart - config.windowMillis;
    }

    /**
     * Fires the windows whose fire time {@code now} has reached (every window not fired yet if
     * {@code fireAll}), and drops those past their lateness.
     */
    private void advance(Bundle b, long now, boolean fireAll, Collector<StatsRecord> out, TimerService timers) throws Exception {
        List<Long> toFire = new ArrayList<>();
        List<Long> toDrop = new ArrayList<>();
        for (Map.Entry<Long, Boolean> w : b.windows.entrySet()) {
            long we = config.windowEnd(w.getKey());
            boolean drop = now == Long.MAX_VALUE || dropAt(we) <= now;
            if (drop) toDrop.add(w.getKey());
            if (!w.getValue() && (drop || fireAll || fireAt(we) <= now)) toFire.add(w.getKey());
        }
        fire(b, toFire, toDrop, out, timers);
    }

    /**
     * Fires the windows {@code toFire} and drops {@code toDrop} (window starts); with {@code timers},
     * a dropped window's watermark timer still to come is deleted (a host whose clock runs ahead of
     * the fleet's would otherwise leave one per window until the watermark reaches them).
     */
    private void fire(Bundle b, List<Long> toFire, List<Long> toDrop, Collector<StatsRecord> out, TimerService timers)
            throws Exception {
        if (toFire.isEmpty() && toDrop.isEmpty()) return;
        if (b.partsInBackend) fireFromState(b, toFire, toDrop, out);
        else fireFromMemory(b, toFire, toDrop, out);
        windowsFired(b, toFire, toDrop, timers);
    }

    /** Every part of the host is in its bundle: the windows fire from it, nothing is read from or written to keyed state. */
    private void fireFromMemory(Bundle b, List<Long> toFire, List<Long> toDrop, Collector<StatsRecord> out) {
        for (Long ws : toFire) {
            WindowParts w = b.window(ws, false);
            if (w == null) continue;
            // a window dropped as it fires (no allowed lateness, the default) leaves with its
            // records, which are sent as they are; one that stays sends copies, since a late fact
            // changes its records and a sent record does not change
            boolean leaves = toDrop.contains(ws);
            for (Map<String, StatsRecord> m : w.byDimension) {
                if (m == null) continue;
                for (StatsRecord r : m.values()) {
                    r.revision++;
                    out.collect(leaves ? r : Measures.copy(r));
                }
            }
        }
        for (Long ws : toDrop) {
            WindowParts w = b.remove(ws);
            if (w != null) bundled -= w.size;
        }
    }

    /** Keyed state may hold parts of the host: the bundle joins it first, then the windows fire from it. */
    private void fireFromState(Bundle b, List<Long> toFire, List<Long> toDrop, Collector<StatsRecord> out) throws Exception {
        // the host's bundled parts join its state first (the current key is the host)
        flush(b);
        int seen = 0;
        List<String> remove = new ArrayList<>();
        List<StatsRecord> keep = new ArrayList<>();
        List<String> keepKeys = new ArrayList<>();
        for (Map.Entry<String, StatsRecord> e : parts.entries()) {
            seen++;
            StatsRecord r = e.getValue();
            boolean fire = toFire.contains(r.windowStart);
            boolean drop = toDrop.contains(r.windowStart);
            if (fire) {
                r.revision++;
                out.collect(drop ? r : Measures.copy(r)); // as in fireFromMemory
            }
            if (drop) {
                remove.add(e.getKey());
            } else if (fire) {
                keep.add(r);
                keepKeys.add(e.getKey());
            }
        }
        for (String k : remove) parts.remove(k);
        for (int i = 0; i < keep.size(); i++) parts.put(keepKeys.get(i), keep.get(i));
        // every part of the host dropped: from now on they are all in memory again
        if (seen == remove.size() && heldState.writesBack()) b.partsInBackend = false;
    }

    /** The windows fired and dropped, in the host's windows. */
    private void windowsFired(Bundle b, List<Long> toFire, List<Long> toDrop, TimerService timers) {
        long maxDropped = Long.MIN_VALUE;
        for (Long ws : toDrop) {
            b.windows.remove(ws);
            long at = fireAt(config.windowEnd(ws));
            if (timers != null && config.fireOnWatermark && !config.wholeInput() && at > timers.currentWatermark()) {
                timers.deleteEventTimeTimer(at);
            }
            maxDropped = Math.max(maxDropped, config.windowEnd(ws));
        }
        for (Long ws : toFire) {
            if (!toDrop.contains(ws)) b.windows.put(ws, true);
        }
        if (!toDrop.isEmpty() && (b.droppedBefore == null || maxDropped > b.droppedBefore)) {
            b.droppedBefore = maxDropped;
        }
        b.metaDirty = true;
    }

    /** Part records held in memory (not yet in keyed state), all hosts. */
    int bundledParts() {
        return bundled;
    }
}
