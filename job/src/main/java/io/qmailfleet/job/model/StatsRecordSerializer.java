package io.qmailfleet.job.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A hand-written serializer of {@link StatsRecord}, its {@link ReasonCount}s and its
 * {@link SketchState}s, for the shuffle from the stats host windows to the fleet roll-up, the
 * stats stage's keyed state (the host windows' parts, the roll-up's parts) and the streams after
 * it. Flink's POJO serializer spent its time in reflection on some fifty fields, most of them 0.
 *
 * <p>Format: the dimension (one byte for the four known ones, which come back as the
 * {@code StatsRecord} constants), the key, the window start as 8 bytes and the end as the
 * variable-length difference, the revision and the hosts; then one bit per other field that
 * differs from its default in a fresh {@code StatsRecord} (0, -1 for the first and last times, null,
 * an empty list), then those fields in declaration order: counts as variable-length integers, sums
 * and quantiles as 8-byte doubles, the last time as the difference to the first. A sketch keeps its
 * items, weights, and its pending values up to {@code pendingCount} (the rest of the pending array
 * is unused: it comes back as zeros, at the same length). A new field of these classes must be
 * added here (the round-trip test sets every field by reflection and fails otherwise).
 *
 * <p>State written with Flink's POJO serializer of {@code StatsRecord} is migrated on restore (see
 * {@link Snapshot}).
 */
public final class StatsRecordSerializer extends TypeSerializerSingleton<StatsRecord> {
    private static final long serialVersionUID = 1L;

    public static final StatsRecordSerializer INSTANCE = new StatsRecordSerializer();

    /** Dimension codes: 0 null, 1-4 the known dimensions, 5 another string follows. */
    private static final String[] DIMENSIONS = {
            null, StatsRecord.SENDER, StatsRecord.RECIPIENT, StatsRecord.DOMAIN, StatsRecord.HOST};
    private static final int OTHER_DIMENSION = DIMENSIONS.length;

    // one bit per optional field, in declaration order
    private static final long CHANNEL = 1L, MESSAGES = 1L << 1, BYTES = 1L << 2, SUCCESS_BYTES = 1L << 3,
            RECIPIENT_BYTES = 1L << 4, RECIPIENTS = 1L << 5, ATTEMPTS = 1L << 6, XDELAY = 1L << 7, QTIME = 1L << 8,
            DDELAY = 1L << 9, ACCEPTED = 1L << 10, ACCEPTED_BYTES = 1L << 11, SUCCESSES = 1L << 12,
            DEFERRALS = 1L << 13, FAILURES = 1L << 14, INTERRUPTED = 1L << 15, BOUNCES = 1L << 16,
            DOUBLE_BOUNCES = 1L << 17, TRIPLE_BOUNCES = 1L << 18, FIRST_NANOS = 1L << 19, LAST_NANOS = 1L << 20,
            DDELAY_COUNT = 1L << 21, DDELAY_P50 = 1L << 22, DDELAY_P90 = 1L << 23, DDELAY_P99 = 1L << 24,
            DDELAY_MAX = 1L << 25, QTIME_COUNT = 1L << 26, QTIME_P50 = 1L << 27, QTIME_P90 = 1L << 28,
            QTIME_P99 = 1L << 29, QTIME_MAX = 1L << 30, DEFERRAL_REASONS = 1L << 31, FAILURE_REASONS = 1L << 32,
            OTHER_DEFERRALS = 1L << 33, OTHER_FAILURES = 1L << 34, DDELAY_SKETCH = 1L << 35, QTIME_SKETCH = 1L << 36;

    // a reason's fields that differ from a fresh ReasonCount's
    private static final int R_CATEGORY = 1, R_CODE = 1 << 1, R_ENHANCED = 1 << 2, R_COUNT = 1 << 3,
            R_XDELAY = 1 << 4, R_EXAMPLE = 1 << 5;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public StatsRecord createInstance() {
        return new StatsRecord();
    }

    @Override
    public StatsRecord copy(StatsRecord from) {
        StatsRecord c = new StatsRecord();
        c.dimension = from.dimension;
        c.key = from.key;
        c.channel = from.channel;
        c.windowStart = from.windowStart;
        c.windowEnd = from.windowEnd;
        c.hosts = from.hosts == null ? null : new ArrayList<>(from.hosts);
        c.revision = from.revision;
        c.messages = from.messages;
        c.bytes = from.bytes;
        c.successBytes = from.successBytes;
        c.recipientBytes = from.recipientBytes;
        c.recipients = from.recipients;
        c.attempts = from.attempts;
        c.xdelay = from.xdelay;
        c.qtime = from.qtime;
        c.ddelay = from.ddelay;
        c.accepted = from.accepted;
        c.acceptedBytes = from.acceptedBytes;
        c.successes = from.successes;
        c.deferrals = from.deferrals;
        c.failures = from.failures;
        c.interrupted = from.interrupted;
        c.bounces = from.bounces;
        c.doubleBounces = from.doubleBounces;
        c.tripleBounces = from.tripleBounces;
        c.firstNanos = from.firstNanos;
        c.lastNanos = from.lastNanos;
        c.ddelayCount = from.ddelayCount;
        c.ddelayP50 = from.ddelayP50;
        c.ddelayP90 = from.ddelayP90;
        c.ddelayP99 = from.ddelayP99;
        c.ddelayMax = from.ddelayMax;
        c.qtimeCount = from.qtimeCount;
        c.qtimeP50 = from.qtimeP50;
        c.qtimeP90 = from.qtimeP90;
        c.qtimeP99 = from.qtimeP99;
        c.qtimeMax = from.qtimeMax;
        c.deferralReasons = copyReasons(from.deferralReasons);
        c.failureReasons = copyReasons(from.failureReasons);
        c.otherDeferrals = from.otherDeferrals;
        c.otherFailures = from.otherFailures;
        c.ddelaySketch = copySketch(from.ddelaySketch);
        c.qtimeSketch = copySketch(from.qtimeSketch);
        return c;
    }

    private static List<ReasonCount> copyReasons(List<ReasonCount> from) {
        if (from == null) return null;
        List<ReasonCount> c = new ArrayList<>(from.size());
        for (ReasonCount r : from) c.add(r == null ? null : r.copy());
        return c;
    }

    private static SketchState copySketch(SketchState from) {
        if (from == null) return null;
        SketchState c = new SketchState();
        c.items = from.items == null ? null : from.items.clone();
        c.weights = from.weights == null ? null : from.weights.clone();
        c.pending = from.pending == null ? null : from.pending.clone();
        c.pendingCount = from.pendingCount;
        return c;
    }

    @Override
    public StatsRecord copy(StatsRecord from, StatsRecord reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    private static boolean nonZero(double d) {
        return Double.doubleToRawLongBits(d) != 0L;
    }

    @Override
    public void serialize(StatsRecord r, DataOutputView out) throws IOException {
        writeDimension(r.dimension, out);
        QmailEventSerializer.writeString(r.key, out);
        out.writeLong(r.windowStart);
        writeZigZag(r.windowEnd - r.windowStart, out);
        writeVarLong(r.revision, out);
        writeStrings(r.hosts, out);
        long bits = 0;
        if (r.channel != null) bits |= CHANNEL;
        if (r.messages != 0) bits |= MESSAGES;
        if (r.bytes != 0) bits |= BYTES;
        if (r.successBytes != 0) bits |= SUCCESS_BYTES;
        if (r.recipientBytes != 0) bits |= RECIPIENT_BYTES;
        if (r.recipients != 0) bits |= RECIPIENTS;
        if (r.attempts != 0) bits |= ATTEMPTS;
        if (nonZero(r.xdelay)) bits |= XDELAY;
        if (nonZero(r.qtime)) bits |= QTIME;
        if (nonZero(r.ddelay)) bits |= DDELAY;
        if (r.accepted != 0) bits |= ACCEPTED;
        if (r.acceptedBytes != 0) bits |= ACCEPTED_BYTES;
        if (r.successes != 0) bits |= SUCCESSES;
        if (r.deferrals != 0) bits |= DEFERRALS;
        if (r.failures != 0) bits |= FAILURES;
        if (r.interrupted != 0) bits |= INTERRUPTED;
        if (r.bounces != 0) bits |= BOUNCES;
        if (r.doubleBounces != 0) bits |= DOUBLE_BOUNCES;
        if (r.tripleBounces != 0) bits |= TRIPLE_BOUNCES;
        if (r.firstNanos != -1) bits |= FIRST_NANOS;
        if (r.lastNanos != -1) bits |= LAST_NANOS;
        if (r.ddelayCount != 0) bits |= DDELAY_COUNT;
        if (nonZero(r.ddelayP50)) bits |= DDELAY_P50;
        if (nonZero(r.ddelayP90)) bits |= DDELAY_P90;
        if (nonZero(r.ddelayP99)) bits |= DDELAY_P99;
        if (nonZero(r.ddelayMax)) bits |= DDELAY_MAX;
        if (r.qtimeCount != 0) bits |= QTIME_COUNT;
        if (nonZero(r.qtimeP50)) bits |= QTIME_P50;
        if (nonZero(r.qtimeP90)) bits |= QTIME_P90;
        if (nonZero(r.qtimeP99)) bits |= QTIME_P99;
        if (nonZero(r.qtimeMax)) bits |= QTIME_MAX;
        if (r.deferralReasons == null || !r.deferralReasons.isEmpty()) bits |= DEFERRAL_REASONS;
        if (r.failureReasons == null || !r.failureReasons.isEmpty()) bits |= FAILURE_REASONS;
        if (r.otherDeferrals != 0) bits |= OTHER_DEFERRALS;
        if (r.otherFailures != 0) bits |= OTHER_FAILURES;
        if (r.ddelaySketch != null) bits |= DDELAY_SKETCH;
        if (r.qtimeSketch != null) bits |= QTIME_SKETCH;
        writeVarLong(bits, out);
        if ((bits & CHANNEL) != 0) QmailEventSerializer.writeString(r.channel, out);
        if ((bits & MESSAGES) != 0) writeVarLong(r.messages, out);
        if ((bits & BYTES) != 0) writeVarLong(r.bytes, out);
        if ((bits & SUCCESS_BYTES) != 0) writeVarLong(r.successBytes, out);
        if ((bits & RECIPIENT_BYTES) != 0) writeVarLong(r.recipientBytes, out);
        if ((bits & RECIPIENTS) != 0) writeVarLong(r.recipients, out);
        if ((bits & ATTEMPTS) != 0) writeVarLong(r.attempts, out);
        if ((bits & XDELAY) != 0) out.writeDouble(r.xdelay);
        if ((bits & QTIME) != 0) out.writeDouble(r.qtime);
        if ((bits & DDELAY) != 0) out.writeDouble(r.ddelay);
        if ((bits & ACCEPTED) != 0) writeVarLong(r.accepted, out);
        if ((bits & ACCEPTED_BYTES) != 0) writeVarLong(r.acceptedBytes, out);
        if ((bits & SUCCESSES) != 0) writeVarLong(r.successes, out);
        if ((bits & DEFERRALS) != 0) writeVarLong(r.deferrals, out);
        if ((bits & FAILURES) != 0) writeVarLong(r.failures, out);
        if ((bits & INTERRUPTED) != 0) writeVarLong(r.interrupted, out);
        if ((bits & BOUNCES) != 0) writeVarLong(r.bounces, out);
        if ((bits & DOUBLE_BOUNCES) != 0) writeVarLong(r.doubleBounces, out);
        if ((bits & TRIPLE_BOUNCES) != 0) writeVarLong(r.tripleBounces, out);
        if ((bits & FIRST_NANOS) != 0) out.writeLong(r.firstNanos);
        // the last time near the first: the difference (wrapping, so any value comes back)
        if ((bits & LAST_NANOS) != 0) writeZigZag(r.lastNanos - r.firstNanos, out);
        if ((bits & DDELAY_COUNT) != 0) writeVarLong(r.ddelayCount, out);
        if ((bits & DDELAY_P50) != 0) out.writeDouble(r.ddelayP50);
        if ((bits & DDELAY_P90) != 0) out.writeDouble(r.ddelayP90);
        if ((bits & DDELAY_P99) != 0) out.writeDouble(r.ddelayP99);
        if ((bits & DDELAY_MAX) != 0) out.writeDouble(r.ddelayMax);
        if ((bits & QTIME_COUNT) != 0) writeVarLong(r.qtimeCount, out);
        if ((bits & QTIME_P50) != 0) out.writeDouble(r.qtimeP50);
        if ((bits & QTIME_P90) != 0) out.writeDouble(r.qtimeP90);
        if ((bits & QTIME_P99) != 0) out.writeDouble(r.qtimeP99);
        if ((bits & QTIME_MAX) != 0) out.writeDouble(r.qtimeMax);
        if ((bits & DEFERRAL_REASONS) != 0) writeReasons(r.deferralReasons, out);
        if ((bits & FAILURE_REASONS) != 0) writeReasons(r.failureReasons, out);
        if ((bits & OTHER_DEFERRALS) != 0) writeVarLong(r.otherDeferrals, out);
        if ((bits & OTHER_FAILURES) != 0) writeVarLong(r.otherFailures, out);
        if ((bits & DDELAY_SKETCH) != 0) writeSketch(r.ddelaySketch, out);
        if ((bits & QTIME_SKETCH) != 0) writeSketch(r.qtimeSketch, out);
    }

    @Override
    public StatsRecord deserialize(DataInputView in) throws IOException {
        StatsRecord r = new StatsRecord();
        r.dimension = readDimension(in);
        r.key = QmailEventSerializer.readString(in);
        r.windowStart = in.readLong();
        r.windowEnd = r.windowStart + readZigZag(in);
        r.revision = (int) readVarLong(in);
        r.hosts = readStrings(in);
        long bits = readVarLong(in);
        if ((bits & CHANNEL) != 0) r.channel = QmailEventSerializer.readString(in);
        if ((bits & MESSAGES) != 0) r.messages = readVarLong(in);
        if ((bits & BYTES) != 0) r.bytes = readVarLong(in);
        if ((bits & SUCCESS_BYTES) != 0) r.successBytes = readVarLong(in);
        if ((bits & RECIPIENT_BYTES) != 0) r.recipientBytes = readVarLong(in);
        if ((bits & RECIPIENTS) != 0) r.recipients = readVarLong(in);
        if ((bits & ATTEMPTS) != 0) r.attempts = readVarLong(in);
        if ((bits & XDELAY) != 0) r.xdelay = in.readDouble();
        if ((bits & QTIME) != 0) r.qtime = in.readDouble();
        if ((bits & DDELAY) != 0) r.ddelay = in.readDouble();
        if ((bits & ACCEPTED) != 0) r.accepted = readVarLong(in);
        if ((bits & ACCEPTED_BYTES) != 0) r.acceptedBytes = readVarLong(in);
        if ((bits & SUCCESSES) != 0) r.successes = readVarLong(in);
        if ((bits & DEFERRALS) != 0) r.deferrals = readVarLong(in);
        if ((bits & FAILURES) != 0) r.failures = readVarLong(in);
        if ((bits & INTERRUPTED) != 0) r.interrupted = readVarLong(in);
        if ((bits & BOUNCES) != 0) r.bounces = readVarLong(in);
        if ((bits & DOUBLE_BOUNCES) != 0) r.doubleBounces = readVarLong(in);
        if ((bits & TRIPLE_BOUNCES) != 0) r.tripleBounces = readVarLong(in);
        if ((bits & FIRST_NANOS) != 0) r.firstNanos = in.readLong();
        if ((bits & LAST_NANOS) != 0) r.lastNanos = r.firstNanos + readZigZag(in);
        if ((bits & DDELAY_COUNT) != 0) r.ddelayCount = readVarLong(in);
        if ((bits & DDELAY_P50) != 0) r.ddelayP50 = in.readDouble();
        if ((bits & DDELAY_P90) != 0) r.ddelayP90 = in.readDouble();
        if ((bits & DDELAY_P99) != 0) r.ddelayP99 = in.readDouble();
        if ((bits & DDELAY_MAX) != 0) r.ddelayMax = in.readDouble();
        if ((bits & QTIME_COUNT) != 0) r.qtimeCount = readVarLong(in);
        if ((bits & QTIME_P50) != 0) r.qtimeP50 = in.readDouble();
        if ((bits & QTIME_P90) != 0) r.qtimeP90 = in.readDouble();
        if ((bits & QTIME_P99) != 0) r.qtimeP99 = in.readDouble();
        if ((bits & QTIME_MAX) != 0) r.qtimeMax = in.readDouble();
        if ((bits & DEFERRAL_REASONS) != 0) r.deferralReasons = readReasons(in);
        if ((bits & FAILURE_REASONS) != 0) r.failureReasons = readReasons(in);
        if ((bits & OTHER_DEFERRALS) != 0) r.otherDeferrals = readVarLong(in);
        if ((bits & OTHER_FAILURES) != 0) r.otherFailures = readVarLong(in);
        if ((bits & DDELAY_SKETCH) != 0) r.ddelaySketch = readSketch(in);
        if ((bits & QTIME_SKETCH) != 0) r.qtimeSketch = readSketch(in);
        return r;
    }

    private static void writeDimension(String d, DataOutputView out) throws IOException {
        for (int i = 1; i < DIMENSIONS.length; i++) {
            if (DIMENSIONS[i].equals(d)) {
                out.writeByte(i);
                return;
            }
        }
        if (d == null) {
            out.writeByte(0);
        } else {
            out.writeByte(OTHER_DIMENSION);
            QmailEventSerializer.writeString(d, out);
        }
    }

    private static String readDimension(DataInputView in) throws IOException {
        int d = in.readUnsignedByte();
        return d == OTHER_DIMENSION ? QmailEventSerializer.readString(in) : DIMENSIONS[d];
    }

    /** A list of strings: its size + 1 (0 for null), then the strings. */
    private static void writeStrings(List<String> list, DataOutputView out) throws IOException {
        if (list == null) {
            writeVarLong(0, out);
            return;
        }
        writeVarLong(list.size() + 1L, out);
        for (String s : list) QmailEventSerializer.writeString(s, out);
    }

    private static List<String> readStrings(DataInputView in) throws IOException {
        int n = (int) readVarLong(in);
        if (n == 0) return null;
        List<String> list = new ArrayList<>(Math.max(n - 1, 1));
        for (int i = 1; i < n; i++) list.add(QmailEventSerializer.readString(in));
        return list;
    }

    /** A list of reasons: its size + 1 (0 for null), then each reason: its bits (0xFF for null), its fields. */
    private static void writeReasons(List<ReasonCount> list, DataOutputView out) throws IOException {
        if (list == null) {
            writeVarLong(0, out);
            return;
        }
        writeVarLong(list.size() + 1L, out);
        for (ReasonCount c : list) {
            if (c == null) {
                out.writeByte(0xFF);
                continue;
            }
            int bits = 0;
            if (c.category != null) bits |= R_CATEGORY;
            if (!"".equals(c.code)) bits |= R_CODE;
            if (!"".equals(c.enhanced)) bits |= R_ENHANCED;
            if (c.count != 0) bits |= R_COUNT;
            if (nonZero(c.xdelay)) bits |= R_XDELAY;
            if (c.example != null) bits |= R_EXAMPLE;
            out.writeByte(bits);
            if ((bits & R_CATEGORY) != 0) QmailEventSerializer.writeString(c.category, out);
            if ((bits & R_CODE) != 0) QmailEventSerializer.writeString(c.code, out);
            if ((bits & R_ENHANCED) != 0) QmailEventSerializer.writeString(c.enhanced, out);
            if ((bits & R_COUNT) != 0) writeVarLong(c.count, out);
            if ((bits & R_XDELAY) != 0) out.writeDouble(c.xdelay);
            if ((bits & R_EXAMPLE) != 0) QmailEventSerializer.writeString(c.example, out);
        }
    }

    private static List<ReasonCount> readReasons(DataInputView in) throws IOException {
        int n = (int) readVarLong(in);
        if (n == 0) return null;
        List<ReasonCount> list = new ArrayList<>(Math.max(n - 1, 1));
        for (int i = 1; i < n; i++) {
            int bits = in.readUnsignedByte();
            if (bits == 0xFF) {
                list.add(null);
                continue;
            }
            ReasonCount c = new ReasonCount();
            if ((bits & R_CATEGORY) != 0) c.category = QmailEventSerializer.readString(in);
            if ((bits & R_CODE) != 0) c.code = QmailEventSerializer.readString(in);
            if ((bits & R_ENHANCED) != 0) c.enhanced = QmailEventSerializer.readString(in);
            if ((bits & R_COUNT) != 0) c.count = readVarLong(in);
            if ((bits & R_XDELAY) != 0) c.xdelay = in.readDouble();
            if ((bits & R_EXAMPLE) != 0) c.example = QmailEventSerializer.readString(in);
            list.add(c);
        }
        return list;
    }

    /**
     * A sketch: its items (length + 1, 0 for null, then the doubles), its weights (the same, as
     * variable-length integers), the pending count and the pending array's length + 1 (0 for
     * null), then its first {@code pendingCount} values (the rest of the array is unused).
     */
    private static void writeSketch(SketchState s, DataOutputView out) throws IOException {
        if (s.items == null) {
            writeVarLong(0, out);
        } else {
            writeVarLong(s.items.length + 1L, out);
            for (double d : s.items) out.writeDouble(d);
        }
        if (s.weights == null) {
            writeVarLong(0, out);
        } else {
            writeVarLong(s.weights.length + 1L, out);
            for (long w : s.weights) writeVarLong(w, out);
        }
        writeVarLong(s.pendingCount, out);
        if (s.pending == null) {
            writeVarLong(0, out);
        } else {
            writeVarLong(s.pending.length + 1L, out);
            int n = Math.min(Math.max(s.pendingCount, 0), s.pending.length);
            for (int i = 0; i < n; i++) out.writeDouble(s.pending[i]);
        }
    }

    private static SketchState readSketch(DataInputView in) throws IOException {
        SketchState s = new SketchState();
        int n = (int) readVarLong(in);
        if (n > 0) {
            s.items = new double[n - 1];
            for (int i = 0; i < n - 1; i++) s.items[i] = in.readDouble();
        }
        n = (int) readVarLong(in);
        if (n > 0) {
            s.weights = new long[n - 1];
            for (int i = 0; i < n - 1; i++) s.weights[i] = readVarLong(in);
        }
        s.pendingCount = (int) readVarLong(in);
        n = (int) readVarLong(in);
        if (n > 0) {
            s.pending = new double[n - 1];
            int k = Math.min(Math.max(s.pendingCount, 0), n - 1);
            for (int i = 0; i < k; i++) s.pending[i] = in.readDouble();
        }
        return s;
    }

    /** An unsigned variable-length integer, 7 bits a byte (a negative value takes 10 bytes). */
    static void writeVarLong(long v, DataOutputView out) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    static long readVarLong(DataInputView in) throws IOException {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
    }

    /** A signed variable-length integer: small negative values stay short. */
    static void writeZigZag(long v, DataOutputView out) throws IOException {
        writeVarLong((v << 1) ^ (v >> 63), out);
    }

    static long readZigZag(DataInputView in) throws IOException {
        long z = readVarLong(in);
        return (z >>> 1) ^ -(z & 1);
    }

    @Override
    public StatsRecord deserialize(StatsRecord reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<StatsRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * The snapshot of the serializer (it has no configuration). State written with Flink's POJO
     * serializer of {@code StatsRecord} (the stats stage's keyed state before this serializer) is
     * migrated on restore: read with the POJO serializer, written again with this one.
     */
    public static final class Snapshot extends CompactSerializerSnapshot<StatsRecord> {
        public Snapshot() {
            super(() -> INSTANCE, StatsRecord.class);
        }
    }
}
