package io.qmailfleet.job.trace;

import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.Stage;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.options.OptionGroup;
import io.qmailfleet.job.sink.Outputs;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The relay trace stage, attached to the life cycles the lifecycle stage writes (it only reads
 * them):
 *
 * <pre>
 * lifecycles ─┬─ relay offers ─────┐ keyBy(qp)
 *             └─ relay receptions ─┴──────────▶ relay linker ─┬─▶ hops
 *                                                             └─▶ keyBy(host, msg, new) ─▶ relay updates ─▶ lifecycles (again, with links)
 * </pre>
 */
public final class RelayTrace implements Stage<RelayConfig> {
    @Override
    public String name() {
        return "relay trace";
    }

    @Override
    public OptionGroup options() {
        return RelayOptions.GROUP;
    }

    @Override
    public RelayConfig config(JobConfig cfg) {
        return RelayOptions.config(cfg);
    }

    /** Output {@code hops}; the linked life cycles join the {@code lifecycles} output. */
    @Override
    public void attach(FleetPipeline.Streams s, RelayConfig config) {
        Streams relays = build(s.lifecyclesByLane(), config);
        s.put(Outputs.HOPS, relays.hops);
        s.add(Outputs.LIFECYCLES, relays.updates);
    }

    public static final class Streams {
        /** One record per linked hop. */
        public DataStream<RelayHop> hops;
        /** Life cycles written again with {@code relayed_from} / {@code relayed_to} set ({@code relay_update}). */
        public DataStream<LifecycleRecord> updates;
    }

    static final class OfferQp implements KeySelector<RelayOffer, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long getKey(RelayOffer o) {
            return o.qp;
        }
    }

    static final class ReceptionQp implements KeySelector<RelayReception, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long getKey(RelayReception r) {
            return r.qp;
        }
    }

    /** The trace on the life cycles of each host sequencer ({@link io.qmailfleet.job.FleetPipeline.Streams#lifecyclesByLane()}). */
    public static Streams build(List<DataStream<LifecycleRecord>> lifecycles, RelayConfig cfg) {
        List<DataStream<RelayOffer>> laneOffers = new ArrayList<>();
        List<DataStream<RelayReception>> laneReceptions = new ArrayList<>();
        for (DataStream<LifecycleRecord> lane : lifecycles) {
            // at the life cycles' parallelism: chained to the host sequencer, the life cycles are never serialized on their way
            int p = lane.getParallelism();
            laneOffers.add(lane.flatMap(new RelaySides.Offers()).name("relay offers").setParallelism(p));
            laneReceptions.add(lane.flatMap(new RelaySides.Receptions()).name("relay receptions").setParallelism(p));
        }
        DataStream<RelayOffer> offers = FleetPipeline.union(laneOffers);
        DataStream<RelayReception> receptions = FleetPipeline.union(laneReceptions);
        SingleOutputStreamOperator<RelayMatch> matches = offers.connect(receptions)
                .keyBy(new OfferQp(), new ReceptionQp(), Types.LONG)
                // the linker's own operator: on the heap backend it drops the first arrivals past cfg.maxWaiting
                .transform("relay linker", TypeInformation.of(RelayMatch.class), new RelayLinker.Operator(new RelayLinker(cfg)))
                .uid("relay-linker");
        Streams s = new Streams();
        s.hops = matches.map(m -> m.hop).returns(RelayHop.class).name("relay hops");
        s.updates = matches.flatMap(new RelayUpdates.FromMatch()).name("relay link updates")
                .keyBy(new RelayUpdates.Identity())
                .process(new RelayUpdates(cfg))
                .uid("relay-updates").name("relay updates");
        return s;
    }
}
