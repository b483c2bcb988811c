package io.qmailfleet.job.stats;

import io.qmailfleet.job.model.StatsRecord;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The fleet roll-up, keyed by (dimension, key, window start): keeps each host's latest part of the
 * window and emits the fleet-wide sum every time a part arrives, so the fleet record is updated
 * when a later host's part (or a re-fired part) comes in.
 *
 * <p><b>How long a window is kept.</b> Hosts' clocks disagree and one host may be read long after
 * another (a backfill reads the hosts' files one after the other), so no event time can say that
 * every host's part has arrived. A window is kept {@code --stats-rollup-ttl} of processing time
 * after its last part (a processing-time timer, rounded up to the second so that one timer serves
 * many keys) and dropped at the end of a bounded input (an event-time timer at the end of time),
 * so nothing is left for the final checkpoint. Plain state with timers, not state TTL: TTL'd heap
 * state copies entries on every access while a checkpoint is being written, which made this the
 * job's most expensive operator.
 */
public class FleetRollup extends KeyedProcessFunction<String, StatsRecord, StatsRecord> {
    private static final long serialVersionUID = 1L;
    private static final long END_OF_INPUT = Long.MAX_VALUE;

    private final StatsConfig config;
    private transient MapState<String, StatsRecord> hostParts;
    private transient ValueState<Integer> revision;
    /** Processing time after which the window is dropped (its last part + the TTL). */
    private transient ValueState<Long> expiresAt;

    public FleetRollup(StatsConfig config) {
        this.config = config.validate();
    }

    /** (dimension, key, window start) of a record. */
    public static final class RollupKey implements KeySelector<StatsRecord, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(StatsRecord r) {
            return r.dimension + "|" + r.windowStart + "|" + r.key;
        }
    }

    @Override
    public void open(OpenContext openContext) {
        hostParts = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("rollup-parts", Types.STRING, TypeInformation.of(StatsRecord.class)));
        revision = getRuntimeContext().getState(new ValueStateDescriptor<>("rollup-revision", Types.INT));
        expiresAt = getRuntimeContext().getState(new ValueStateDescriptor<>("rollup-expires", Types.LONG));
    }

    @Override
    public void processElement(StatsRecord part, Context ctx, Collector<StatsRecord> out) throws Exception {
        String host = part.hosts.isEmpty() ? "" : part.hosts.get(0);
        Integer n = revision.value();
        StatsRecord fleet;
        if (n == null) {
            // the first part of this window (for most keys the only one): the fleet record is a copy
            fleet = Measures.copy(part);
            ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        } else {
            fleet = Measures.empty(part.dimension, part.key, part.windowStart, part.windowEnd);
            // the other hosts' parts, then this one (a re-fired part replaces the host's old one)
            for (Map.Entry<String, StatsRecord> e : hostParts.entries()) {
                if (!e.getKey().equals(host)) Measures.merge(fleet, e.getValue());
            }
            Measures.merge(fleet, part);
        }
        hostParts.put(host, part);
        fleet.revision = n == null ? 1 : n + 1;
        revision.update(fleet.revision);
        long now = ctx.timerService().currentProcessingTime();
        long at = roundUp(now + config.rollupTtlMillis);
        Long old = expiresAt.value();
        if (old == null || old != at) {
            expiresAt.update(at);
            // one timer per key: the old one is left to find a later expiry and do nothing
            ctx.timerService().registerProcessingTimeTimer(at);
        }
        out.collect(Measures.finish(fleet));
    }

    private static long roundUp(long millis) {
        return (millis / 1000 + 1) * 1000;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<StatsRecord> out) throws Exception {
        Long at = expiresAt.value();
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            // an earlier part's timer: the window's expiry has moved on since
            if (at == null || at > timestamp) return;
            ctx.timerService().deleteEventTimeTimer(END_OF_INPUT);
        } else if (at != null) {
            ctx.timerService().deleteProcessingTimeTimer(at);
        }
        hostParts.clear();
        revision.clear();
        expiresAt.clear();
    }
}
