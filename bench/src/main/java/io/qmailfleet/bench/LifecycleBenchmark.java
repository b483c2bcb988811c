package io.qmailfleet.bench;

import io.qmailfleet.job.lifecycle.HostOutput;
import io.qmailfleet.job.lifecycle.HostRules;
import io.qmailfleet.job.lifecycle.HostSequencer;
import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.JoinedLineParser;
import io.qmailfleet.job.lifecycle.LifecycleAssembler;
import io.qmailfleet.job.lifecycle.LifecycleOutput;
import io.qmailfleet.job.lifecycle.LifecycleConfig;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.ParseOutcome;
import io.qmailfleet.job.parse.ParserConfig;
import io.qmailfleet.job.parse.QmailLineParser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
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
 * Throughput of the two life-cycle stages (both in the host sequencer operator) on the heap
 * state backend (or RocksDB with {@code -p stateBackend=rocksdb}), in Flink's operator test harnesses (no network, no serialization between the
 * stages): the real capture's 4526 qmail-send lines, parsed once, replayed {@value #REPLAYS} times
 * back to back with shifted times (45,260 lines, 5,390 life cycles) per invocation. The score is
 * lines per second through both stages; harness set-up is inside the measured time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LifecycleBenchmark {
    static final int REPLAYS = 10;
    static final int LINES = 4526 * REPLAYS;

    /** Reorder bound: 0 (pass-through fast path) or 2 s (the default: every line is buffered). */
    @Param({"0", "2000"})
    public long maxOutOfOrderMillis;

    /** Keyed state backend of both stages: {@code hashmap} (heap) or {@code rocksdb}. */
    @Param({"hashmap"})
    public String stateBackend;

    private List<QmailEvent> events;
    private LifecycleConfig config;

    @Setup
    public void setup() throws Exception {
        List<String> lines = CaptureFiles.multilogLines(CaptureFiles.multilogDir());
        QmailLineParser parser = new QmailLineParser(new ParserConfig());
        List<QmailEvent> once = new ArrayList<>();
        for (String l : lines) {
            ParseOutcome o = parser.parse(new RawLine(l, "mail", "file:bench", 0));
            if (!o.ok()) throw new IllegalStateException("capture line did not parse: " + l);
            once.add(o.event);
        }
        long span = once.get(once.size() - 1).tsNanos - once.get(0).tsNanos + 60_000_000_000L;
        events = new ArrayList<>(once.size() * REPLAYS);
        for (int r = 0; r < REPLAYS; r++) {
            for (QmailEvent e : once) {
                QmailEvent c = e.copy();
                c.tsNanos += r * span;
                events.add(c);
            }
        }
        if (events.size() != LINES) throw new IllegalStateException("expected " + LINES + " lines, got " + events.size());
        config = new LifecycleConfig();
        config.maxOutOfOrderNanos = TimeUnit.MILLISECONDS.toNanos(maxOutOfOrderMillis);
    }

    @Benchmark
    @OperationsPerInvocation(LINES)
    public long hostSequencerAndLifecycleBuilder() throws Exception {
        // both stages run in the host sequencer's one operator
        try (KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord> a =
                     new KeyedOneInputStreamOperatorTestHarness<>(new HostSequencer(config),
                             e -> e.host, Types.STRING)) {
            if (stateBackend.equals("rocksdb")) {
                a.setStateBackend(new EmbeddedRocksDBStateBackend());
            } else if (!stateBackend.equals("hashmap")) {
                throw new IllegalArgumentException("stateBackend: hashmap or rocksdb, not " + stateBackend);
            }
            a.open();
            long records = 0;
            for (QmailEvent e : events) {
                a.processElement(e.copy(), e.tsNanos / 1_000_000L);
                records += pump(a);
            }
            a.processWatermark(Long.MAX_VALUE);
            records += pump(a);
            if (records != 539L * REPLAYS) throw new IllegalStateException("records: " + records);
            return records;
        }
    }

    /**
     * The same lines through the plain rules of both stages ({@link HostRules} on in-memory tables,
     * {@link LifecycleAssembler}), without Flink: what the rules cost, apart from state access,
     * serialization and the harness. One invocation replays all lines; {@code stateBackend} is ignored.
     */
    @Benchmark
    @OperationsPerInvocation(LINES)
    public long plainRules() {
        HostRules rules = HostRules.inMemory(config, JoinedLineParser.qmailLineParser().create(config.parser));
        LifecycleAssembler assembler = new LifecycleAssembler(config);
        Map<String, LifecycleRecord> open = new HashMap<>();
        long[] records = {0};
        LifecycleOutput messageOut = new LifecycleOutput() {
            @Override public void lifecycle(LifecycleRecord r) { records[0]++; }
            @Override public void alert(MessageAlert a) {}
        };
        HostOutput hostOut = new HostOutput() {
            @Override
            public void message(QmailEvent e) {
                String key = e.host + " " + e.msgId;
                LifecycleRecord keep = assembler.apply(open.get(key), e, messageOut);
                if (keep != null) open.put(key, keep); else open.remove(key);
            }

            @Override public void hostEvent(QmailEvent e) {}
            @Override public void late(QmailEvent e) {}
            @Override public void deadLetter(DeadLetter d) {}
        };
        HostState st = new HostState();
        for (QmailEvent e : events) rules.onLine(st, "mail", e.copy(), hostOut);
        rules.close(st, "mail", EventType.FLUSH_OPEN, hostOut);
        if (records[0] != 539L * REPLAYS) throw new IllegalStateException("records: " + records[0]);
        return records[0];
    }

    private static long pump(KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord> a) {
        Object o;
        long n = 0;
        while ((o = a.getOutput().poll()) != null) {
            if (o instanceof StreamRecord) n++;
        }
        clear(a);
        return n;
    }

    private static void clear(KeyedOneInputStreamOperatorTestHarness<?, ?, ?> h) {
        // side outputs (host events, alerts) are not part of what is measured: drop them
        if (h.getSideOutput(HostSequencer.HOST_EVENTS) != null) h.getSideOutput(HostSequencer.HOST_EVENTS).clear();
        if (h.getSideOutput(HostSequencer.ALERTS) != null) h.getSideOutput(HostSequencer.ALERTS).clear();
    }
}
