package io.qmailfleet.job;

import io.qmailfleet.job.options.OptionGroup;

/**
 * A stage of the job behind the lifecycle core (aggregates, relay trace, paging, ...). The job
 * runs the stages of {@link Stages#ALL}, in that order; a stage lives in its own package and is
 * named nowhere else but there and, for each of its outputs, in {@link io.qmailfleet.job.sink.Outputs#ALL}.
 *
 * <p>A stage has
 * <ul>
 * <li>its {@link #options()}: defined once in its own {@link OptionGroup}, parsed with every other
 *     option of the command line (the usage text and the README list follow);</li>
 * <li>its settings, read from those options by {@link #config} (checked before the job touches
 *     anything: {@link JobConfig#from} calls it once for every stage);</li>
 * <li>{@link #attach}, which wires it onto the streams of the lifecycle core and of the stages
 *     before it ({@link FleetPipeline.Streams}), and puts its outputs there: one stream per
 *     {@link io.qmailfleet.job.sink.Output} ({@code put}, or {@code add} to an output that already
 *     has one), and the streams later stages may read under a {@link FleetPipeline.Key}.</li>
 * </ul>
 * Sinks are attached to the outputs afterwards, in one place ({@link io.qmailfleet.job.sink.Outputs#attach}).
 * Every stateful operator a stage adds needs a {@code uid()} of its own.
 *
 * @param <C> the stage's settings (shipped with its operators, so {@link java.io.Serializable})
 */
public interface Stage<C> {
    /** A short name, for messages. */
    String name();

    /** The stage's options. */
    OptionGroup options();

    /**
     * The stage's settings from its options ({@code cfg.get(OPTION)}) and the core's settings it
     * depends on; throws IllegalArgumentException with a one-line message when a value or a
     * combination is wrong. No side effects.
     */
    C config(JobConfig cfg);

    /** Wires the stage with its {@code config} onto {@code streams} and puts its outputs there. */
    void attach(FleetPipeline.Streams streams, C config);
}
