package io.qmailfleet.job.stats;

import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.model.StatsRecord;
import io.qmailfleet.job.sink.Output;
import java.util.List;

/**
 * The stats stage's outputs (entries of {@link io.qmailfleet.job.sink.Outputs#ALL}). Their Kafka
 * key is {@code [key, window start millis]} ({@link StatsJson#key}), not the host: a compacted
 * topic then keeps the latest record of each (key, window).
 */
public final class StatsOutputs {
    private StatsOutputs() {}

    public static final Output<StatsRecord> SENDERS = output("senders", "aggregates per sender and window");
    public static final Output<StatsRecord> RECIPIENTS = output("recipients", "aggregates per recipient and window");
    public static final Output<StatsRecord> DOMAINS = output("domains", "aggregates per recipient domain and window");
    public static final Output<StatsRecord> HOSTS = output("hosts", "aggregates per host and window");

    public static final List<Output<StatsRecord>> ALL = List.of(SENDERS, RECIPIENTS, DOMAINS, HOSTS);

    private static Output<StatsRecord> output(String name, String description) {
        return new Output<>(name, StatsRecord.class, "stats.schema.json", description,
                StatsJson::record, StatsJson::key, StatsOptions.STATS);
    }

    /** Puts the stage's streams into the pipeline's streams, one per output. */
    public static void put(FleetPipeline.Streams s, StatsStage.Streams st) {
        for (Output<StatsRecord> o : ALL) s.put(o, st.outputs.get(o.name()));
    }
}
