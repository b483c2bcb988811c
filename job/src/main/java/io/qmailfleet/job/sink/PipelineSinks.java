package io.qmailfleet.job.sink;

import io.qmailfleet.job.alert.PageEvent;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Where the pipeline's outputs go. The job wires files or Kafka; tests pass collecting sinks. Each
 * method attaches the sink(s) for one output stream.
 */
public interface PipelineSinks {
    /** The outputs' names: the folders of the file outputs, the topic suffixes of the Kafka ones. */
    java.util.List<String> OUTPUTS = java.util.List.of("events", "dead-letters", "lifecycles", "alerts", "late", "pages");

    /** Every parsed line (the typed event stream). */
    void events(DataStream<QmailEvent> events);

    /** Lines that could not be used, with the reason (parse and host stages). */
    void deadLetters(DataStream<DeadLetter> deadLetters);

    /** One record per message life cycle. */
    void lifecycles(DataStream<LifecycleRecord> lifecycles);

    /** Stuck-message and hung-delivery alerts and their resolutions. */
    void alerts(DataStream<MessageAlert> alerts);

    /** Lines that arrived later than the out-of-order bound allows. */
    void late(DataStream<QmailEvent> late);

    /** Paging alert events (PagerDuty Events v2 shape); sinks that do not take them ignore them. */
    default void pages(DataStream<PageEvent> pages) {}

    /**
     * Called once after every output has been handed over, for sinks that add records of their own
     * to an output (the Kafka sinks dead-letter records too large for Kafka).
     */
    default void finish() {}
}
