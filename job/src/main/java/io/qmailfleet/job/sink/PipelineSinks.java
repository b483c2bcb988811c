package io.qmailfleet.job.sink;

import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Where the pipeline's outputs go: files or Kafka for the job, collecting sinks in tests. Called
 * once per enabled {@link Output} by {@link Outputs#attach}, then {@link #finish()} once.
 */
public interface PipelineSinks {
    /** Attaches the sink of {@code output} to its stream. */
    <T> void write(Output<T> output, DataStream<T> stream);

    /**
     * Attaches the sink of {@code output} to its streams (one or more, from different operators):
     * by default to their union.
     */
    default <T> void write(Output<T> output, List<DataStream<T>> parts) {
        DataStream<T> all = parts.get(0);
        for (int i = 1; i < parts.size(); i++) all = all.union(parts.get(i));
        write(output, all);
    }

    /**
     * Called once after every output has been handed over, for sinks that add records of their own
     * to an output (the Kafka sinks dead-letter records too large for Kafka).
     */
    default void finish() {}
}
