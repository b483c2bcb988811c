package io.qmailfleet.job.sink;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/** Passes records through and counts them in an accumulator (and a metric) of the given name. */
public final class StageCounter<T> extends RichMapFunction<T, T> {
    private static final long serialVersionUID = 1L;

    private final String name;
    private transient LongCounter accumulator;
    private transient org.apache.flink.metrics.Counter metric;

    public StageCounter(String name) {
        this.name = name;
    }

    @Override
    public void open(OpenContext ctx) {
        accumulator = new LongCounter();
        getRuntimeContext().addAccumulator(name, accumulator);
        metric = getRuntimeContext().getMetricGroup().counter(name);
    }

    @Override
    public T map(T value) {
        accumulator.add(1);
        metric.inc();
        return value;
    }
}
