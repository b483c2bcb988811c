package io.qmailfleet.job.sink;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;

/**
 * The records an output writes ({@link Output#counter()}): an accumulator of that name, printed at
 * the end of a run, and a metric {@code records-<counter>}. Registered by the operator that hands an
 * output's records to its sink, file ({@link JsonLinesEncoder}) or Kafka ({@link KafkaRecords}).
 */
final class RecordCount {
    private final LongCounter accumulator = new LongCounter();
    private final Counter metric;

    RecordCount(RuntimeContext ctx, String counter) {
        ctx.addAccumulator(counter, accumulator);
        metric = ctx.getMetricGroup().counter("records-" + counter);
    }

    /** One record written. */
    void add() {
        accumulator.add(1);
        metric.inc();
    }
}
