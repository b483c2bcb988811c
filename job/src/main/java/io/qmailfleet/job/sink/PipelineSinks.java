package io.qmailfleet.job.sink;

import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Where the pipeline's outputs go: files or Kafka for the job, collecting sinks in tests. Called
 * once per enabled {@link Output} by {@link Outputs#attach}, then {@link #finish()} once.
 */
public interface PipelineSinks {
    /** Attaches the sink of {@code output} to its stream. */
    <T> void write(Output<T> output, DataStream<T> stream);

    /**
     * Called once after every output has been handed over, for sinks that add records of their own
     * to an output (the Kafka sinks dead-letter records too large for Kafka).
     */
    default void finish() {}
}
