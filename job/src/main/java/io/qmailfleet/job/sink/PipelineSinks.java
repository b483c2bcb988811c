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
     * Attaches the sink of {@code output} to the streams it is made of (a union of them). By
     * default the union is written as one stream; sinks that encode records override it to encode
     * each part where it is made, so that only the encoded records cross the network.
     */
    default <T> void write(Output<T> output, java.util.List<DataStream<T>> parts) {
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
