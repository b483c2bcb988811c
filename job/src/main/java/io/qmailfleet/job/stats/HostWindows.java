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
 * a dropped window is late and goes to {@link #LATE_FACTS}. The operator watermark only serves as a
 * backstop, for a host that stopped logging, and at the end of a bounded input, which fires and
 * drops every window.
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
            // backstop: fires when every host's watermark passed (a host that stopped logging)
            ctx.timerService().registerEventTimeTimer(dropAt(we) == Long.MAX_VALUE ? Long.MAX_VALUE : dropAt(we));
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
                advance(now, out);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<StatsRecord> out) throws Exception {
        Long c = clock.value();
        advance(c == null ? timestamp : Math.max(c, timestamp), out);
    }

    /** Fires the windows whose fire time {@code now} has reached, and drops those past their lateness. */
    private void advance(long now, Collector<StatsRecord> out) throws Exception {
        List<Long> toFire = new ArrayList<>();
        List<Long> toDrop = new ArrayList<>();
        for (Map.Entry<Long, Boolean> w : windows.entries()) {
            long we = config.windowEnd(w.getKey());
            boolean drop = now == Long.MAX_VALUE || dropAt(we) <= now;
            if (drop) toDrop.add(w.getKey());
            if (!w.getValue() && (drop || fireAt(we) <= now)) toFire.add(w.getKey());
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
