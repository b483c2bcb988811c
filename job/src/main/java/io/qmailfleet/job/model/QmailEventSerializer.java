package io.qmailfleet.job.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * A hand-written serializer of {@link QmailEvent} for the channels between tasks (the shuffles to
 * the host sequencer, and before, to the lifecycle builder), where Flink's POJO serializer spent most of its
 * time in reflection (field access, constructors) on some 35 fields of which a line sets a handful.
 *
 * <p>Format: the host and the time stamp, the type, then one bit per other field that differs from
 * its default in a fresh {@code QmailEvent} (-1, null, false), then those fields in declaration
 * order; the booleans are their bit. A new field of {@code QmailEvent} must be added here (the
 * round-trip test sets every field by reflection and fails otherwise).
 *
 * <p>Records in flight use it, and the host sequencer's reorder buffer ({@code fifo}, every line
 * within the reorder bound, written and read once per line); a savepoint whose buffer was written
 * with the POJO serializer is migrated on restore (see {@link Snapshot}).
 *
 * <p>A line's host and file repeat from one line to the next: a thread reading lines returns the
 * same string objects for them while their bytes stay the same ({@link #readRepeated}), instead
 * of two new strings and two arrays per line.
 */
public final class QmailEventSerializer extends TypeSerializerSingleton<QmailEvent> {
    private static final long serialVersionUID = 1L;

    public static final QmailEventSerializer INSTANCE = new QmailEventSerializer();

    private static final EventType[] TYPES = EventType.values();
    private static final LogFormat[] FORMATS = LogFormat.values();
    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final LinkKind[] LINK_KINDS = LinkKind.values();

    // one bit per optional field, in declaration order
    private static final long FORMAT = 1L, ORIGIN = 1L << 1, POSITION = 1L << 2, SEQ = 1L << 3, MSG_ID = 1L << 4,
            DELIVERY_ID = 1L << 5, CHANNEL = 1L << 6, ADDRESS = 1L << 7, TEXT = 1L << 8, BYTES = 1L << 9, QP = 1L << 10,
            UID = 1L << 11, OUTCOME = 1L << 12, MANGLED = 1L << 13, LOCAL_USED = 1L << 14, LOCAL_MAX = 1L << 15,
            REMOTE_USED = 1L << 16, REMOTE_MAX = 1L << 17, EXITASAP = 1L << 18, PID = 1L << 19, COUNT = 1L << 20,
            LIMIT = 1L << 21, PROGRAM = 1L << 22, RAW = 1L << 23, RUN = 1L << 24, START_NANOS = 1L << 25,
            LINK_KIND = 1L << 26, LINK_MSG_ID = 1L << 27, LINK_BIRTH_NANOS = 1L << 28, LINK_RECIPIENT = 1L << 29,
            MAILBOX = 1L << 30, QUEUE = 1L << 31;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public QmailEvent createInstance() {
        return new QmailEvent();
    }

    @Override
    public QmailEvent copy(QmailEvent from) {
        return from.copy();
    }

    @Override
    public QmailEvent copy(QmailEvent from, QmailEvent reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(QmailEvent e, DataOutputView out) throws IOException {
        writeString(e.host, out);
        out.writeLong(e.tsNanos);
        out.writeByte(e.type == null ? 0 : e.type.ordinal() + 1);
        long bits = 0;
        if (e.format != null) bits |= FORMAT;
        if (e.origin != null) bits |= ORIGIN;
        if (e.position != -1) bits |= POSITION;
        if (e.seq != -1) bits |= SEQ;
        if (e.msgId != -1) bits |= MSG_ID;
        if (e.deliveryId != -1) bits |= DELIVERY_ID;
        if (e.channel != null) bits |= CHANNEL;
        if (e.address != null) bits |= ADDRESS;
        if (e.mailbox != null) bits |= MAILBOX;
        if (e.queue != null) bits |= QUEUE;
        if (e.text != null) bits |= TEXT;
        if (e.bytes != -1) bits |= BYTES;
        if (e.qp != -1) bits |= QP;
        if (e.uid != -1) bits |= UID;
        if (e.outcome != null) bits |= OUTCOME;
        if (e.mangled) bits |= MANGLED;
        if (e.localUsed != -1) bits |= LOCAL_USED;
        if (e.localMax != -1) bits |= LOCAL_MAX;
        if (e.remoteUsed != -1) bits |= REMOTE_USED;
        if (e.remoteMax != -1) bits |= REMOTE_MAX;
        if (e.exitasap) bits |= EXITASAP;
        if (e.pid != -1) bits |= PID;
        if (e.count != -1) bits |= COUNT;
        if (e.limit != -1) bits |= LIMIT;
        if (e.program != null) bits |= PROGRAM;
        if (e.raw != null) bits |= RAW;
        if (e.run != -1) bits |= RUN;
        if (e.startNanos != -1) bits |= START_NANOS;
        if (e.linkKind != null) bits |= LINK_KIND;
        if (e.linkMsgId != -1) bits |= LINK_MSG_ID;
        if (e.linkBirthNanos != -1) bits |= LINK_BIRTH_NANOS;
        if (e.linkRecipient != null) bits |= LINK_RECIPIENT;
        out.writeLong(bits);
        if ((bits & FORMAT) != 0) out.writeByte(e.format.ordinal());
        if ((bits & ORIGIN) != 0) writeString(e.origin, out);
        if ((bits & POSITION) != 0) out.writeLong(e.position);
        if ((bits & SEQ) != 0) out.writeLong(e.seq);
        if ((bits & MSG_ID) != 0) out.writeLong(e.msgId);
        if ((bits & DELIVERY_ID) != 0) out.writeLong(e.deliveryId);
        if ((bits & CHANNEL) != 0) writeString(e.channel, out);
        if ((bits & ADDRESS) != 0) writeString(e.address, out);
        if ((bits & MAILBOX) != 0) writeString(e.mailbox, out);
        if ((bits & QUEUE) != 0) writeString(e.queue, out);
        if ((bits & TEXT) != 0) writeString(e.text, out);
        if ((bits & BYTES) != 0) out.writeLong(e.bytes);
        if ((bits & QP) != 0) out.writeLong(e.qp);
        if ((bits & UID) != 0) out.writeLong(e.uid);
        if ((bits & OUTCOME) != 0) out.writeByte(e.outcome.ordinal());
        if ((bits & LOCAL_USED) != 0) out.writeInt(e.localUsed);
        if ((bits & LOCAL_MAX) != 0) out.writeInt(e.localMax);
        if ((bits & REMOTE_USED) != 0) out.writeInt(e.remoteUsed);
        if ((bits & REMOTE_MAX) != 0) out.writeInt(e.remoteMax);
        if ((bits & PID) != 0) out.writeLong(e.pid);
        if ((bits & COUNT) != 0) out.writeLong(e.count);
        if ((bits & LIMIT) != 0) out.writeLong(e.limit);
        if ((bits & PROGRAM) != 0) writeString(e.program, out);
        if ((bits & RAW) != 0) writeString(e.raw, out);
        if ((bits & RUN) != 0) out.writeInt(e.run);
        if ((bits & START_NANOS) != 0) out.writeLong(e.startNanos);
        if ((bits & LINK_KIND) != 0) out.writeByte(e.linkKind.ordinal());
        if ((bits & LINK_MSG_ID) != 0) out.writeLong(e.linkMsgId);
        if ((bits & LINK_BIRTH_NANOS) != 0) out.writeLong(e.linkBirthNanos);
        if ((bits & LINK_RECIPIENT) != 0) writeString(e.linkRecipient, out);
    }

    @Override
    public QmailEvent deserialize(DataInputView in) throws IOException {
        QmailEvent e = new QmailEvent();
        Strings st = Strings.get();
        e.host = readRepeated(in, st, HOST_FIELD);
        e.tsNanos = in.readLong();
        int type = in.readUnsignedByte();
        e.type = type == 0 ? null : TYPES[type - 1];
        long bits = in.readLong();
        if ((bits & FORMAT) != 0) e.format = FORMATS[in.readUnsignedByte()];
        if ((bits & ORIGIN) != 0) e.origin = readRepeated(in, st, ORIGIN_FIELD);
        if ((bits & POSITION) != 0) e.position = in.readLong();
        if ((bits & SEQ) != 0) e.seq = in.readLong();
        if ((bits & MSG_ID) != 0) e.msgId = in.readLong();
        if ((bits & DELIVERY_ID) != 0) e.deliveryId = in.readLong();
        if ((bits & CHANNEL) != 0) e.channel = readString(in);
        if ((bits & ADDRESS) != 0) e.address = readString(in);
        if ((bits & MAILBOX) != 0) e.mailbox = readString(in);
        if ((bits & QUEUE) != 0) e.queue = readString(in);
        if ((bits & TEXT) != 0) e.text = readString(in);
        if ((bits & BYTES) != 0) e.bytes = in.readLong();
        if ((bits & QP) != 0) e.qp = in.readLong();
        if ((bits & UID) != 0) e.uid = in.readLong();
        if ((bits & OUTCOME) != 0) e.outcome = OUTCOMES[in.readUnsignedByte()];
        e.mangled = (bits & MANGLED) != 0;
        if ((bits & LOCAL_USED) != 0) e.localUsed = in.readInt();
        if ((bits & LOCAL_MAX) != 0) e.localMax = in.readInt();
        if ((bits & REMOTE_USED) != 0) e.remoteUsed = in.readInt();
        if ((bits & REMOTE_MAX) != 0) e.remoteMax = in.readInt();
        e.exitasap = (bits & EXITASAP) != 0;
        if ((bits & PID) != 0) e.pid = in.readLong();
        if ((bits & COUNT) != 0) e.count = in.readLong();
        if ((bits & LIMIT) != 0) e.limit = in.readLong();
        if ((bits & PROGRAM) != 0) e.program = readString(in);
        if ((bits & RAW) != 0) e.raw = readString(in);
        if ((bits & RUN) != 0) e.run = in.readInt();
        if ((bits & START_NANOS) != 0) e.startNanos = in.readLong();
        if ((bits & LINK_KIND) != 0) e.linkKind = LINK_KINDS[in.readUnsignedByte()];
        if ((bits & LINK_MSG_ID) != 0) e.linkMsgId = in.readLong();
        if ((bits & LINK_BIRTH_NANOS) != 0) e.linkBirthNanos = in.readLong();
        if ((bits & LINK_RECIPIENT) != 0) e.linkRecipient = readString(in);
        return e;
    }

    /**
     * A string as its UTF-8 bytes, written and read in one piece (Flink's string format goes char
     * by char): a tag (0 null, 1 Flink's format follows, else byte length + 2), then the bytes.
     * A string with an unpaired surrogate, which UTF-8 cannot carry, goes in Flink's format.
     */
    static void writeString(String s, DataOutputView out) throws IOException {
        if (s == null) {
            writeVarInt(0, out);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        // an unpaired surrogate becomes one '?' byte: only a string with a '?' or a non-ASCII
        // character can have one
        if ((b.length != s.length() || hasQuestionMark(b)) && hasLoneSurrogate(s)) {
            writeVarInt(1, out);
            StringValue.writeString(s, out);
            return;
        }
        writeVarInt(b.length + 2, out);
        out.write(b);
    }

    static String readString(DataInputView in) throws IOException {
        int tag = readVarInt(in);
        if (tag == 0) return null;
        if (tag == 1) return StringValue.readString(in);
        byte[] b = new byte[tag - 2];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * {@link #readString}, for a field whose value repeats from one record to the next (a line's
     * host, its file): when the bytes are those of the last string this thread read for the same
     * {@code field} ({@code st} is the thread's), that string itself is returned, not a new one.
     */
    private static String readRepeated(DataInputView in, Strings st, int field) throws IOException {
        int tag = readVarInt(in);
        if (tag == 0) return null;
        if (tag == 1) return StringValue.readString(in);
        int n = tag - 2;
        byte[] b = st.room(n);
        in.readFully(b, 0, n);
        return st.repeated(field, b, n);
    }

    /** The fields {@link #readRepeated} keeps the last string of. */
    static final int HOST_FIELD = 0, ORIGIN_FIELD = 1;

    /**
     * A thread's buffer for the bytes of a repeated field, and the last string it read of each
     * repeated field with its bytes ({@link #readRepeated}). Fetched once per event read. The
     * threads that read records and state are a task's own, which end with it.
     */
    private static final class Strings {
        private static final ThreadLocal<Strings> OF_THREAD = ThreadLocal.withInitial(Strings::new);

        private byte[] bytes = new byte[128];
        private final String[] last = new String[2];
        private final byte[][] lastBytes = {new byte[0], new byte[0]};
        private final int[] lastLength = new int[2];

        static Strings get() {
            return OF_THREAD.get();
        }

        /** The buffer, with room for {@code n} bytes. */
        byte[] room(int n) {
            if (bytes.length < n) bytes = new byte[Math.max(n, 2 * bytes.length)];
            return bytes;
        }

        /** The string of UTF-8 {@code b[0, n)}: the last one of {@code field} if its bytes are the same. */
        String repeated(int field, byte[] b, int n) {
            String s = last[field];
            if (s != null && lastLength[field] == n && Arrays.equals(b, 0, n, lastBytes[field], 0, n)) return s;
            s = new String(b, 0, n, StandardCharsets.UTF_8);
            if (lastBytes[field].length < n) lastBytes[field] = new byte[Math.max(n, 64)];
            System.arraycopy(b, 0, lastBytes[field], 0, n);
            lastLength[field] = n;
            last[field] = s;
            return s;
        }
    }

    private static boolean hasQuestionMark(byte[] b) {
        for (byte x : b) {
            if (x == '?') return true;
        }
        return false;
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
                else return true;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static void writeVarInt(int v, DataOutputView out) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    private static int readVarInt(DataInputView in) throws IOException {
        int v = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
    }

    @Override
    public QmailEvent deserialize(QmailEvent reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<QmailEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * The snapshot of the serializer (it has no configuration). State written with Flink's POJO
     * serializer of {@code QmailEvent} (before the host sequencer's reorder buffer used this one)
     * is migrated on restore: read with the POJO serializer, written again with this one.
     */
    public static final class Snapshot extends CompactSerializerSnapshot<QmailEvent> {
        public Snapshot() {
            super(() -> INSTANCE, QmailEvent.class);
        }
    }
}
