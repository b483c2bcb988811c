package io.qmailfleet.job.alert;

import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;

/** Wires the paging alert stage onto the host events and the per-message alerts. */
public final class AlertStage {
    private AlertStage() {}

    /**
     * @param hostEvents qmail-send status/warning/alert lines from the host sequencer, in host order
     * @param messageAlerts stuck/hung alerts and their resolutions from the lifecycle builder
     */
    public static DataStream<PageEvent> build(DataStream<QmailEvent> hostEvents, DataStream<MessageAlert> messageAlerts,
                                              AlertConfig config) {
        return hostEvents.keyBy(e -> e.host)
                .connect(messageAlerts.keyBy(a -> a.host))
                .process(new AlertEngine(config), TypeInformation.of(PageEvent.class))
                .uid("alert-engine").name("alert engine");
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
                .process(new FleetRateEngine(config), TypeInformation.of(PageEvent.class))
                .uid("alert-fleet-rates").name("alert fleet rates");
    }
}
