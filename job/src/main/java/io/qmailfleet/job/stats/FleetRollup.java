package io.qmailfleet.job.stats;

import io.qmailfleet.job.model.StatsRecord;
import io.qmailfleet.job.model.StatsRecordSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The fleet roll-up, keyed by (dimension, key, window start): keeps each host's latest part of the
 * window and emits the fleet-wide sum every time a part arrives, so the fleet record is updated
 * when a later host's part (or a re-fired part) comes in.
 *
 * <p><b>How long a window is kept.</b> Hosts' clocks disagree and one host may be read long after
 * another (a backfill reads the hosts' files one after the other), so no event time can say that
 * every host's part has arrived. A window is kept {@code --stats-rollup-ttl} of processing time
 * after its last part (a processing-time timer, rounded up to the second so that one timer serves
 * many keys) and dropped at the end of a bounded input (an event-time timer at the end of time),
 * so nothing is left for the final checkpoint. Plain state with timers, not state TTL: TTL'd heap
 * state copies entries on every access while a checkpoint is being written, which made this the
 * job's most expensive operator.
 *
 * <p><b>How a part is kept.</b> A window is kept for hours and most have one part (one host), so
 * the parts are kept as their bytes ({@link StatsRecordSerializer}), all of a window's in one
 * value ({@code rollup-part-bytes}, see {@link #readParts}), and read only when another part of
 * the same window arrives; a record object of some fifty fields with its lists and sketches took
 * several times the room on the heap. A savepoint of the version that kept each host's part as a
 * record ({@code rollup-parts}, a map state by host) restores: such a window's parts are moved to
 * the bytes when its next part arrives, and dropped with the window.
 */
public class FleetRollup extends KeyedProcessFunction<String, StatsRecord, StatsRecord> {
    private static final long serialVersionUID = 1L;
    private static final long END_OF_INPUT = Long.MAX_VALUE;

    private final StatsConfig config;
    /** The window's parts, each host's latest (see {@link #readParts}). */
    private transient ValueState<byte[]> partBytes;
    /** host -> part, as a savepoint of the version before {@link #partBytes} holds them. */
    private transient MapState<String, StatsRecord> recordParts;
    private transient ValueState<Integer> revision;
    /** Processing time after which the window is dropped (its last part + the TTL). */
    private transient ValueState<Long> expiresAt;
    private transient DataOutputSerializer buffer;

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
        expiresAt = getRuntimeContext().getState(new ValueStateDescriptor<>("rollup-expires", Types.LONG));
        buffer = new DataOutputSerializer(256);
    }

    /** One part of a window: the record, and where its bytes are in the window's value (-1 if not there). */
    static final class Part {
        final String host;
        final StatsRecord record;
        final int from;
        final int to;

        Part(StatsRecord record, int from, int to) {
            this.host = hostOf(record);
            this.record = record;
            this.from = from;
            this.to = to;
        }
    }

    static String hostOf(StatsRecord part) {
        return part.hosts == null || part.hosts.isEmpty() ? "" : part.hosts.get(0);
    }

    /**
     * The parts in a window's value: a format byte ({@link #PARTS_FORMAT}), then each part as
     * {@link StatsRecordSerializer} writes it, in the order their hosts' first parts arrived.
     */
    static List<Part> readParts(byte[] bytes) throws IOException {
        List<Part> parts = new ArrayList<>();
        if (bytes == null) return parts;
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        int format = in.readUnsignedByte();
        if (format != PARTS_FORMAT) throw new IOException("rollup-part-bytes: unknown format " + format);
        while (in.available() > 0) {
            int from = in.getPosition();
            StatsRecord r = StatsRecordSerializer.INSTANCE.deserialize(in);
            parts.add(new Part(r, from, in.getPosition()));
        }
        return parts;
    }

    /**
     * The window's value: the other hosts' parts as they were (their bytes copied), and
     * {@code part} in place of its host's old part, or after the others if its host is new.
     */
    private byte[] writeParts(byte[] old, List<Part> parts, StatsRecord part) throws IOException {
        String host = hostOf(part);
        buffer.clear();
        buffer.writeByte(PARTS_FORMAT);
        boolean written = false;
        for (Part p : parts) {
            if (p.host.equals(host)) {
                if (!written) StatsRecordSerializer.INSTANCE.serialize(part, buffer);
                written = true;
            } else if (p.from >= 0) {
                buffer.write(old, p.from, p.to - p.from);
            } else {
                StatsRecordSerializer.INSTANCE.serialize(p.record, buffer);
            }
        }
        if (!written) StatsRecordSerializer.INSTANCE.serialize(part, buffer);
        return buffer.getCopyOfBuffer();
    }

    @Override
    public void processElement(StatsRecord part, Context ctx, Collector<StatsRecord> out) throws Exception {
        String host = hostOf(part);
        Integer n = revision.value();
        StatsRecord fleet;
        if (n == null) {
            // the first part of this window (for most keys the only one): the fleet record is the
            // part itself, once its bytes are kept
            partBytes.update(writeParts(null, List.of(), part));
            fleet = part;
            ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
        } else {
            byte[] old = partBytes.value();
            List<Part> parts = readParts(old);
            // parts kept as records by the version before (restored from its savepoint): moved to the bytes
            if (!recordParts.isEmpty()) {
                for (Map.Entry<String, StatsRecord> e : recordParts.entries()) {
                    parts.add(new Part(e.getValue(), -1, -1));
                }
                recordParts.clear();
            }
            fleet = Measures.empty(part.dimension, part.key, part.windowStart, part.windowEnd);
            // the other hosts' parts, then this one (a re-fired part replaces the host's old one)
            for (Part p : parts) {
                if (!p.host.equals(host)) Measures.merge(fleet, p.record);
            }
            Measures.merge(fleet, part);
            partBytes.update(writeParts(old, parts, part));
        }
        fleet.revision = n == null ? 1 : n + 1;
        revision.update(fleet.revision);
        long now = ctx.timerService().currentProcessingTime();
        long at = roundUp(now + config.rollupTtlMillis);
        Long old = expiresAt.value();
        if (old == null || old != at) {
            expiresAt.update(at);
            // one timer per key: the old one is left to find a later expiry and do nothing
            ctx.timerService().registerProcessingTimeTimer(at);
        }
        out.collect(Measures.finish(fleet));
    }

    private static long roundUp(long millis) {
        return (millis / 1000 + 1) * 1000;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<StatsRecord> out) throws Exception {
        Long at = expiresAt.value();
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            // an earlier part's timer: the window's expiry has moved on since
            if (at == null || at > timestamp) return;
            ctx.timerService().deleteEventTimeTimer(END_OF_INPUT);
        } else if (at != null) {
            ctx.timerService().deleteProcessingTimeTimer(at);
        }
        partBytes.clear();
        recordParts.clear();
        revision.clear();
        expiresAt.clear();
    }
}
