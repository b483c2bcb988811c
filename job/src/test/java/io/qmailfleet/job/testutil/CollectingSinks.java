package io.qmailfleet.job.testutil;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.sink.PipelineSinks;
import java.util.List;
import java.util.UUID;
import org.apache.flink.streaming.api.datastream.DataStream;

/** Pipeline outputs collected in memory, one collection per {@link Output}, for tests of the whole graph on a MiniCluster. */
public final class CollectingSinks implements PipelineSinks {
    private final String prefix = "run-" + UUID.randomUUID() + "-";

    @Override
    public <T> void write(Output<T> output, DataStream<T> stream) {
        // where the stream is made, as the job's own sinks (a forward channel keeps its order)
        stream.sinkTo(new CollectingSink<>(prefix + output.name())).name("collect " + output.name())
                .setParallelism(stream.getParallelism());
    }

    /** What reached {@code output}'s sink. */
    public <T> List<T> of(Output<T> output) {
        return CollectingSink.results(prefix + output.name());
    }

    public List<QmailEvent> events() { return of(Outputs.EVENTS); }
    public List<DeadLetter> deadLetters() { return of(Outputs.DEAD_LETTERS); }
    public List<LifecycleRecord> lifecycles() { return of(Outputs.LIFECYCLES); }
    public List<MessageAlert> alerts() { return of(Outputs.MESSAGE_ALERTS); }
    public List<QmailEvent> late() { return of(Outputs.LATE); }
    public List<QmailEvent> hostEvents() { return of(Outputs.HOST_EVENTS); }
    public List<io.qmailfleet.job.alert.PageEvent> pages() { return of(Outputs.ALERTS); }

    /** The stats records of one output ({@code senders}, {@code recipients}, {@code domains}, {@code hosts}). */
    public List<io.qmailfleet.job.model.StatsRecord> stats(String output) {
        for (Output<io.qmailfleet.job.model.StatsRecord> o : io.qmailfleet.job.stats.StatsOutputs.ALL) {
            if (o.name().equals(output)) return of(o);
        }
        throw new IllegalArgumentException("no stats output " + output);
    }

    public void clear() {
        CollectingSink.clear(prefix);
    }
}
