package io.qmailfleet.job.sink;

import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.JobOptions;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.stats.StatsOutputs;
import io.qmailfleet.job.trace.RelayHop;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The registry of the job's outputs. A stage that adds an output adds one entry to {@link #ALL}
 * (and puts its stream into {@link FleetPipeline.Streams} in its {@code attach}); the file and Kafka
 * sinks, the summary, the output folder's preparation and the tests follow from it.
 *
 * <p>For example, a stage's aggregates:
 * <pre>{@code
 * public static final Output<HostStats> STATS = new Output<>("stats", HostStats.class, "stats.schema.json",
 *         "per-host aggregates per window", JsonLines::stats, s -> s.host);
 * }</pre>
 * listed in {@link #ALL}, with {@code s.put(Outputs.STATS, stats)} in the stage's
 * {@link io.qmailfleet.job.Stage#attach}; the README's outputs table gets a row (a test checks it).
 */
public final class Outputs {
    private Outputs() {}

    public static final Output<QmailEvent> EVENTS = new Output<>("events", QmailEvent.class, "event.schema.json",
            "every parsed line", JsonLines::event, e -> e.host, JobOptions.EVENTS);
    public static final Output<DeadLetter> DEAD_LETTERS = new Output<>("dead-letters", DeadLetter.class,
            "dead-letter.schema.json", "unusable lines with the reason, where they came from and the raw text",
            JsonLines::deadLetter, d -> d.host);
    public static final Output<LifecycleRecord> LIFECYCLES = new Output<>("lifecycles", LifecycleRecord.class,
            "lifecycle.schema.json", "one record per message life cycle", JsonLines::lifecycle, r -> r.host);
    public static final Output<MessageAlert> MESSAGE_ALERTS = new Output<>("message-alerts", MessageAlert.class,
            "message-alert.schema.json", "stuck-message and hung-delivery alerts and their resolutions",
            JsonLines::alert, a -> a.host);
    public static final Output<QmailEvent> LATE = new Output<>("late", QmailEvent.class, "event.schema.json",
            "lines that came later than --max-out-of-order allows", JsonLines::event, e -> e.host);
    public static final Output<QmailEvent> HOST_EVENTS = new Output<>("host-events", QmailEvent.class,
            "event.schema.json", "qmail-send status, alert: and warning: lines, restarts, tcpserver and other programs' lines",
            JsonLines::event, e -> e.host, JobOptions.HOST_EVENTS);

    public static final Output<io.qmailfleet.job.alert.PageEvent> ALERTS = new Output<>("alerts",
            io.qmailfleet.job.alert.PageEvent.class, "page-event.schema.json",
            "the paging stream: PagerDuty Events v2 events (trigger and resolve), keyed by dedup key",
            io.qmailfleet.job.alert.PageJson::page, p -> p.dedupKey);

    public static final Output<RelayHop> HOPS = new Output<>("hops", RelayHop.class, "hop.schema.json",
            "one record per relay hop between two hosts of the job", JsonLines::hop, h -> h.fromHost);

    /** Every output, in the order the summary lists them. */
    public static final List<Output<?>> ALL = List.of(EVENTS, DEAD_LETTERS, LIFECYCLES, MESSAGE_ALERTS, LATE, HOST_EVENTS, HOPS,
            StatsOutputs.SENDERS, StatsOutputs.RECIPIENTS, StatsOutputs.DOMAINS, StatsOutputs.HOSTS, ALERTS);

    /** The one place where outputs meet sinks: every enabled output's stream goes to {@code sinks}. */
    public static void attach(FleetPipeline.Streams streams, JobConfig cfg, PipelineSinks sinks) {
        attach(streams, cfg, sinks, ALL);
    }

    /** Every enabled one of {@code outputs} (the registry, or a test's own) goes to {@code sinks}. */
    public static void attach(FleetPipeline.Streams streams, JobConfig cfg, PipelineSinks sinks, List<Output<?>> outputs) {
        for (Output<?> o : outputs) {
            if (o.enabled(cfg)) attach(streams, o, sinks);
        }
        sinks.finish();
    }

    private static <T> void attach(FleetPipeline.Streams streams, Output<T> o, PipelineSinks sinks) {
        List<DataStream<T>> parts = streams.parts(o);
        if (parts.isEmpty()) throw new IllegalStateException("the pipeline built no stream for output " + o.name());
        sinks.write(o, parts);
    }
}
