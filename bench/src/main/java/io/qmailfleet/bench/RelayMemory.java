package io.qmailfleet.bench;

import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.trace.RelayConfig;
import io.qmailfleet.job.trace.RelayLinker;
import io.qmailfleet.job.trace.RelayMatch;
import io.qmailfleet.job.trace.RelayOffer;
import io.qmailfleet.job.trace.RelayReception;
import io.qmailfleet.job.trace.RelaySides;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;

/**
 * Heap held by the relay linker's waiting receptions (what a heap backfill keeps for
 * {@code --relay-buffer}): the receptions of the capture's 539 life cycles, replayed N times, each
 * made by the relay sides and passed through its Flink serializer as over a channel, into the linker
 * in its operator harness, one pid each (no candidates). Prints the heap growth per waiting
 * reception, measured after full collections (key, list, state entry and expiry timer included).
 *
 * <pre>java -Xmx3g -XX:+UseParallelGC -cp bench/target/benchmarks.jar io.qmailfleet.bench.RelayMemory 100</pre>
 */
public class RelayMemory {
    static long used() {
        for (int i = 0; i < 4; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    public static void main(String[] a) throws Exception {
        int copies = a.length > 0 ? Integer.parseInt(a[0]) : 100;
        List<LifecycleRecord> lcs = LifecycleSerializerBenchmark.captureLifecycles();
        TypeSerializer<RelayReception> ser = TypeInformation.of(RelayReception.class).createSerializer(new SerializerConfigImpl());
        List<byte[]> wire = new ArrayList<>();
        RelaySides.Receptions sides = new RelaySides.Receptions();
        List<RelayReception> out = new ArrayList<>();
        Collector<RelayReception> c = new Collector<>() {
            public void collect(RelayReception r) { out.add(r); }
            public void close() {}
        };
        for (LifecycleRecord r : lcs) sides.flatMap(r, c);
        for (RelayReception r : out) {
            DataOutputSerializer o = new DataOutputSerializer(512);
            ser.serialize(r, o);
            wire.add(o.getCopyOfBuffer());
        }
        RelayConfig cfg = new RelayConfig();
        cfg.bufferMillis = 3_600_000;
        var h = new KeyedTwoInputStreamOperatorTestHarness<Long, RelayOffer, RelayReception, RelayMatch>(
                new KeyedCoProcessOperator<>(new RelayLinker(cfg)), (RelayOffer x) -> x.qp, (RelayReception x) -> x.qp, Types.LONG);
        h.setProcessingTime(0);
        h.open();
        long before = used();
        long n = 0;
        long qp = 1;
        for (int k = 0; k < copies; k++) {
            for (byte[] b : wire) {
                RelayReception r = ser.deserialize(new DataInputDeserializer(b));
                r.qp = qp++; // one key each, as a backfill of distinct pids (no candidates)
                h.processElement2(new StreamRecord<>(r));
                n++;
            }
        }
        long after = used();
        System.out.printf("receptions %d (of %d life cycles x %d): heap %.1f MB -> %.1f MB, %.0f bytes per waiting reception (key, list, timers included)%n",
                n, lcs.size(), copies, before / 1e6, after / 1e6, (after - before) / (double) n);
        System.exit(0);
    }
}
