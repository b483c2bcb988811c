package io.qmailfleet.job.stats;

import io.qmailfleet.job.model.StatsFact;
import io.qmailfleet.job.model.StatsRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Per-host tumbling windows in the host's own log clock, keyed by host.
 *
 * <p>An operator-wide watermark is the minimum over all hosts, so one slow or backfilled host would
 * hold every other host's windows open (and a host whose clock runs a month ahead would have its
 * data held for a month). Here each host's clock is its own log time: the facts of a host reach this
 * stage from several lifecycle-builder subtasks, each in the host's log order, so the clock is the
 * minimum over those subtasks of the latest time each has sent (undefined until each has sent
 * one). A window
 * fires when that clock passes its end by the fire delay, and its state is dropped when the clock
 * passes the end by the fire delay plus the allowed lateness. A fact for a fired window within the
 * lateness updates the window and fires it again (the newer record replaces the older); a fact for
 * a dropped window is late and goes to {@link #LATE_FACTS}. The operator watermark is not used
 * (one host's split can run far ahead of another host's log time), except for the end of a bounded
 * input, which fires and drops every window. A host that stops logging has its open windows fired
 * after {@code --stats-idle-flush} of processing time without a fact (its clock did not pass them,
 * so they keep their state: a further fact fires them again, and the host's clock drops them).
 *
 * <p>State per host: its clock, the windows open, and one partial record per (window, dimension, key).
 */
public class HostWindows extends KeyedProcessFunction<String, StatsFact, StatsRecord> {
    private static final long serialVersionUID = 1L;

    /** Facts for windows already dropped (later than the allowed lateness). */
    public static final OutputTag<StatsFact> LATE_FACTS =
            new OutputTag<>("stats-late-facts", TypeInformation.of(StatsFact.class));

    private final StatsConfig config;

    private transient ValueState<Long> clock;
    /** producer subtask -> latest log time (millis) of its facts of this host. */
    private transient MapState<Integer, Long> producers;
    private transient ValueState<Long> droppedBefore;
    /** Processing time of the host's latest fact (for the idle flush). */
    private transient ValueState<Long> lastFact;
    /** window start -> fired at least once. */
    private transient MapState<Long, Boolean> windows;
    /** "windowStart|dimension|key" -> the host's partial record. */
    private transient MapState<String, StatsRecord> parts;
    private transient Counter lateFacts;

    public HostWindows(StatsConfig config) {
        this.config = config.validate();
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
        lateFacts = getRuntimeContext().getMetricGroup().counter("statsLateFacts");
    }

    private static long satAdd(long a, long b) {
        long s = a + b;
        return ((a ^ s) & (b ^ s)) < 0 ? Long.MAX_VALUE : s;
    }

    private long fireAt(long windowEnd) {
        return satAdd(windowEnd, config.fireDelayMillis);
    }

    private long dropAt(long windowEnd) {
        return satAdd(fireAt(windowEnd), config.allowedLatenessMillis);
    }

    @Override
    public void processElement(StatsFact f, Context ctx, Collector<StatsRecord> out) throws Exception {
        long ts = Math.floorDiv(f.tsNanos, 1_000_000L);
        long ws = config.windowStart(ts);
        long we = config.windowEnd(ws);
        Long c = clock.value();
        long before = c == null ? Long.MIN_VALUE : c;
        Long dropped = droppedBefore.value();
        Boolean fired = windows.get(ws);
        if (fired == null && (dropAt(we) <= before || dropped != null && we <= dropped)) {
            lateFacts.inc();
            ctx.output(LATE_FACTS, f);
            return;
        }
        for (String[] t : Measures.targets(f)) {
            String k = ws + "|" + t[0] + "|" + t[1];
            StatsRecord r = parts.get(k);
            if (r == null) {
                r = Measures.empty(t[0], t[1], ws, we);
                r.hosts.add(f.host);
                if (StatsRecord.RECIPIENT.equals(t[0])) r.channel = f.channel;
            }
            Measures.add(r, f);
            if (Boolean.TRUE.equals(fired)) {
                // a late fact within the allowed lateness: the window fires again, replacing its record
                r.revision++;
                out.collect(Measures.copy(r));
            }
            parts.put(k, r);
        }
        if (fired == null) {
            windows.put(ws, false);
            // the end of a bounded input fires and drops everything
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
        if (config.idleFlushMillis > 0 && !config.wholeInput()) {
            // a host that stops logging: its open windows fire after this much processing time
            long now = ctx.timerService().currentProcessingTime();
            lastFact.update(now);
            long at = (now + config.idleFlushMillis) / 1000L * 1000L + 1000L;
            ctx.timerService().registerProcessingTimeTimer(at);
        }
        Long p = producers.get(f.producer);
        if (p == null || ts > p) {
            producers.put(f.producer, ts);
            // the host's clock: every producer has sent its facts up to here (none yet: no clock)
            long now = Long.MAX_VALUE;
            for (int i = 0; i < f.producers && now != Long.MIN_VALUE; i++) {
                Long v = producers.get(i);
                now = v == null ? Long.MIN_VALUE : Math.min(now, v);
            }
            if (now > before) {
                clock.update(now);
                advance(now, false, out);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<StatsRecord> out) throws Exception {
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            Long last = lastFact.value();
            if (last == null || timestamp - last < config.idleFlushMillis) return;
            lastFact.clear();
            Long c = clock.value();
            advance(c == null ? Long.MIN_VALUE : c, true, out);
            return;
        }
        if (timestamp == Long.MAX_VALUE) {
            lastFact.clear();
            advance(Long.MAX_VALUE, false, out);
        }
    }

    /**
     * Fires the windows whose fire time {@code now} has reached (every window not fired yet if
     * {@code fireAll}), and drops those past their lateness.
     */
    private void advance(long now, boolean fireAll, Collector<StatsRecord> out) throws Exception {
        List<Long> toFire = new ArrayList<>();
        List<Long> toDrop = new ArrayList<>();
        for (Map.Entry<Long, Boolean> w : windows.entries()) {
            long we = config.windowEnd(w.getKey());
            boolean drop = now == Long.MAX_VALUE || dropAt(we) <= now;
            if (drop) toDrop.add(w.getKey());
            if (!w.getValue() && (drop || fireAll || fireAt(we) <= now)) toFire.add(w.getKey());
        }
        if (toFire.isEmpty() && toDrop.isEmpty()) return;
        List<String> remove = new ArrayList<>();
        List<StatsRecord> keep = new ArrayList<>();
        List<String> keepKeys = new ArrayList<>();
        for (Map.Entry<String, StatsRecord> e : parts.entries()) {
            StatsRecord r = e.getValue();
            boolean fire = toFire.contains(r.windowStart);
            boolean drop = toDrop.contains(r.windowStart);
            if (fire) {
                r.revision++;
                out.collect(Measures.copy(r));
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
        long maxDropped = Long.MIN_VALUE;
        for (Long ws : toDrop) {
            windows.remove(ws);
            maxDropped = Math.max(maxDropped, config.windowEnd(ws));
        }
        for (Long ws : toFire) {
            if (!toDrop.contains(ws)) windows.put(ws, true);
        }
        if (!toDrop.isEmpty()) {
            Long d = droppedBefore.value();
            if (d == null || maxDropped > d) droppedBefore.update(maxDropped);
        }
    }
}
