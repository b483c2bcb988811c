package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/**
 * The {@link HostSequencer} in an operator test harness: stage A (the host rules: order, matching,
 * deadlines) and stage B (the life cycles) run in its one operator. Collects every output, and
 * stage A's events as stage B got them ({@link HostSequencer#SEQUENCED}).
 */
final class Pipeline implements AutoCloseable {
    KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord> a;
    private final LifecycleConfig config;
    private final JoinedLineParser.Factory parserFactory;
    /** State backend of both harnesses; null for the harness default (heap). */
    private final StateBackend backend;
    private final UnaryOperator<HostSequencer> setUp;

    /** Stage A's main output, in emission order. */
    final List<QmailEvent> stageA = new ArrayList<>();
    final List<QmailEvent> hostEvents = new ArrayList<>();
    final List<QmailEvent> late = new ArrayList<>();
    final List<DeadLetter> deadLetters = new ArrayList<>();
    final List<LifecycleRecord> records = new ArrayList<>();
    final List<MessageAlert> alerts = new ArrayList<>();

    // the Flink timestamp (ms) of every collected record, index for index with the lists above
    final List<Long> stageATimes = new ArrayList<>();
    final List<Long> hostEventTimes = new ArrayList<>();
    final List<Long> lateTimes = new ArrayList<>();
    final List<Long> deadLetterTimes = new ArrayList<>();
    final List<Long> recordTimes = new ArrayList<>();
    final List<Long> alertTimes = new ArrayList<>();
    /** Main-output records of either stage whose timestamp was at or behind a watermark that stage had already emitted. */
    final List<Object> behindWatermark = new ArrayList<>();
    private long watermark = Long.MIN_VALUE;

    Pipeline(LifecycleConfig config) throws Exception {
        this(config, JoinedLineParser.qmailLineParser());
    }

    Pipeline(LifecycleConfig config, JoinedLineParser.Factory parserFactory) throws Exception {
        this(config, parserFactory, null);
    }

    /** Both stages on the given state backend (e.g. RocksDB); null for the heap default. */
    Pipeline(LifecycleConfig config, JoinedLineParser.Factory parserFactory, StateBackend backend) throws Exception {
        this(config, parserFactory, backend, UnaryOperator.identity());
    }

    /** As above, the operator set up by {@code setUp} (e.g. {@link HostSequencer#holdAtMost}) each time it is made. */
    Pipeline(LifecycleConfig config, JoinedLineParser.Factory parserFactory, StateBackend backend,
             UnaryOperator<HostSequencer> setUp) throws Exception {
        this.config = config;
        this.parserFactory = parserFactory;
        this.backend = backend;
        this.setUp = setUp;
        a = newStageA();
        a.open();
    }

    private KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord> newStageA() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord>(
                setUp.apply(new HostSequencer(config, parserFactory).emitSequenced()), e -> e.host, Types.STRING);
        if (backend != null) h.setStateBackend(backend);
        return h;
    }

    /** A config with no reordering (bound 0) and exact deadline scans; thresholds as default. */
    static LifecycleConfig inOrderConfig() {
        LifecycleConfig c = new LifecycleConfig();
        c.maxOutOfOrderNanos = 0;
        c.scanGranularityNanos = 0;
        return c;
    }

    Pipeline feed(QmailEvent... events) throws Exception {
        for (QmailEvent e : events) {
            a.processElement(e, Math.floorDiv(e.tsNanos, 1_000_000L));
            pump();
        }
        return this;
    }

    /**
     * Feeds the lines as a source with a bounded-out-of-orderness watermark would: after each
     * line, the watermark newest-line-time - bound - 1 ms, when it moved.
     */
    Pipeline feedWithSourceWatermarks(long boundMillis, QmailEvent... events) throws Exception {
        long max = Long.MIN_VALUE;
        long emitted = Long.MIN_VALUE;
        for (QmailEvent e : events) {
            long ms = Math.floorDiv(e.tsNanos, 1_000_000L);
            a.processElement(e, ms);
            pump();
            max = Math.max(max, ms);
            if (max - boundMillis - 1 > emitted) {
                emitted = max - boundMillis - 1;
                watermark(emitted);
            }
        }
        return this;
    }

    Pipeline watermark(long millis) throws Exception {
        a.processWatermark(millis);
        pump();
        return this;
    }

    /** End of a bounded input: the MAX watermark. */
    Pipeline endOfInput() throws Exception {
        return watermark(Long.MAX_VALUE);
    }

    Pipeline processingTime(long millis) throws Exception {
        a.setProcessingTime(millis);
        pump();
        return this;
    }

    /** Checkpoints the operator (both stages) and replaces it with a fresh instance restored from the snapshot. */
    Pipeline snapshotAndRestoreStageA() throws Exception {
        long pt = a.getProcessingTime();
        // as a task does before the barrier (the harness's snapshot does not): the FIFO's lines held in memory go to state
        a.prepareSnapshotPreBarrier(1L);
        OperatorSubtaskState snap = a.snapshot(1L, pt);
        a.close();
        a = newStageA();
        a.setProcessingTime(pt);
        a.initializeState(snap);
        a.open();
        return this;
    }

    /**
     * Collects what the operator emitted, in order, after each call into it; notes records at or
     * behind a watermark it had emitted before. A call emits its watermark last, so the side
     * output's events (a queue of their own) are checked against the watermark of the calls before.
     */
    private void pump() throws Exception {
        Queue<StreamRecord<QmailEvent>> q = a.getSideOutput(HostSequencer.SEQUENCED);
        StreamRecord<QmailEvent> e;
        while (q != null && (e = q.poll()) != null) {
            stageA.add(e.getValue());
            stageATimes.add(timestamp(e));
            if (e.getTimestamp() <= watermark) behindWatermark.add(e.getValue());
        }
        Object o;
        while ((o = a.getOutput().poll()) != null) {
            if (o instanceof StreamRecord) {
                @SuppressWarnings("unchecked")
                StreamRecord<LifecycleRecord> r = (StreamRecord<LifecycleRecord>) o;
                records.add(r.getValue());
                recordTimes.add(timestamp(r));
                if (r.getTimestamp() <= watermark) behindWatermark.add(r.getValue());
            } else if (o instanceof Watermark) {
                watermark = ((Watermark) o).getTimestamp();
            }
        }
        drain(a, HostSequencer.HOST_EVENTS, hostEvents::add, hostEventTimes);
        drain(a, HostSequencer.LATE, late::add, lateTimes);
        drain(a, HostSequencer.DEAD_LETTERS, deadLetters::add, deadLetterTimes);
        drain(a, HostSequencer.ALERTS, alerts::add, alertTimes);
    }

    /** The record's timestamp; null if it has none. */
    private static Long timestamp(StreamRecord<?> r) {
        return r.hasTimestamp() ? r.getTimestamp() : null;
    }

    private static <X> void drain(KeyedOneInputStreamOperatorTestHarness<?, ?, ?> h, OutputTag<X> tag,
                                  Consumer<X> sink, List<Long> times) {
        Queue<StreamRecord<X>> q = h.getSideOutput(tag);
        if (q == null) return;
        StreamRecord<X> r;
        while ((r = q.poll()) != null) {
            sink.accept(r.getValue());
            times.add(timestamp(r));
        }
    }

    /**
     * How many keys hold the named state of stage A (a MapState counts while non-empty), as a
     * checkpoint would see it: what the operator holds in memory (the FIFO's lines) is written first.
     */
    long stageAKeysWith(String stateName) throws Exception {
        a.prepareSnapshotPreBarrier(0L);
        return keysWith(a, stateName);
    }

    /** Entries of stage A's tables and host states held in memory, not yet in keyed state. */
    int entriesInMemory() {
        return ((HostSequencer) a.getOperator()).entriesInMemory();
    }

    /** Lines of stage A's FIFO held in memory, not yet in keyed state. */
    int fifoLinesInMemory() {
        return ((HostSequencer) a.getOperator()).fifoLinesInMemory();
    }

    /** How many messages hold a life cycle being built (stage B's state), all hosts, as a checkpoint would see it. */
    long openLifecycles() throws Exception {
        a.prepareSnapshotPreBarrier(0L);
        AbstractStreamOperator<?> op = (AbstractStreamOperator<?>) a.getOperator();
        var backend = op.<String>getKeyedStateBackend();
        long[] n = {0};
        backend.applyToAllKeys(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>("lifecycles", Types.LONG, TypeInformation.of(LifecycleRecord.class)),
                (host, state) -> {
                    for (Object ignored : state.keys()) n[0]++;
                });
        return n[0];
    }

    /** The keyed state backend class of stage A (to check which backend a test really ran on). */
    String stageABackendClass() {
        return ((AbstractStreamOperator<?>) a.getOperator()).getKeyedStateBackend().getClass().getSimpleName();
    }

    private static long keysWith(KeyedOneInputStreamOperatorTestHarness<String, ?, ?> h, String stateName) {
        AbstractStreamOperator<?> op = (AbstractStreamOperator<?>) h.getOperator();
        try (var keys = op.<String>getKeyedStateBackend().getKeys(stateName, VoidNamespace.INSTANCE)) {
            return keys.distinct().count();
        }
    }

    LifecycleRecord record(long msgId) {
        LifecycleRecord found = null;
        for (LifecycleRecord r : records) {
            if (r.msgId == msgId) {
                if (found != null) throw new AssertionError("more than one record for msg " + msgId);
                found = r;
            }
        }
        if (found == null) throw new AssertionError("no record for msg " + msgId + " in " + records.size());
        return found;
    }

    List<MessageAlert> alerts(String kind) {
        List<MessageAlert> l = new ArrayList<>();
        for (MessageAlert al : alerts) if (al.kind.json().equals(kind)) l.add(al);
        return l;
    }

    List<QmailEvent> stageA(io.qmailfleet.job.model.EventType type) {
        List<QmailEvent> l = new ArrayList<>();
        for (QmailEvent e : stageA) if (e.type == type) l.add(e);
        return l;
    }

    @Override
    public void close() throws Exception {
        a.close();
    }
}
