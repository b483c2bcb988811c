package io.qmailfleet.job.stats;

import io.qmailfleet.job.model.StatsRecord;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The fleet roll-up, keyed by (dimension, key, window start): keeps each host's latest part of the
 * window and emits the fleet-wide sum every time a part arrives, so the fleet record is updated
 * when a later host's part (or a re-fired part) comes in. Its state expires after
 * {@code --stats-rollup-ttl} of processing time without a new part.
 */
public class FleetRollup extends KeyedProcessFunction<String, StatsRecord, StatsRecord> {
    private static final long serialVersionUID = 1L;

    private final StatsConfig config;
    private transient MapState<String, StatsRecord> hostParts;
    private transient ValueState<Integer> revision;

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
        StateTtlConfig ttl = StateTtlConfig.newBuilder(Duration.ofMillis(config.rollupTtlMillis))
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build();
        MapStateDescriptor<String, StatsRecord> parts =
                new MapStateDescriptor<>("hostParts", Types.STRING, TypeInformation.of(StatsRecord.class));
        parts.enableTimeToLive(ttl);
        ValueStateDescriptor<Integer> rev = new ValueStateDescriptor<>("revision", Types.INT);
        rev.enableTimeToLive(ttl);
        hostParts = getRuntimeContext().getMapState(parts);
        revision = getRuntimeContext().getState(rev);
    }

    @Override
    public void processElement(StatsRecord part, Context ctx, Collector<StatsRecord> out) throws Exception {
        hostParts.put(part.hosts.isEmpty() ? "" : part.hosts.get(0), part);
        StatsRecord fleet = Measures.empty(part.dimension, part.key, part.windowStart, part.windowEnd);
        for (StatsRecord p : hostParts.values()) Measures.merge(fleet, p);
        Integer n = revision.value();
        fleet.revision = n == null ? 1 : n + 1;
        revision.update(fleet.revision);
        out.collect(Measures.finish(fleet));
    }
}
