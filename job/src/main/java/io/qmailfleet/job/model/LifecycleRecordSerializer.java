package io.qmailfleet.job.model;

import static io.qmailfleet.job.model.QmailEventSerializer.readString;
import static io.qmailfleet.job.model.QmailEventSerializer.writeString;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A hand-written serializer of {@link LifecycleRecord} and everything in it ({@link Recipient},
 * {@link Attempt}, {@link MessageRef}, {@link RelayRef}), used wherever Flink serializes or copies
 * a life cycle: the host sequencer's open records ({@code lifecycles} state; {@code lifecycle} in the operator of its own before), the channels to the
 * sinks and to the relay trace, the relay linker's and relay updates' state. Flink's POJO
 * serializer spent its time there in reflection over the nested lists. {@link LifecycleRecord}
 * names it through {@code @TypeInfo}, so every {@code TypeInformation.of(LifecycleRecord.class)} and
 * every POJO field of that type uses it.
 *
 * <p>Format, per object: one bit per field that differs from its default in a fresh object (-1,
 * null, false, 0, an empty list), then those fields in declaration order; the booleans are their
 * bit. Integers are zig-zag varints. Times (epoch nanos) are written as the zig-zag varint of their
 * difference to the time written before them in the same record (the first against 0), so the times
 * of one life cycle take a few bytes each. The strings {@code channel}, {@code finalOutcome} and
 * {@code senderKind} take one byte when they are one of their usual values (and come back as the
 * same shared string); a recipient's {@code mailbox} equal to its address takes no byte. Other
 * strings are UTF-8 in one piece ({@link QmailEventSerializer#writeString}). A new field of any of
 * these classes must be added here (the round-trip test sets every field by reflection and fails
 * otherwise).
 *
 * <p>A savepoint whose state was written with the POJO serializer is migrated on restore (see
 * {@link Snapshot}).
 */
public final class LifecycleRecordSerializer extends TypeSerializerSingleton<LifecycleRecord> {
    private static final long serialVersionUID = 1L;

    public static final LifecycleRecordSerializer INSTANCE = new LifecycleRecordSerializer();

    private static final LifecycleStatus[] STATUSES = LifecycleStatus.values();
    private static final Outcome[] OUTCOMES = Outcome.values();

    static final String[] SENDER_KINDS = {"normal", "null", "double-bounce"};
    static final String[] CHANNELS = {"local", "remote"};
    static final String[] FINAL_OUTCOMES = {"success", "failure", "deferral", "interrupted", "running"};

    // LifecycleRecord: one bit per optional field, in declaration order
    private static final int MSG_ID = 1, RUN = 1 << 1, STATUS = 1 << 2, PARTIAL = 1 << 3, NEW = 1 << 4, INFO = 1 << 5,
            END = 1 << 6, BYTES = 1 << 7, SENDER = 1 << 8, SENDER_KIND = 1 << 9, QP = 1 << 10, UID = 1 << 11,
            RECIPIENTS = 1 << 12, RECIPIENTS_NULL = 1 << 13, SUCCESSES = 1 << 14, DEFERRALS = 1 << 15,
            FAILURES = 1 << 16, INTERRUPTED = 1 << 17, BOUNCE_QP = 1 << 18, TRIPLE = 1 << 19, BOUNCE_OF = 1 << 20,
            FORWARD_OF = 1 << 21, AS_OF = 1 << 22, WAS_STUCK = 1 << 23, RELAYED_FROM = 1 << 24,
            RELAY_UPDATE = 1 << 25, HOST = 1 << 26;

    // Recipient
    private static final int R_ADDRESS = 1, R_MAILBOX = 1 << 1, R_MAILBOX_IS_ADDRESS = 1 << 2, R_DOMAIN = 1 << 3,
            R_CHANNEL = 1 << 4, R_ATTEMPTS = 1 << 5, R_ATTEMPTS_NULL = 1 << 6, R_FINAL = 1 << 7, R_FORWARD_QP = 1 << 8;

    // Attempt
    private static final int A_DELIVERY_ID = 1, A_RUN = 1 << 1, A_START = 1 << 2, A_END = 1 << 3, A_OUTCOME = 1 << 4,
            A_REPORT = 1 << 5, A_MANGLED = 1 << 6, A_HUNG = 1 << 7, A_RELAYED_TO = 1 << 8;

    // MessageRef
    private static final int M_MSG_ID = 1, M_BIRTH = 1 << 1, M_QP = 1 << 2, M_RECIPIENT = 1 << 3;

    // RelayRef
    private static final int X_HOST = 1, X_MSG_ID = 1 << 1, X_BIRTH = 1 << 2, X_QP = 1 << 3, X_DELIVERY_ID = 1 << 4,
            X_DELIVERY_RUN = 1 << 5, X_RECIPIENT = 1 << 6;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public LifecycleRecord createInstance() {
        return new LifecycleRecord();
    }

    @Override
    public int getLength() {
        return -1;
    }

    // ------------------------------------------------------------------ serialize

    /** The time written last in the record being written or read: times are written as differences to it. */
    private static final class Clock {
        long last;

        void write(long t, DataOutputView out) throws IOException {
            writeVarLong(t - last, out);
            last = t;
        }

        long read(DataInputView in) throws IOException {
            last += readVarLong(in);
            return last;
        }
    }

    @Override
    public void serialize(LifecycleRecord r, DataOutputView out) throws IOException {
        int bits = 0;
        if (r.host != null) bits |= HOST;
        if (r.msgId != -1) bits |= MSG_ID;
        if (r.run != -1) bits |= RUN;
        if (r.status != null) bits |= STATUS;
        if (r.partial) bits |= PARTIAL;
        if (r.newNanos != -1) bits |= NEW;
        if (r.infoNanos != -1) bits |= INFO;
        if (r.endNanos != -1) bits |= END;
        if (r.bytes != -1) bits |= BYTES;
        if (r.sender != null) bits |= SENDER;
        if (r.senderKind != null) bits |= SENDER_KIND;
        if (r.qp != -1) bits |= QP;
        if (r.uid != -1) bits |= UID;
        if (r.recipients == null) bits |= RECIPIENTS_NULL;
        else if (!r.recipients.isEmpty()) bits |= RECIPIENTS;
        if (r.successes != 0) bits |= SUCCESSES;
        if (r.deferrals != 0) bits |= DEFERRALS;
        if (r.failures != 0) bits |= FAILURES;
        if (r.interrupted != 0) bits |= INTERRUPTED;
        if (r.bounceQp != -1) bits |= BOUNCE_QP;
        if (r.tripleBounceDiscarded) bits |= TRIPLE;
        if (r.bounceOf != null) bits |= BOUNCE_OF;
        if (r.forwardOf != null) bits |= FORWARD_OF;
        if (r.asOfNanos != -1) bits |= AS_OF;
        if (r.wasStuck) bits |= WAS_STUCK;
        if (r.relayedFrom != null) bits |= RELAYED_FROM;
        if (r.relayUpdate) bits |= RELAY_UPDATE;
        writeVarInt(bits, out);
        Clock clock = new Clock();
        if ((bits & HOST) != 0) writeString(r.host, out);
        if ((bits & MSG_ID) != 0) writeVarLong(r.msgId, out);
        if ((bits & RUN) != 0) writeVarLong(r.run, out);
        if ((bits & STATUS) != 0) out.writeByte(r.status.ordinal());
        if ((bits & NEW) != 0) clock.write(r.newNanos, out);
        if ((bits & INFO) != 0) clock.write(r.infoNanos, out);
        if ((bits & END) != 0) clock.write(r.endNanos, out);
        if ((bits & BYTES) != 0) writeVarLong(r.bytes, out);
        if ((bits & SENDER) != 0) writeString(r.sender, out);
        if ((bits & SENDER_KIND) != 0) writeKnown(r.senderKind, SENDER_KINDS, out);
        if ((bits & QP) != 0) writeVarLong(r.qp, out);
        if ((bits & UID) != 0) writeVarLong(r.uid, out);
        if ((bits & RECIPIENTS) != 0) {
            writeVarInt(r.recipients.size(), out);
            for (Recipient rc : r.recipients) writeRecipient(rc, clock, out);
        }
        if ((bits & SUCCESSES) != 0) writeVarLong(r.successes, out);
        if ((bits & DEFERRALS) != 0) writeVarLong(r.deferrals, out);
        if ((bits & FAILURES) != 0) writeVarLong(r.failures, out);
        if ((bits & INTERRUPTED) != 0) writeVarLong(r.interrupted, out);
        if ((bits & BOUNCE_QP) != 0) writeVarLong(r.bounceQp, out);
        if ((bits & BOUNCE_OF) != 0) writeMessageRef(r.bounceOf, clock, out);
        if ((bits & FORWARD_OF) != 0) writeMessageRef(r.forwardOf, clock, out);
        if ((bits & AS_OF) != 0) clock.write(r.asOfNanos, out);
        if ((bits & RELAYED_FROM) != 0) writeRelayRef(r.relayedFrom, clock, out);
    }

    private static void writeRecipient(Recipient rc, Clock clock, DataOutputView out) throws IOException {
        if (rc == null) {
            // a null element of the list: a bit pattern no recipient has (mailbox equal to a null address)
            writeVarInt(R_MAILBOX_IS_ADDRESS, out);
            return;
        }
        int bits = 0;
        if (rc.address != null) bits |= R_ADDRESS;
        if (rc.mailbox != null) bits |= rc.address != null && rc.mailbox.equals(rc.address) ? R_MAILBOX_IS_ADDRESS : R_MAILBOX;
        if (rc.domain != null) bits |= R_DOMAIN;
        if (rc.channel != null) bits |= R_CHANNEL;
        if (rc.attempts == null) bits |= R_ATTEMPTS_NULL;
        else if (!rc.attempts.isEmpty()) bits |= R_ATTEMPTS;
        if (rc.finalOutcome != null) bits |= R_FINAL;
        if (rc.forwardQp != -1) bits |= R_FORWARD_QP;
        writeVarInt(bits, out);
        if ((bits & R_ADDRESS) != 0) writeString(rc.address, out);
        if ((bits & R_MAILBOX) != 0) writeString(rc.mailbox, out);
        if ((bits & R_DOMAIN) != 0) writeString(rc.domain, out);
        if ((bits & R_CHANNEL) != 0) writeKnown(rc.channel, CHANNELS, out);
        if ((bits & R_ATTEMPTS) != 0) {
            writeVarInt(rc.attempts.size(), out);
            for (Attempt a : rc.attempts) writeAttempt(a, clock, out);
        }
        if ((bits & R_FINAL) != 0) writeKnown(rc.finalOutcome, FINAL_OUTCOMES, out);
        if ((bits & R_FORWARD_QP) != 0) writeVarLong(rc.forwardQp, out);
    }

    /** A null element of a recipient's attempt list: a bit that no attempt has alone. */
    private static final int A_NULL = 1 << 9;

    private static void writeAttempt(Attempt a, Clock clock, DataOutputView out) throws IOException {
        if (a == null) {
            writeVarInt(A_NULL, out);
            return;
        }
        int bits = 0;
        if (a.deliveryId != -1) bits |= A_DELIVERY_ID;
        if (a.run != -1) bits |= A_RUN;
        if (a.startNanos != -1) bits |= A_START;
        if (a.endNanos != -1) bits |= A_END;
        if (a.outcome != null) bits |= A_OUTCOME;
        if (a.report != null) bits |= A_REPORT;
        if (a.mangled) bits |= A_MANGLED;
        if (a.hung) bits |= A_HUNG;
        if (a.relayedTo != null) bits |= A_RELAYED_TO;
        writeVarInt(bits, out);
        if ((bits & A_DELIVERY_ID) != 0) writeVarLong(a.deliveryId, out);
        if ((bits & A_RUN) != 0) writeVarLong(a.run, out);
        if ((bits & A_START) != 0) clock.write(a.startNanos, out);
        if ((bits & A_END) != 0) clock.write(a.endNanos, out);
        if ((bits & A_OUTCOME) != 0) out.writeByte(a.outcome.ordinal());
        if ((bits & A_REPORT) != 0) writeString(a.report, out);
        if ((bits & A_RELAYED_TO) != 0) writeRelayRef(a.relayedTo, clock, out);
    }

    private static void writeMessageRef(MessageRef m, Clock clock, DataOutputView out) throws IOException {
        int bits = 0;
        if (m.msgId != -1) bits |= M_MSG_ID;
        if (m.birthNanos != -1) bits |= M_BIRTH;
        if (m.qp != -1) bits |= M_QP;
        if (m.recipient != null) bits |= M_RECIPIENT;
        out.writeByte(bits);
        if ((bits & M_MSG_ID) != 0) writeVarLong(m.msgId, out);
        if ((bits & M_BIRTH) != 0) clock.write(m.birthNanos, out);
        if ((bits & M_QP) != 0) writeVarLong(m.qp, out);
        if ((bits & M_RECIPIENT) != 0) writeString(m.recipient, out);
    }

    private static void writeRelayRef(RelayRef x, Clock clock, DataOutputView out) throws IOException {
        int bits = 0;
        if (x.host != null) bits |= X_HOST;
        if (x.msgId != -1) bits |= X_MSG_ID;
        if (x.birthNanos != -1) bits |= X_BIRTH;
        if (x.qp != -1) bits |= X_QP;
        if (x.deliveryId != -1) bits |= X_DELIVERY_ID;
        if (x.deliveryRun != -1) bits |= X_DELIVERY_RUN;
        if (x.recipient != null) bits |= X_RECIPIENT;
        out.writeByte(bits);
        if ((bits & X_HOST) != 0) writeString(x.host, out);
        if ((bits & X_MSG_ID) != 0) writeVarLong(x.msgId, out);
        if ((bits & X_BIRTH) != 0) clock.write(x.birthNanos, out);
        if ((bits & X_QP) != 0) writeVarLong(x.qp, out);
        if ((bits & X_DELIVERY_ID) != 0) writeVarLong(x.deliveryId, out);
        if ((bits & X_DELIVERY_RUN) != 0) writeVarLong(x.deliveryRun, out);
        if ((bits & X_RECIPIENT) != 0) writeString(x.recipient, out);
    }

    // ------------------------------------------------------------------ deserialize

    @Override
    public LifecycleRecord deserialize(DataInputView in) throws IOException {
        LifecycleRecord r = new LifecycleRecord();
        int bits = readVarInt(in);
        Clock clock = new Clock();
        if ((bits & HOST) != 0) r.host = readString(in);
        if ((bits & MSG_ID) != 0) r.msgId = readVarLong(in);
        if ((bits & RUN) != 0) r.run = (int) readVarLong(in);
        if ((bits & STATUS) != 0) r.status = STATUSES[in.readUnsignedByte()];
        r.partial = (bits & PARTIAL) != 0;
        if ((bits & NEW) != 0) r.newNanos = clock.read(in);
        if ((bits & INFO) != 0) r.infoNanos = clock.read(in);
        if ((bits & END) != 0) r.endNanos = clock.read(in);
        if ((bits & BYTES) != 0) r.bytes = readVarLong(in);
        if ((bits & SENDER) != 0) r.sender = readString(in);
        if ((bits & SENDER_KIND) != 0) r.senderKind = readKnown(SENDER_KINDS, in);
        if ((bits & QP) != 0) r.qp = readVarLong(in);
        if ((bits & UID) != 0) r.uid = readVarLong(in);
        if ((bits & RECIPIENTS_NULL) != 0) {
            r.recipients = null;
        } else if ((bits & RECIPIENTS) != 0) {
            int n = readVarInt(in);
            List<Recipient> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++) l.add(readRecipient(clock, in));
            r.recipients = l;
        }
        if ((bits & SUCCESSES) != 0) r.successes = (int) readVarLong(in);
        if ((bits & DEFERRALS) != 0) r.deferrals = (int) readVarLong(in);
        if ((bits & FAILURES) != 0) r.failures = (int) readVarLong(in);
        if ((bits & INTERRUPTED) != 0) r.interrupted = (int) readVarLong(in);
        if ((bits & BOUNCE_QP) != 0) r.bounceQp = readVarLong(in);
        r.tripleBounceDiscarded = (bits & TRIPLE) != 0;
        if ((bits & BOUNCE_OF) != 0) r.bounceOf = readMessageRef(clock, in);
        if ((bits & FORWARD_OF) != 0) r.forwardOf = readMessageRef(clock, in);
        if ((bits & AS_OF) != 0) r.asOfNanos = clock.read(in);
        r.wasStuck = (bits & WAS_STUCK) != 0;
        if ((bits & RELAYED_FROM) != 0) r.relayedFrom = readRelayRef(clock, in);
        r.relayUpdate = (bits & RELAY_UPDATE) != 0;
        return r;
    }

    private static Recipient readRecipient(Clock clock, DataInputView in) throws IOException {
        int bits = readVarInt(in);
        if (bits == R_MAILBOX_IS_ADDRESS) return null;
        Recipient rc = new Recipient();
        if ((bits & R_ADDRESS) != 0) rc.address = readString(in);
        if ((bits & R_MAILBOX) != 0) rc.mailbox = readString(in);
        else if ((bits & R_MAILBOX_IS_ADDRESS) != 0) rc.mailbox = rc.address;
        if ((bits & R_DOMAIN) != 0) rc.domain = readString(in);
        if ((bits & R_CHANNEL) != 0) rc.channel = readKnown(CHANNELS, in);
        if ((bits & R_ATTEMPTS_NULL) != 0) {
            rc.attempts = null;
        } else if ((bits & R_ATTEMPTS) != 0) {
            int n = readVarInt(in);
            List<Attempt> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++) l.add(readAttempt(clock, in));
            rc.attempts = l;
        }
        if ((bits & R_FINAL) != 0) rc.finalOutcome = readKnown(FINAL_OUTCOMES, in);
        if ((bits & R_FORWARD_QP) != 0) rc.forwardQp = readVarLong(in);
        return rc;
    }

    private static Attempt readAttempt(Clock clock, DataInputView in) throws IOException {
        int bits = readVarInt(in);
        if (bits == A_NULL) return null;
        Attempt a = new Attempt();
        if ((bits & A_DELIVERY_ID) != 0) a.deliveryId = readVarLong(in);
        if ((bits & A_RUN) != 0) a.run = (int) readVarLong(in);
        if ((bits & A_START) != 0) a.startNanos = clock.read(in);
        if ((bits & A_END) != 0) a.endNanos = clock.read(in);
        if ((bits & A_OUTCOME) != 0) a.outcome = OUTCOMES[in.readUnsignedByte()];
        if ((bits & A_REPORT) != 0) a.report = readString(in);
        a.mangled = (bits & A_MANGLED) != 0;
        a.hung = (bits & A_HUNG) != 0;
        if ((bits & A_RELAYED_TO) != 0) a.relayedTo = readRelayRef(clock, in);
        return a;
    }

    private static MessageRef readMessageRef(Clock clock, DataInputView in) throws IOException {
        int bits = in.readUnsignedByte();
        MessageRef m = new MessageRef();
        if ((bits & M_MSG_ID) != 0) m.msgId = readVarLong(in);
        if ((bits & M_BIRTH) != 0) m.birthNanos = clock.read(in);
        if ((bits & M_QP) != 0) m.qp = readVarLong(in);
        if ((bits & M_RECIPIENT) != 0) m.recipient = readString(in);
        return m;
    }

    private static RelayRef readRelayRef(Clock clock, DataInputView in) throws IOException {
        int bits = in.readUnsignedByte();
        RelayRef x = new RelayRef();
        if ((bits & X_HOST) != 0) x.host = readString(in);
        if ((bits & X_MSG_ID) != 0) x.msgId = readVarLong(in);
        if ((bits & X_BIRTH) != 0) x.birthNanos = clock.read(in);
        if ((bits & X_QP) != 0) x.qp = readVarLong(in);
        if ((bits & X_DELIVERY_ID) != 0) x.deliveryId = readVarLong(in);
        if ((bits & X_DELIVERY_RUN) != 0) x.deliveryRun = (int) readVarLong(in);
        if ((bits & X_RECIPIENT) != 0) x.recipient = readString(in);
        return x;
    }

    @Override
    public LifecycleRecord deserialize(LifecycleRecord reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    /** The record in this serializer's form, as one array (e.g. to keep it in state as bytes, decoded only when needed). */
    public static byte[] toBytes(LifecycleRecord r) {
        return toBytes(r, new DataOutputSerializer(256));
    }

    /**
     * {@link #toBytes(LifecycleRecord)} written through {@code out}, which is cleared first: a caller
     * that serializes many records keeps one buffer (it grows to the largest) and each record costs
     * only the array it returns.
     */
    public static byte[] toBytes(LifecycleRecord r, DataOutputSerializer out) {
        out.clear();
        try {
            INSTANCE.serialize(r, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // an in-memory buffer does not fail
        }
        return out.getCopyOfBuffer();
    }

    /** The record of {@link #toBytes}. */
    public static LifecycleRecord fromBytes(byte[] b) {
        try {
            return INSTANCE.deserialize(new DataInputDeserializer(b));
        } catch (IOException e) {
            throw new UncheckedIOException("not a serialized life cycle", e);
        }
    }

    // ------------------------------------------------------------------ copy

    @Override
    public LifecycleRecord copy(LifecycleRecord from) {
        return copyOf(from);
    }

    @Override
    public LifecycleRecord copy(LifecycleRecord from, LifecycleRecord reuse) {
        return copyOf(from);
    }

    /** A deep copy: no list or nested object is shared with {@code from} (strings and enums are immutable). */
    public static LifecycleRecord copyOf(LifecycleRecord from) {
        if (from == null) return null;
        LifecycleRecord r = new LifecycleRecord();
        r.host = from.host;
        r.msgId = from.msgId;
        r.run = from.run;
        r.status = from.status;
        r.partial = from.partial;
        r.newNanos = from.newNanos;
        r.infoNanos = from.infoNanos;
        r.endNanos = from.endNanos;
        r.bytes = from.bytes;
        r.sender = from.sender;
        r.senderKind = from.senderKind;
        r.qp = from.qp;
        r.uid = from.uid;
        if (from.recipients == null) {
            r.recipients = null;
        } else {
            List<Recipient> l = new ArrayList<>(from.recipients.size());
            for (Recipient rc : from.recipients) l.add(copyOf(rc));
            r.recipients = l;
        }
        r.successes = from.successes;
        r.deferrals = from.deferrals;
        r.failures = from.failures;
        r.interrupted = from.interrupted;
        r.bounceQp = from.bounceQp;
        r.tripleBounceDiscarded = from.tripleBounceDiscarded;
        r.bounceOf = copyOf(from.bounceOf);
        r.forwardOf = copyOf(from.forwardOf);
        r.asOfNanos = from.asOfNanos;
        r.wasStuck = from.wasStuck;
        r.relayedFrom = copyOf(from.relayedFrom);
        r.relayUpdate = from.relayUpdate;
        return r;
    }

    private static Recipient copyOf(Recipient from) {
        if (from == null) return null;
        Recipient rc = new Recipient();
        rc.address = from.address;
        rc.mailbox = from.mailbox;
        rc.domain = from.domain;
        rc.channel = from.channel;
        if (from.attempts == null) {
            rc.attempts = null;
        } else {
            List<Attempt> l = new ArrayList<>(from.attempts.size());
            for (Attempt a : from.attempts) l.add(copyOf(a));
            rc.attempts = l;
        }
        rc.finalOutcome = from.finalOutcome;
        rc.forwardQp = from.forwardQp;
        return rc;
    }

    private static Attempt copyOf(Attempt from) {
        if (from == null) return null;
        Attempt a = new Attempt();
        a.deliveryId = from.deliveryId;
        a.run = from.run;
        a.startNanos = from.startNanos;
        a.endNanos = from.endNanos;
        a.outcome = from.outcome;
        a.report = from.report;
        a.mangled = from.mangled;
        a.hung = from.hung;
        a.relayedTo = copyOf(from.relayedTo);
        return a;
    }

    private static MessageRef copyOf(MessageRef from) {
        if (from == null) return null;
        return new MessageRef(from.msgId, from.birthNanos, from.qp, from.recipient);
    }

    private static RelayRef copyOf(RelayRef from) {
        if (from == null) return null;
        RelayRef x = new RelayRef();
        x.host = from.host;
        x.msgId = from.msgId;
        x.birthNanos = from.birthNanos;
        x.qp = from.qp;
        x.deliveryId = from.deliveryId;
        x.deliveryRun = from.deliveryRun;
        x.recipient = from.recipient;
        return x;
    }

    // ------------------------------------------------------------------ primitives

    /** A string (null too) as this serializer writes strings: UTF-8 in one piece ({@link QmailEventSerializer#writeString}). */
    public static void writeText(String s, DataOutputView out) throws IOException {
        writeString(s, out);
    }

    public static String readText(DataInputView in) throws IOException {
        return readString(in);
    }

    /** One of {@code known} as its index + 1 in one byte; anything else as 0 and the string. */
    private static void writeKnown(String s, String[] known, DataOutputView out) throws IOException {
        for (int i = 0; i < known.length; i++) {
            if (known[i].equals(s)) {
                out.writeByte(i + 1);
                return;
            }
        }
        out.writeByte(0);
        writeString(s, out);
    }

    private static String readKnown(String[] known, DataInputView in) throws IOException {
        int i = in.readUnsignedByte();
        return i == 0 ? readString(in) : known[i - 1];
    }

    public static void writeVarInt(int v, DataOutputView out) throws IOException {
        while ((v & ~0x7F) != 0) {
            out.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.writeByte(v);
    }

    public static int readVarInt(DataInputView in) throws IOException {
        int v = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
    }

    /** Zig-zag varint: small magnitudes, negative ones too, take few bytes. */
    public static void writeVarLong(long v, DataOutputView out) throws IOException {
        long z = (v << 1) ^ (v >> 63);
        while ((z & ~0x7FL) != 0) {
            out.writeByte((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.writeByte((int) z);
    }

    public static long readVarLong(DataInputView in) throws IOException {
        long z = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.readUnsignedByte();
            z |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return (z >>> 1) ^ -(z & 1);
        }
    }

    @Override
    public TypeSerializerSnapshot<LifecycleRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * The snapshot of the serializer (it has no configuration). State written with Flink's POJO
     * serializer of {@code LifecycleRecord} (before this serializer existed: the lifecycle builder's
     * open records, the relay linker's waiting sides, relay updates) is migrated on restore: read
     * with the POJO serializer, written again with this one.
     */
    public static final class Snapshot extends CompactSerializerSnapshot<LifecycleRecord> {
        public Snapshot() {
            super(() -> INSTANCE, LifecycleRecord.class);
        }
    }
}
