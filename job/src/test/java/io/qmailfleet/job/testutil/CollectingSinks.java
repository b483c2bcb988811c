package io.qmailfleet.job.testutil;

import io.qmailfleet.job.alert.PageEvent;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.sink.PipelineSinks;
import java.util.List;
import java.util.UUID;
import org.apache.flink.streaming.api.datastream.DataStream;

/** Pipeline outputs collected in memory, for tests of the whole graph on a MiniCluster. */
public final class CollectingSinks implements PipelineSinks {
    private final String prefix = "run-" + UUID.randomUUID() + "-";

    @Override
    public void events(DataStream<QmailEvent> s) {
        s.sinkTo(new CollectingSink<>(prefix + "events")).name("collect events");
    }

    @Override
    public void deadLetters(DataStream<DeadLetter> s) {
        s.sinkTo(new CollectingSink<>(prefix + "dead")).name("collect dead letters");
    }

    @Override
    public void lifecycles(DataStream<LifecycleRecord> s) {
        s.sinkTo(new CollectingSink<>(prefix + "lifecycles")).name("collect lifecycles");
    }

    @Override
    public void alerts(DataStream<MessageAlert> s) {
        s.sinkTo(new CollectingSink<>(prefix + "alerts")).name("collect alerts");
    }

    @Override
    public void late(DataStream<QmailEvent> s) {
        s.sinkTo(new CollectingSink<>(prefix + "late")).name("collect late");
    }

    @Override
    public void pages(DataStream<PageEvent> s) {
        s.sinkTo(new CollectingSink<>(prefix + "pages")).name("collect pages");
    }

    public List<PageEvent> pages() { return CollectingSink.results(prefix + "pages"); }
    public List<QmailEvent> events() { return CollectingSink.results(prefix + "events"); }
    public List<DeadLetter> deadLetters() { return CollectingSink.results(prefix + "dead"); }
    public List<LifecycleRecord> lifecycles() { return CollectingSink.results(prefix + "lifecycles"); }
    public List<MessageAlert> alerts() { return CollectingSink.results(prefix + "alerts"); }
    public List<QmailEvent> late() { return CollectingSink.results(prefix + "late"); }

    public void clear() {
        CollectingSink.clear(prefix);
    }
}
