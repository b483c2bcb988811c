package io.qmailfleet.bench;

import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.sink.JsonLines;
import io.qmailfleet.job.sink.JsonText;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The JSON lines the file sinks write, made by {@link JsonText} into one buffer as a sink's writer
 * does: the capture's 539 life cycles, and its parsed lines as events (the lines tagged as the file
 * source tags them: a host, the file's URI as origin, a position). One op = one record; the bytes
 * per record are printed at set-up, so the score times them is bytes per second.
 *
 * <pre>java -jar bench/target/benchmarks.jar JsonBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JsonBenchmark {
    private LifecycleRecord[] lifecycles;
    private QmailEvent[] events;
    private int nextLifecycle;
    private int nextEvent;
    private final JsonText g = new JsonText();

    @Setup
    public void setup() throws Exception {
        lifecycles = LifecycleSerializerBenchmark.captureLifecycles().toArray(new LifecycleRecord[0]);
        events = CaptureFiles.parsedMultilog("mail00");
        g.reset();
        for (LifecycleRecord r : lifecycles) JsonLines.lifecycle(g, r);
        System.out.printf("%n# %d life cycles, %.1f bytes each%n", lifecycles.length, g.length() / (double) lifecycles.length);
        g.reset();
        for (QmailEvent e : events) JsonLines.event(g, e);
        System.out.printf("# %d events, %.1f bytes each%n", events.length, g.length() / (double) events.length);
    }

    @Benchmark
    public int lifecycle() {
        LifecycleRecord r = lifecycles[nextLifecycle];
        if (++nextLifecycle == lifecycles.length) nextLifecycle = 0;
        g.reset();
        JsonLines.lifecycle(g, r);
        g.line();
        return g.length();
    }

    @Benchmark
    public int event() {
        QmailEvent e = events[nextEvent];
        if (++nextEvent == events.length) nextEvent = 0;
        g.reset();
        JsonLines.event(g, e);
        g.line();
        return g.length();
    }
}
