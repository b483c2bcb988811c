package io.qmailfleet.bench;

import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.QmailEventSerializer;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A parsed line on its way to the host sequencer of another task (a backfill of several hosts, a
 * Kafka read): {@link QmailEventSerializer} writes it into a buffer as Flink's record writer does,
 * and reads it back as the receiving task does. The capture's lines, tagged as the file source
 * tags them (a host, the file's URI as origin, a position). One op = one line written and read.
 * With {@code -prof gc} JMH also gives the bytes allocated per op.
 *
 * <pre>java -jar bench/target/benchmarks.jar EventSerializerBenchmark -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EventSerializerBenchmark {
    private QmailEvent[] events;
    private int next;
    private final DataOutputSerializer out = new DataOutputSerializer(1024);
    private final DataInputDeserializer in = new DataInputDeserializer();

    @Setup
    public void setup() throws Exception {
        events = CaptureFiles.parsedMultilog("mail00");
    }

    @Benchmark
    public QmailEvent writeAndRead() throws Exception {
        QmailEvent e = events[next];
        if (++next == events.length) next = 0;
        out.clear();
        QmailEventSerializer.INSTANCE.serialize(e, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return QmailEventSerializer.INSTANCE.deserialize(in);
    }
}
