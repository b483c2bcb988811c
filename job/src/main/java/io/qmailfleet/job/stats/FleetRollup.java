package io.qmailfleet.job.stats;

import io.qmailfleet.job.lifecycle.HeldState;
import io.qmailfleet.job.lifecycle.SharedTimers;
import io.qmailfleet.job.lifecycle.WriteBackOperator;
import io.qmailfleet.job.model.StatsRecord;
import io.qmailfleet.job.model.StatsRecordSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.StringValue;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The fleet roll-up, keyed by (dimension, key, window start): keeps each host's latest part of the
 * window and emits the fleet-wide sum every time a part arrives, so the fleet record is updated
 * when a later host's part (or a re-fired part) comes in.
 *
 * <p><b>Bounded input: one record per window</b> ({@link StatsConfig#holdUntilWatermark}). There
 * every host in step with the watermark has its part in when the watermark passes the window's end
 * by the fire delay ({@link HostWindows} fires it then at the latest), so the fleet record is held
 * until then (an event-time timer at that instant) and sent once, with every part, instead of once
 * per part: a record every host's part made obsolete was encoded, written and judged by the fleet
 * rules for nothing. A part that comes after that instant (a host behind the watermark, a window
 * fired again) is sent at once as the next revision. A held record is sent before its window is
 * dropped (the TTL, the end of the input).
 *
 * <p><b>How long a window is kept.</b> Hosts' clocks disagree and one host may be read long after
 * another (a backfill reads the hosts' files one after the other), so no event time can say that
 * every host's part has arrived. A window is kept {@code --stats-rollup-ttl} of processing time
 * after its last part (a processing-time timer, rounded up to the second so that one timer serves
 * many keys) and dropped at the end of a bounded input (an event-time timer at the end of time),
 * so nothing is left for the final checkpoint.
 *
 * <p><b>A backfill of files with a reader per host</b> ({@link StatsConfig#rollupLogTtlMillis}) is
 * the exception: its watermark is the slowest host's, so by the window's fire instant every host in
 * step has sent its part, and the window is dropped when the watermark passes that instant by the
 * allowed lateness and {@code --stats-rollup-ttl} of log time (an event-time timer, which the end of
 * the input fires too), with no processing-time timer. Such a backfill keeps a bounded span of log
 * time, not every window to its end. A part that comes after its window was dropped (a host whose
 * clock stepped back by more than that) is sent on its own, as revision 1, and counted
 * ({@value #ACC_PARTS_AFTER_DROP}).
 *
 * <p><b>Timers by window.</b> Under the log-time bound both timers of a window (its fire instant
 * and its drop instant) are the same for all its keys, and each key's pair was the roll-up's largest
 * cost on RocksDB (where a timer set, fired or deleted is a write or a read of the database) and
 * its timer queue on the heap. Held in memory ({@link #operator}), a new window's keys are listed
 * under the window ({@link #windowTimers}, {@link SharedTimers}) instead: the first of them sets the
 * drop timer, the first held one the fire timer, and that key's timer handles every key listed. A
 * key that leaves memory (a flush before a checkpoint barrier, or past the memory bound) gets its
 * own timers then, so a checkpoint holds a timer for every key, as before, and nothing of the list
 * is kept in it.
 *
 * <p>Plain state with timers, not state TTL: TTL'd heap
 * state copies entries on every access while a checkpoint is being written, which made this the
 * job's most expensive operator.
 *
 * <p><b>How a part is kept.</b> A window is kept for hours and most have one part (one host), so
 * the parts are kept as their bytes ({@link StatsRecordSerializer}), all of a window's in one
 * value ({@code rollup-part-bytes}, see {@link Kept}), and read only when another part of the
 * same window arrives; a record object of some fifty fields with its lists and sketches took
 * several times the room on the heap. A window with two parts or more keeps their fleet record
 * too, so that a new host's part is added to it (one record read, one merge); a host's part that
 * comes again (its window fired again) is summed anew with the others. A savepoint of the version that kept each host's part as a
 * record ({@code rollup-parts}, a map state by host) restores: such a window's parts are moved to
 * the bytes when its next part arrives, and dropped with the window.
 *
 * <p><b>Held in memory between checkpoints.</b> Run in {@link #operator} ({@link WriteBackOperator}), a window's state is read
 * from the state backend once and kept in memory ({@link Held}) until the next checkpoint barrier,
 * when what changed is written to keyed state and memory is emptied; it is written earlier when
 * more than {@value #MAX_HELD_BYTES} bytes of parts are held. A window whose first part and drop
 * both come between two checkpoints (most, in a backfill) never reaches the state backend: on
 * RocksDB each window cost some ten reads, writes and deletes, with their serialization. While
 * held, a window's first part stays the record it came as ({@link Held#single}): its bytes are made
 * only when another part comes or the window is written to keyed state, so a window with one part
 * that comes and goes between checkpoints is sent as it came, finished once. Which
 * windows have state in the backend (written by a flush and not dropped since) is kept as their
 * keys, so that a new window reads nothing; after a restore every window not yet held is read. In
 * a plain {@code KeyedProcessOperator} (no checkpoint hook) every call writes through.
 */
public class FleetRollup extends KeyedProcessFunction<String, StatsRecord, StatsRecord>
        implements WriteBackOperator.Function, HeldState.Holder {
    private static final long serialVersionUID = 1L;
    private static final long END_OF_INPUT = Long.MAX_VALUE;
    /** Accumulator: parts that came after the watermark had passed their window's drop instant ({@link StatsConfig#rollupLogTtlMillis}). */
    public static final String ACC_PARTS_AFTER_DROP = "stats-rollup-parts-after-drop";

    private final StatsConfig config;
    /** The window's parts, each host's latest (see {@link #readParts}). */
    private transient ValueState<byte[]> partBytes;
    /** host -> part, as a savepoint of the version before {@link #partBytes} holds them. */
    private transient MapState<String, StatsRecord> recordParts;
    /** Records sent for the window ({@link StatsConfig#holdUntilWatermark}: parts received otherwise, the same count). */
    private transient ValueState<Integer> revision;
    /** True while the window's fleet record waits for the watermark ({@link StatsConfig#holdUntilWatermark}). */
    private transient ValueState<Boolean> held;
    /** Processing time after which the window is dropped (its last part + the TTL). */
    private transient ValueState<Long> expiresAt;
    private transient DataOutputSerializer buffer;
    private transient LongCounter partsAfterDrop;
    /** key -> the window's state held in memory (see the class comment). */
    private transient Map<String, Held> heldWindows;
    /** Bytes of parts held in {@link #heldWindows}. */
    private transient long heldBytes;
    /** Keys whose state is in the backend (written by a flush and not dropped since); see {@link #mayBeInBackend}. */
    private transient Set<String> inBackend;
    /** How state is held: given by {@link WriteBackOperator}; in a plain operator every call writes through. */
    private transient HeldState heldState;
    /**
     * The fire and drop timers of the windows' keys held in memory: a key that asks for one while
     * another key of the window has it set is listed under that key's timer, which serves them all
     * (see the class comment). Used when the log-time bound applies and state is held in memory.
     */
    private transient SharedTimers windowTimers;

    /** Bytes of parts held in memory past which every window held is written to keyed state. */
    static final long MAX_HELD_BYTES = 64L << 20;

    /** One window's state as held in memory: the values of its four value states, and whether they changed. */
    static final class Held {
        /** The window's parts as kept ({@link Kept}); null while {@link #single} holds its one part. */
        byte[] partBytes;
        /**
         * The window's one part as it came (a record received over the network: changed here only
         * to finish it as it is sent, never after), while the window is held in memory with no
         * other part: its bytes are made only if they are needed (another part, a flush). Most
         * windows have one part, sent when the watermark passes and dropped before a checkpoint,
         * and never need them.
         */
        StatsRecord single;
        /** {@link #size} of {@link #single} when it was set. */
        long singleSize;
        Integer revision;
        boolean held;
        Long expiresAt;
        /** Its state may be in the backend (read from it, or written by a flush): a drop clears it there. */
        boolean inBackend;
        boolean dirty;
        /** Its window's timers serve it ({@link #windowTimers}); it has none of its own. */
        boolean byWindow;
    }

    /** The operator to run this function in: it holds windows in memory between checkpoints. */
    public static WriteBackOperator<StatsRecord, StatsRecord> operator(StatsConfig config) {
        return operatorOf(new FleetRollup(config));
    }

    /** The operator around {@code function}. */
    public static WriteBackOperator<StatsRecord, StatsRecord> operatorOf(FleetRollup function) {
        return new WriteBackOperator<>(function);
    }

    @Override
    public void holdWith(HeldState held) {
        this.heldState = held;
    }

    /** Version of the {@code rollup-part-bytes} layout (its first byte). */
    static final int PARTS_FORMAT = 1;

    public FleetRollup(StatsConfig config) {
        this.config = config.validate();
    }

    /** (dimension, key, window start) of a record. */
    public static final class RollupKey implements KeySelector<StatsRecord, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(StatsRecord r) {
            return r.dimension + "|" + r.windowStart + "|" + r.key;
        }
    }

    @Override
    public void open(OpenContext openContext) {
        partBytes = getRuntimeContext().getState(
                new ValueStateDescriptor<>("rollup-part-bytes", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        recordParts = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("rollup-parts", Types.STRING, TypeInformation.of(StatsRecord.class)));
        revision = getRuntimeContext().getState(new ValueStateDescriptor<>("rollup-revision", Types.INT));
        held = getRuntimeContext().getState(new ValueStateDescriptor<>("rollup-held", Types.BOOLEAN));
        expiresAt = getRuntimeContext().getState(new ValueStateDescriptor<>("rollup-expires", Types.LONG));
        buffer = new DataOutputSerializer(256);
        if (heldState == null) heldState = HeldState.writeThrough();
        heldState.add(this);
        heldWindows = new HashMap<>();
        heldBytes = 0;
        inBackend = new HashSet<>();
        windowTimers = new SharedTimers(heldState);
        partsAfterDrop = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_PARTS_AFTER_DROP, partsAfterDrop);
    }

    /** The end of the window a key ({@link RollupKey}) names. */
    private long windowEndOf(String key) {
        int a = key.indexOf('|');
        int b = key.indexOf('|', a + 1);
        return config.windowEnd(Long.parseLong(key, a + 1, b, 10));
    }

    /** One part of a window as kept: its host and its record. */
    static final class Part {
        final String host;
        final StatsRecord record;

        Part(String host, StatsRecord record) {
            this.host = host;
            this.record = record;
        }
    }

    static String hostOf(StatsRecord part) {
        return part.hosts == null || part.hosts.isEmpty() ? "" : part.hosts.get(0);
    }

    /**
     * A window's value, read: each host's part as its bytes, in the order the hosts' first parts
     * arrived, and with two parts or more the fleet record of them all (its bytes).
     *
     * <p>Layout: a format byte ({@link #PARTS_FORMAT}), the number of parts, each part (its host in
     * Flink's string format, the length of its bytes, the bytes as {@link StatsRecordSerializer}
     * writes the record), then with two parts or more the fleet record the same way (its length,
     * its bytes).
     */
    static final class Kept {
        final List<String> hosts = new ArrayList<>();
        final List<byte[]> parts = new ArrayList<>();
        byte[] fleet;

        static Kept read(byte[] value) throws IOException {
            Kept k = new Kept();
            if (value == null) return k;
            DataInputDeserializer in = new DataInputDeserializer(value);
            int format = in.readUnsignedByte();
            if (format != PARTS_FORMAT) throw new IOException("rollup-part-bytes: unknown format " + format);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                k.hosts.add(StringValue.readString(in));
                k.parts.add(bytes(in));
            }
            if (n >= 2) k.fleet = bytes(in);
            return k;
        }

        private static byte[] bytes(DataInputDeserializer in) throws IOException {
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            return b;
        }

        byte[] write(DataOutputSerializer out) throws IOException {
            out.clear();
            out.writeByte(PARTS_FORMAT);
            out.writeInt(parts.size());
            for (int i = 0; i < parts.size(); i++) {
                StringValue.writeString(hosts.get(i), out);
                out.writeInt(parts.get(i).length);
                out.write(parts.get(i));
            }
            if (parts.size() >= 2) {
                out.writeInt(fleet.length);
                out.write(fleet);
            }
            return out.getCopyOfBuffer();
        }
    }

    /** The parts a window's value holds, as records (for tests and tools). */
    static List<Part> readParts(byte[] value) throws IOException {
        Kept k = Kept.read(value);
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < k.parts.size(); i++) parts.add(new Part(k.hosts.get(i), record(k.parts.get(i))));
        return parts;
    }

    /** The fleet record a window's value holds with its parts (null with fewer than two parts). */
    static StatsRecord readFleet(byte[] value) throws IOException {
        Kept k = Kept.read(value);
        return k.fleet == null ? null : record(k.fleet);
    }

    private static StatsRecord record(byte[] b) throws IOException {
        return StatsRecordSerializer.INSTANCE.deserialize(new DataInputDeserializer(b));
    }

    private byte[] bytes(StatsRecord r) throws IOException {
        buffer.clear();
        StatsRecordSerializer.INSTANCE.serialize(r, buffer);
        return buffer.getCopyOfBuffer();
    }

    /** Whether the window may have state in the backend (and must be read from it, and cleared there when dropped). */
    private boolean mayBeInBackend(String key) {
        return !heldState.writesBack() || heldState.restored() || inBackend.contains(key);
    }

    /** The current window's state: held in memory, or read from keyed state (a new window's is empty). */
    private Held load(String key) throws IOException {
        Held h = heldWindows.get(key);
        if (h != null) return h;
        h = new Held();
        if (mayBeInBackend(key)) {
            h.inBackend = true;
            h.partBytes = partBytes.value();
            h.revision = revision.value();
            h.held = held.value() != null;
            h.expiresAt = expiresAt.value();
            heldBytes += size(h);
        }
        heldWindows.put(key, h);
        return h;
    }

    private static long size(Held h) {
        if (h.single != null) return h.singleSize;
        return h.partBytes == null ? 0 : h.partBytes.length;
    }

    /**
     * About the bytes a part held as a record takes, for {@link #MAX_HELD_BYTES}: some fifty fields,
     * its key, its reason lists and its sketches' values.
     */
    static long heldSize(StatsRecord r) {
        long n = 512 + 2L * (r.key == null ? 0 : r.key.length());
        n += 96L * (r.deferralReasons.size() + r.failureReasons.size());
        if (r.ddelaySketch != null) n += 8L * (r.ddelaySketch.pendingCount + (r.ddelaySketch.items == null ? 0 : r.ddelaySketch.items.length));
        if (r.qtimeSketch != null) n += 8L * (r.qtimeSketch.pendingCount + (r.qtimeSketch.items == null ? 0 : r.qtimeSketch.items.length));
        return n;
    }

    /** The window's parts as kept: read from their bytes, or the one part held as a record. */
    private Kept kept(Held h) throws IOException {
        if (h.single == null) return Kept.read(h.partBytes);
        Kept k = new Kept();
        k.hosts.add(hostOf(h.single));
        k.parts.add(bytes(h.single));
        return k;
    }

    /** The window's parts as their bytes from now on (its one part held as a record, written out). */
    private void toBytes(Held h) throws IOException {
        if (h.single == null) return;
        byte[] b = kept(h).write(buffer);
        heldBytes -= h.singleSize;
        h.single = null;
        h.singleSize = 0;
        h.partBytes = b;
        heldBytes += b.length;
    }

    /** Writes a window's state to keyed state if it changed (the window must be the current key); it leaves memory. */
    private void flush(String key, Held h) throws IOException {
        if (h.dirty) {
            toBytes(h);
            if (h.partBytes == null) partBytes.clear(); else partBytes.update(h.partBytes);
            if (h.revision == null) revision.clear(); else revision.update(h.revision);
            if (h.held) held.update(true); else held.clear();
            if (h.expiresAt == null) expiresAt.clear(); else expiresAt.update(h.expiresAt);
            if (heldState.writesBack()) inBackend.add(key);
        }
        heldBytes -= size(h);
    }

    /** Writes every held window to keyed state (before a checkpoint barrier, or when too much is held); memory is emptied. */
    @Override
    public void flush(Consumer<String> setKey) throws IOException {
        // a key that leaves memory gets timers of its own from windowTimers' flush: after the flush
        // (and after a restore) nothing lists it under its window
        for (Map.Entry<String, Held> e : heldWindows.entrySet()) {
            if (!e.getValue().dirty) continue;
            setKey.accept(e.getKey());
            flush(e.getKey(), e.getValue());
        }
        heldWindows.clear();
        heldBytes = 0;
    }

    /** Windows held in memory whose state changed since it was read or written. */
    @Override
    public int held() {
        int n = 0;
        for (Held h : heldWindows.values()) if (h.dirty) n++;
        return n;
    }

    /** After an element or a timer of {@code key}: write through without the operator, everything when too much is held. */
    private void done(String key, Held h) throws Exception {
        if (!heldState.writesBack()) {
            flush(key, h);
            heldWindows.remove(key);
        } else if (heldBytes > MAX_HELD_BYTES) {
            heldState.flushKeepingKey();
        }
    }

    /** The window is dropped: its state goes, from the backend too if it may be there. */
    private void drop(String key, Held h) {
        if (h.inBackend) {
            partBytes.clear();
            recordParts.clear();
            revision.clear();
            held.clear();
            expiresAt.clear();
            inBackend.remove(key);
        }
        heldBytes -= size(h);
        heldWindows.remove(key);
    }

    /** Whether a new window's keys in memory share their window's timers ({@link #windowTimers}). */
    private boolean timersByWindow() {
        return config.rollupByLogTime() && windowTimers.sharing();
    }

    /** Sets the window's parts, keeping {@link #heldBytes}. */
    private void setParts(Held h, byte[] bytes) {
        heldBytes += bytes.length - size(h);
        h.single = null;
        h.singleSize = 0;
        h.partBytes = bytes;
        h.dirty = true;
    }

    /** Sets the window's one part, held as the record it is, keeping {@link #heldBytes}. */
    private void setSingle(Held h, StatsRecord part) {
        long n = heldSize(part);
        heldBytes += n - size(h);
        h.partBytes = null;
        h.single = part;
        h.singleSize = n;
        h.dirty = true;
    }

    @Override
    public void processElement(StatsRecord part, Context ctx, Collector<StatsRecord> out) throws Exception {
        String host = hostOf(part);
        String key = ctx.getCurrentKey();
        Held h = load(key);
        Integer n = h.revision;
        boolean wasHeld = h.held;
        Kept kept;
        StatsRecord fleet;
        if (n == null && !wasHeld) {
            // the first part of this window (for most keys the only one): the fleet record is the
            // part itself, held as it is (its bytes are made if they are needed)
            kept = null;
            fleet = part;
            if (config.rollupByLogTime()) {
                long dropAt = config.rollupDropAt(part.windowEnd);
                if (timersByWindow() && !h.inBackend) {
                    // served by its window's timers: the first key of the window sets the drop timer
                    windowTimers.ask(key, dropAt, ctx.timerService());
                    h.byWindow = true;
                } else {
                    ctx.timerService().registerEventTimeTimer(dropAt);
                }
                // dropped already (or no host's part came while it was kept): sent on its own
                if (ctx.timerService().currentWatermark() >= dropAt) partsAfterDrop.add(1);
            } else {
                ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
            }
        } else {
            kept = kept(h);
            // parts kept as records by the version before (restored from its savepoint): to the bytes
            boolean migrated = false;
            if (h.inBackend && !recordParts.isEmpty()) {
                for (Map.Entry<String, StatsRecord> e : recordParts.entries()) {
                    kept.hosts.add(hostOf(e.getValue()));
                    kept.parts.add(bytes(e.getValue()));
                }
                recordParts.clear();
                migrated = true;
            }
            int mine = kept.hosts.indexOf(host);
            if (mine < 0 && !migrated && (kept.fleet != null || kept.parts.size() == 1)) {
                // a new host's part: added to the fleet record of the others
                fleet = record(kept.fleet != null ? kept.fleet : kept.parts.get(0));
                Measures.merge(fleet, part);
            } else {
                // the host's window fired again: its new part replaces its old one in the sum
                fleet = Measures.empty(part.dimension, part.key, part.windowStart, part.windowEnd);
                for (int i = 0; i < kept.parts.size(); i++) {
                    if (i != mine) Measures.merge(fleet, record(kept.parts.get(i)));
                }
                Measures.merge(fleet, part);
            }
            if (mine < 0) {
                kept.hosts.add(host);
                kept.parts.add(bytes(part));
            } else {
                kept.parts.set(mine, bytes(part));
            }
        }
        long fireAt = config.fireAt(part.windowEnd);
        boolean hold = config.holdUntilWatermark && ctx.timerService().currentWatermark() < fireAt;
        if (!hold) {
            fleet.revision = n == null ? 1 : n + 1;
            h.revision = fleet.revision;
            h.held = false;
        } else if (!wasHeld) {
            h.held = true;
            // the first key of the window held sets the fire timer, which sends every held key's
            if (h.byWindow) windowTimers.ask(key, fireAt, ctx.timerService());
            else ctx.timerService().registerEventTimeTimer(fireAt);
        }
        if (!config.rollupByLogTime()) {
            long now = ctx.timerService().currentProcessingTime();
            long at = roundUp(now + config.rollupTtlMillis);
            Long old = h.expiresAt;
            if (old == null || old != at) {
                h.expiresAt = at;
                // one timer per key: the old one is left to find a later expiry and do nothing
                ctx.timerService().registerProcessingTimeTimer(at);
            }
        }
        if (kept == null) {
            // held: finished when it is sent; sent now: finished first (it is not changed after)
            setSingle(h, part);
            if (!hold) out.collect(Measures.finish(fleet));
        } else {
            Measures.finish(fleet);
            if (kept.parts.size() >= 2) kept.fleet = bytes(fleet);
            setParts(h, kept.write(buffer));
            if (!hold) out.collect(fleet);
        }
        done(key, h);
    }

    /** Sends the window's held fleet record (the sum of its parts so far) as its next revision. */
    private void sendHeld(Held h, Collector<StatsRecord> out) throws IOException {
        if (!h.held) return;
        StatsRecord fleet;
        if (h.single != null) {
            // one part held as it came: finished here as it would have been when it came, and not
            // changed after it is sent (a later part is added to a copy made from its bytes)
            fleet = Measures.finish(h.single);
        } else {
            Kept k = Kept.read(h.partBytes);
            if (k.fleet != null) {
                fleet = record(k.fleet);
            } else {
                // one part: kept as it came, so finished here as it would have been when it came
                fleet = Measures.finish(record(k.parts.get(0)));
            }
        }
        Integer n = h.revision;
        fleet.revision = n == null ? 1 : n + 1;
        h.revision = fleet.revision;
        h.held = false;
        h.dirty = true;
        out.collect(fleet);
    }

    private static long roundUp(long millis) {
        return (millis / 1000 + 1) * 1000;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<StatsRecord> out) throws Exception {
        String key = ctx.getCurrentKey();
        Held h = load(key);
        Long at = h.expiresAt;
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            // an earlier part's timer: the window's expiry has moved on since
            if (at == null || at > timestamp) {
                done(key, h);
                return;
            }
            sendHeld(h, out);
            ctx.timerService().deleteEventTimeTimer(END_OF_INPUT);
        } else {
            eventTimer(key, h, timestamp, ctx, out);
            // the window's timer also serves the keys listed under it
            windowTimers.fire(key, timestamp, other -> {
                Held o = heldWindows.get(other);
                if (o != null) eventTimer(other, o, timestamp, ctx, out);
            });
            return;
        }
        drop(key, h);
    }

    /** An event-time timer of {@code key} (the operator's current key): its held record is sent, and at its drop instant the window goes. */
    private void eventTimer(String key, Held h, long timestamp, OnTimerContext ctx, Collector<StatsRecord> out) throws Exception {
        Long at = h.expiresAt;
        // the watermark passed the window's end by the fire delay (or the input ended)
        sendHeld(h, out);
        boolean drop = timestamp == END_OF_INPUT
                || config.rollupByLogTime() && timestamp >= config.rollupDropAt(windowEndOf(key));
        if (!drop) {
            if (at == null && !config.rollupByLogTime()) {
                // kept by log time before (restored from a savepoint of a backfill of files): from
                // now on by processing time, and to the end of a bounded input
                long expiry = roundUp(ctx.timerService().currentProcessingTime() + config.rollupTtlMillis);
                h.expiresAt = expiry;
                h.dirty = true;
                ctx.timerService().registerProcessingTimeTimer(expiry);
                ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
            }
            done(key, h);
            return;
        }
        if (at != null) {
            // kept by processing time before (a savepoint of a run without the log-time bound)
            ctx.timerService().deleteProcessingTimeTimer(at);
            if (timestamp != END_OF_INPUT) ctx.timerService().deleteEventTimeTimer(END_OF_INPUT);
        }
        drop(key, h);
    }
}
