package io.qmailfleet.job;

import io.qmailfleet.job.alert.AlertStage;
import io.qmailfleet.job.options.OptionGroup;
import io.qmailfleet.job.stats.StatsStage;
import io.qmailfleet.job.trace.RelayTrace;
import java.util.List;

/**
 * The registry of the job's stages behind the lifecycle core, in dependency order: a stage may
 * read the streams of the stages listed before it. A new stage is added here (and its outputs in
 * {@link io.qmailfleet.job.sink.Outputs#ALL}); its options then appear in {@code --help}, are
 * parsed and checked, and {@link FleetPipeline#build} attaches it.
 */
public final class Stages {
    private Stages() {}

    /** Every stage of the job, in the order they are attached. */
    public static final List<Stage<?>> ALL = List.of(
            new RelayTrace(),   // relay hops, on the life cycles
            new StatsStage(),   // aggregates, on the life cycles' facts
            new AlertStage());  // paging, on host events, message alerts and the aggregates

    /** The option groups of {@code stages}, in their order. */
    public static List<OptionGroup> optionGroups(List<Stage<?>> stages) {
        return stages.stream().map(Stage::options).toList();
    }
}
