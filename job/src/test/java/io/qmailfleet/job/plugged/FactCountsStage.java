package io.qmailfleet.job.plugged;

import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.Stage;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.options.JobOption;
import io.qmailfleet.job.options.OptionGroup;
import io.qmailfleet.job.sink.JsonText;
import io.qmailfleet.job.sink.Output;
import java.io.Serializable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A stage that exists only in the tests, written as a new stage of the job would be: everything it
 * needs is in this class (its options, settings, output, record type and operator), and it joins a
 * job through the two registries only, the stage list and the output list. It counts the facts of
 * the lifecycle core per host and fact kind and writes each count when the input ends.
 */
public final class FactCountsStage implements Stage<FactCountsStage.Settings> {
    public static final JobOption<Boolean> ENABLED = JobOption.bool("fact-counts", true)
            .help("write the number of facts of each kind per host to fact-counts/");
    public static final JobOption<Integer> MIN = JobOption.integer("fact-counts-min", 0)
            .check(n -> n >= 0, "must be >= 0").help("leave out counts below N");
    public static final OptionGroup GROUP = new OptionGroup("Fact counts", ENABLED, MIN);

    public static final Output<FactCount> OUTPUT = new Output<>("fact-counts", FactCount.class, "fact-count.schema.json",
            "facts of each kind per host", FactCountsStage::json, c -> c.host, ENABLED);

    /** One count: the facts of {@link #kind} of {@link #host} over the whole input. */
    public static class FactCount {
        public String host;
        public String kind;
        public long count;

        public FactCount() {}
    }

    /** The stage's settings. */
    public static final class Settings implements Serializable {
        private static final long serialVersionUID = 1L;
        boolean enabled;
        int min;
    }

    @Override
    public String name() {
        return "fact counts";
    }

    @Override
    public OptionGroup options() {
        return GROUP;
    }

    @Override
    public Settings config(JobConfig cfg) {
        Settings s = new Settings();
        s.enabled = cfg.get(ENABLED);
        s.min = cfg.get(MIN);
        return s;
    }

    @Override
    public void attach(FleetPipeline.Streams streams, Settings settings) {
        if (!settings.enabled) return;
        streams.put(OUTPUT, streams.facts()
                .keyBy(new HostAndKind())
                .process(new Count(settings.min), TypeInformation.of(FactCount.class))
                .uid("fact-counts").name("fact counts"));
    }

    static void json(JsonText g, FactCount c) {
        g.startObject();
        g.stringField("host", c.host);
        g.stringField("kind", c.kind);
        g.numberField("count", c.count);
        g.endObject();
    }

    static final class HostAndKind implements KeySelector<MessageFact, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(MessageFact f) {
            return f.host + " " + f.kind.name();
        }
    }

    /** Counts a key's facts; writes the count when the input ends (the watermark reaches the end of time). */
    static final class Count extends KeyedProcessFunction<String, MessageFact, FactCount> {
        private static final long serialVersionUID = 1L;
        private final int min;
        private transient ValueState<Long> count;

        Count(int min) {
            this.min = min;
        }

        @Override
        public void open(OpenContext openContext) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(MessageFact f, Context ctx, Collector<FactCount> out) throws Exception {
            Long n = count.value();
            count.update(n == null ? 1L : n + 1);
            if (n == null) ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<FactCount> out) throws Exception {
            long n = count.value();
            count.clear();
            if (n < min) return;
            FactCount c = new FactCount();
            String[] key = ctx.getCurrentKey().split(" ", 2);
            c.host = key[0];
            c.kind = key[1];
            c.count = n;
            out.collect(c);
        }
    }
}
