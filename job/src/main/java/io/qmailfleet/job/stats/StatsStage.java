package io.qmailfleet.job.stats;

import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.Stage;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.StatsRecord;
import io.qmailfleet.job.options.OptionGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The stats stage: facts from the host sequencer ─ keyBy(host) ─▶ per-host windows in the host's
 * own clock ─ keyBy(dimension, key, window) ─▶ fleet roll-up ─▶ one stream per output
 * ({@link StatsOutputs}), and every fleet record for later stages ({@link #FLEET}).
 */
public final class StatsStage implements Stage<StatsConfig> {
    /** Every fleet record of every dimension, for the stages after this one (the paging rates read it). */
    public static final FleetPipeline.Key<StatsRecord> FLEET = new FleetPipeline.Key<>("stats-fleet");

    @Override
    public String name() {
        return "stats";
    }

    @Override
    public OptionGroup options() {
        return StatsOptions.GROUP;
    }

    @Override
    public StatsConfig config(JobConfig cfg) {
        return StatsOptions.config(cfg);
    }

    @Override
    public void attach(FleetPipeline.Streams s, StatsConfig config) {
        if (!config.enabled) return;
        // each host's clock comes with its facts at every instant a window of the host fires at
        // (its end plus the fire delay), so a host with few messages has its windows fired on time
        // keyed by host as the sequencer writes them: the host windows are chained to it
        Streams st = build(config.wholeInput() ? s.factsByHost()
                : s.factsWithClockByHost(config.windowMillis, config.fireDelayMillis), config);
        s.put(FLEET, st.fleet);
        StatsOutputs.put(s, st);
    }

    /** Output names (file folders, Kafka topic suffixes) and the dimension each one holds. */
    public static final Map<String, String> OUTPUTS = outputs();

    private static Map<String, String> outputs() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("senders", StatsRecord.SENDER);
        m.put("recipients", StatsRecord.RECIPIENT);
        m.put("domains", StatsRecord.DOMAIN);
        m.put("hosts", StatsRecord.HOST);
        return m;
    }

    public static List<String> outputNames() {
        return List.copyOf(OUTPUTS.keySet());
    }

    /** What the stage produces: the fleet records of each output, and the facts that came too late. */
    public static final class Streams {
        public Map<String, DataStream<StatsRecord>> outputs = new LinkedHashMap<>();
        public DataStream<StatsRecord> fleet;
        public DataStream<MessageFact> lateFacts;
    }

    /**
     * The stage on facts keyed by host, one stream per host sequencer ({@link FleetPipeline.Streams#lanes()}):
     * each gets host windows of its own at its parallelism (it was keyed without a shuffle, so they
     * chain to the sequencer), and their parts meet in one roll-up.
     */
    public static Streams build(List<KeyedStream<MessageFact, String>> facts, StatsConfig config) {
        Streams s = new Streams();
        List<SingleOutputStreamOperator<StatsRecord>> lanes = new ArrayList<>();
        for (int i = 0; i < facts.size(); i++) {
            KeyedStream<MessageFact, String> f = facts.get(i);
            lanes.add(f.transform("stats host windows", TypeInformation.of(StatsRecord.class), HostWindows.operator(config))
                    .uid("stats-host-windows" + FleetPipeline.Streams.laneSuffix(i)).name("stats host windows")
                    .setParallelism(f.getParallelism()));
        }
        DataStream<StatsRecord> hostParts = FleetPipeline.union(lanes);
        List<DataStream<MessageFact>> late = new ArrayList<>();
        for (SingleOutputStreamOperator<StatsRecord> l : lanes) late.add(l.getSideOutput(HostWindows.LATE_FACTS));
        SingleOutputStreamOperator<StatsRecord> fleet = hostParts
                .keyBy(new FleetRollup.RollupKey())
                .transform("stats fleet roll-up", TypeInformation.of(StatsRecord.class), FleetRollup.operator(config))
                .uid("stats-fleet-rollup").name("stats fleet roll-up");
        s.fleet = fleet;
        s.lateFacts = FleetPipeline.union(late);
        for (Map.Entry<String, String> o : OUTPUTS.entrySet()) {
            String dim = o.getValue();
            s.outputs.put(o.getKey(), fleet.filter(r -> dim.equals(r.dimension))
                    .uid("stats-" + o.getKey()).name("stats " + o.getKey()));
        }
        return s;
    }
}
