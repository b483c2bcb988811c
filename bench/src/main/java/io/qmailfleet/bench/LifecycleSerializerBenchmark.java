package io.qmailfleet.bench;

import io.qmailfleet.job.lifecycle.HostSequencer;
import io.qmailfleet.job.lifecycle.LifecycleConfig;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleRecordSerializer;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.ParseOutcome;
import io.qmailfleet.job.parse.ParserConfig;
import io.qmailfleet.job.parse.QmailLineParser;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Flink's POJO serializer of {@link LifecycleRecord} (what the job used before) against
 * {@link LifecycleRecordSerializer}, on the capture's 539 real life cycles: serialize and
 * deserialize each (a channel between tasks, or RocksDB state), and copy each (heap state under a
 * running snapshot). Score: life cycles per second; the bytes per life cycle are printed at set-up.
 *
 * <pre>java -jar bench/target/benchmarks.jar LifecycleSerializerBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LifecycleSerializerBenchmark {
    static final int RECORDS = 539;

    @Param({"pojo", "compact"})
    public String serializer;

    private List<LifecycleRecord> records;
    private TypeSerializer<LifecycleRecord> s;
    private final DataOutputSerializer out = new DataOutputSerializer(4096);
    private final DataInputDeserializer in = new DataInputDeserializer();

    /** Flink's POJO type of the class, as type extraction made it before the class named its own serializer. */
    static PojoTypeInfo<LifecycleRecord> pojoType() {
        List<PojoField> fields = new ArrayList<>();
        for (Field f : LifecycleRecord.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) continue;
            fields.add(new PojoField(f, TypeExtractor.createTypeInfo(f.getGenericType())));
        }
        return new PojoTypeInfo<>(LifecycleRecord.class, fields);
    }

    @Setup
    public void setup() throws Exception {
        s = switch (serializer) {
            case "pojo" -> pojoType().createSerializer(new SerializerConfigImpl());
            case "compact" -> TypeInformation.of(LifecycleRecord.class).createSerializer(new SerializerConfigImpl());
            default -> throw new IllegalArgumentException("serializer: pojo or compact, not " + serializer);
        };
        records = captureLifecycles();
        if (records.size() != RECORDS) throw new IllegalStateException("life cycles: " + records.size());
        out.clear();
        for (LifecycleRecord r : records) s.serialize(r, out);
        System.out.printf("%n# %s: %d bytes for %d life cycles, %.1f per life cycle%n", serializer, out.length(),
                records.size(), out.length() / (double) records.size());
    }

    /** The capture's life cycles, from the host sequencer (both stages) in an operator harness. */
    static List<LifecycleRecord> captureLifecycles() throws Exception {
        QmailLineParser parser = new QmailLineParser(new ParserConfig());
        LifecycleConfig config = new LifecycleConfig();
        List<LifecycleRecord> out = new ArrayList<>();
        try (var a = new KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord>(
                     new HostSequencer(config), e -> e.host, Types.STRING)) {
            a.open();
            for (String l : CaptureFiles.multilogLines(CaptureFiles.multilogDir())) {
                ParseOutcome o = parser.parse(new RawLine(l, "mail", "file:bench", 0));
                a.processElement(o.event, o.event.tsNanos / 1_000_000L);
            }
            a.processWatermark(Long.MAX_VALUE);
            for (Object o : a.getOutput()) if (o instanceof StreamRecord<?> r) out.add((LifecycleRecord) r.getValue());
        }
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long serializeAndDeserialize() throws Exception {
        long n = 0;
        for (LifecycleRecord r : records) {
            out.clear();
            s.serialize(r, out);
            in.setBuffer(out.getSharedBuffer(), 0, out.length());
            n += s.deserialize(in).msgId;
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long copy() {
        long n = 0;
        for (LifecycleRecord r : records) n += s.copy(r).recipients.size();
        return n;
    }
}
