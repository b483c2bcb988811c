package io.qmailfleet.job.alert;

import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.Stage;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.options.OptionGroup;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.stats.StatsStage;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.types.Either;

/**
 * The paging alert stage: qmail-send's own host events (one host's lines in order; tcpserver lines
 * are another log with another order) and the per-message alerts into the alert engine; with the
 * stats stage, the fleet-wide rate rules (domain trouble, sender spike) on its fleet records. Both
 * write the {@code alerts} output.
 */
public final class AlertStage implements Stage<AlertConfig> {
    @Override
    public String name() {
        return "paging alerts";
    }

    @Override
    public OptionGroup options() {
        return AlertOptions.GROUP;
    }

    @Override
    public AlertConfig config(JobConfig cfg) {
        return AlertOptions.config(cfg, new AlertConfig(), cfg.unbounded);
    }

    @Override
    public void attach(FleetPipeline.Streams s, AlertConfig config) {
        DataStream<PageEvent> pages = build(s.pagingByHost(), config);
        DataStream<io.qmailfleet.job.model.StatsRecord> fleet = s.get(StatsStage.FLEET);
        if (fleet != null) pages = pages.union(fleetRatesOnStats(fleet, config));
        s.put(Outputs.ALERTS, pages);
    }

    /**
     * @param signals the host sequencers' qmail-send host events and message alerts
     *                ({@link io.qmailfleet.job.lifecycle.HostSequencer#PAGING}), one stream per
     *                sequencer ({@link FleetPipeline.Streams#lanes()}), keyed by host as it writes
     *                them: each gets an engine of its own, in the sequencer's task, at its parallelism
     */
    public static DataStream<PageEvent> build(List<KeyedStream<Either<QmailEvent, MessageAlert>, String>> signals,
                                              AlertConfig config) {
        List<DataStream<PageEvent>> pages = new ArrayList<>();
        for (int i = 0; i < signals.size(); i++) {
            KeyedStream<Either<QmailEvent, MessageAlert>, String> lane = signals.get(i);
            pages.add(lane
                    .transform("alert engine", TypeInformation.of(PageEvent.class), AlertEngine.operator(config))
                    .uid("alert-engine" + FleetPipeline.Streams.laneSuffix(i)).name("alert engine")
                    .setParallelism(lane.getParallelism()));
        }
        return FleetPipeline.union(pages);
    }

    /**
     * The fleet-wide rate rules on the stats stage's fleet records: the domain, recipient and sender
     * records are projected to {@link RateSample}s (the others are not needed).
     */
    public static DataStream<PageEvent> fleetRatesOnStats(DataStream<io.qmailfleet.job.model.StatsRecord> fleet,
                                                          AlertConfig config) {
        DataStream<RateSample> samples = fleet
                .flatMap((io.qmailfleet.job.model.StatsRecord r, org.apache.flink.util.Collector<RateSample> out) -> {
                    RateSample s = RateSample.of(r);
                    if (s != null) out.collect(s);
                }, TypeInformation.of(RateSample.class))
                .uid("alert-rate-samples").name("alert rate samples");
        return fleetRates(samples, config);
    }

    /**
     * The fleet-wide rate rules (domain trouble, sender spike) on windowed per-domain and per-sender
     * aggregates; see {@link FleetRateEngine}. Their pages go to the same output as {@link #build}'s.
     */
    public static DataStream<PageEvent> fleetRates(DataStream<RateSample> samples, AlertConfig config) {
        return samples.keyBy(RateSample::engineKey)
                .transform("alert fleet rates", TypeInformation.of(PageEvent.class), FleetRateEngine.operator(config))
                .uid("alert-fleet-rates").name("alert fleet rates");
    }
}
