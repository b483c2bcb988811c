package io.qmailfleet.job.sink;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Encodes records of one output (to JSON lines, or keyed JSON for Kafka) and counts them: an
 * accumulator named {@code counter} ({@link Output#counter()}, printed at the end of a run) and a
 * metric {@code records-<counter>}.
 */
public final class OutputCounter<T, R> extends RichMapFunction<T, R> {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final SerializableFunction<T, R> encoder;
    private transient LongCounter accumulator;
    private transient Counter metric;

    public OutputCounter(String name, SerializableFunction<T, R> encoder) {
        this.name = name;
        this.encoder = encoder;
    }

    @Override
    public void open(OpenContext ctx) {
        accumulator = new LongCounter();
        getRuntimeContext().addAccumulator(name, accumulator);
        metric = getRuntimeContext().getMetricGroup().counter("records-" + name);
    }

    @Override
    public R map(T value) {
        accumulator.add(1);
        metric.inc();
        return encoder.apply(value);
    }
}
