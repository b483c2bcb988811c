package io.qmailfleet.job.model;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A hand-written serializer of {@link MessageFact} for the shuffle from the host sequencer to the
 * stats stage's host windows (and the late facts beside it), where Flink's POJO serializer spent its
 * time in reflection on some twenty fields of which a fact sets a handful.
 *
 * <p>Format: the kind and the host, then one bit per other field that differs from its default in a
 * fresh {@code MessageFact} (-1, 0, 1 for {@code producers}, null, false), then those fields in
 * declaration order: the log time as 8 bytes, the other times as the variable-length difference to
 * it, counts and ids as variable-length integers; the booleans are their bit. A new field of
 * {@code MessageFact} must be added here (the round-trip test sets every field by reflection and
 * fails otherwise).
 */
public final class MessageFactSerializer extends TypeSerializerSingleton<MessageFact> {
    private static final long serialVersionUID = 1L;

    public static final MessageFactSerializer INSTANCE = new MessageFactSerializer();

    private static final FactKind[] KINDS = FactKind.values();
    private static final Outcome[] OUTCOMES = Outcome.values();

    // one bit per optional field, in declaration order
    private static final int PRODUCER = 1, PRODUCERS = 1 << 1, MSG_ID = 1 << 2, TS_NANOS = 1 << 3, SENDER = 1 << 4,
            UID = 1 << 5, BYTES = 1 << 6, INFO_NANOS = 1 << 7, RECIPIENT = 1 << 8, CHANNEL = 1 << 9, OUTCOME = 1 << 10,
            START_NANOS = 1 << 11, REPORT = 1 << 12, MANGLED = 1 << 13, SUCCESSES = 1 << 14, FAILURES = 1 << 15,
            DEFERRALS = 1 << 16, BOUNCED = 1 << 17, TRIPLE_BOUNCE = 1 << 18;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public MessageFact createInstance() {
        return new MessageFact();
    }

    @Override
    public MessageFact copy(MessageFact from) {
        MessageFact c = new MessageFact();
        c.kind = from.kind;
        c.host = from.host;
        c.producer = from.producer;
        c.producers = from.producers;
        c.msgId = from.msgId;
        c.tsNanos = from.tsNanos;
        c.sender = from.sender;
        c.uid = from.uid;
        c.bytes = from.bytes;
        c.infoNanos = from.infoNanos;
        c.recipient = from.recipient;
        c.channel = from.channel;
        c.outcome = from.outcome;
        c.startNanos = from.startNanos;
        c.report = from.report;
        c.mangled = from.mangled;
        c.successes = from.successes;
        c.failures = from.failures;
        c.deferrals = from.deferrals;
        c.bounced = from.bounced;
        c.tripleBounce = from.tripleBounce;
        return c;
    }

    @Override
    public MessageFact copy(MessageFact from, MessageFact reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(MessageFact f, DataOutputView out) throws IOException {
        out.writeByte(f.kind == null ? 0 : f.kind.ordinal() + 1);
        QmailEventSerializer.writeString(f.host, out);
        int bits = 0;
        if (f.producer != 0) bits |= PRODUCER;
        if (f.producers != 1) bits |= PRODUCERS;
        if (f.msgId != -1) bits |= MSG_ID;
        if (f.tsNanos != -1) bits |= TS_NANOS;
        if (f.sender != null) bits |= SENDER;
        if (f.uid != -1) bits |= UID;
        if (f.bytes != -1) bits |= BYTES;
        if (f.infoNanos != -1) bits |= INFO_NANOS;
        if (f.recipient != null) bits |= RECIPIENT;
        if (f.channel != null) bits |= CHANNEL;
        if (f.outcome != null) bits |= OUTCOME;
        if (f.startNanos != -1) bits |= START_NANOS;
        if (f.report != null) bits |= REPORT;
        if (f.mangled) bits |= MANGLED;
        if (f.successes != 0) bits |= SUCCESSES;
        if (f.failures != 0) bits |= FAILURES;
        if (f.deferrals != 0) bits |= DEFERRALS;
        if (f.bounced) bits |= BOUNCED;
        if (f.tripleBounce) bits |= TRIPLE_BOUNCE;
        StatsRecordSerializer.writeVarLong(bits, out);
        if ((bits & PRODUCER) != 0) StatsRecordSerializer.writeVarLong(f.producer, out);
        if ((bits & PRODUCERS) != 0) StatsRecordSerializer.writeVarLong(f.producers, out);
        if ((bits & MSG_ID) != 0) StatsRecordSerializer.writeVarLong(f.msgId, out);
        if ((bits & TS_NANOS) != 0) out.writeLong(f.tsNanos);
        if ((bits & SENDER) != 0) QmailEventSerializer.writeString(f.sender, out);
        if ((bits & UID) != 0) StatsRecordSerializer.writeVarLong(f.uid, out);
        if ((bits & BYTES) != 0) StatsRecordSerializer.writeVarLong(f.bytes, out);
        // times near the log time: the difference (wrapping, so any value comes back)
        if ((bits & INFO_NANOS) != 0) StatsRecordSerializer.writeZigZag(f.infoNanos - f.tsNanos, out);
        if ((bits & RECIPIENT) != 0) QmailEventSerializer.writeString(f.recipient, out);
        if ((bits & CHANNEL) != 0) QmailEventSerializer.writeString(f.channel, out);
        if ((bits & OUTCOME) != 0) out.writeByte(f.outcome.ordinal());
        if ((bits & START_NANOS) != 0) StatsRecordSerializer.writeZigZag(f.startNanos - f.tsNanos, out);
        if ((bits & REPORT) != 0) QmailEventSerializer.writeString(f.report, out);
        if ((bits & SUCCESSES) != 0) StatsRecordSerializer.writeVarLong(f.successes, out);
        if ((bits & FAILURES) != 0) StatsRecordSerializer.writeVarLong(f.failures, out);
        if ((bits & DEFERRALS) != 0) StatsRecordSerializer.writeVarLong(f.deferrals, out);
    }

    @Override
    public MessageFact deserialize(DataInputView in) throws IOException {
        MessageFact f = new MessageFact();
        int kind = in.readUnsignedByte();
        f.kind = kind == 0 ? null : KINDS[kind - 1];
        f.host = QmailEventSerializer.readString(in);
        int bits = (int) StatsRecordSerializer.readVarLong(in);
        if ((bits & PRODUCER) != 0) f.producer = (int) StatsRecordSerializer.readVarLong(in);
        if ((bits & PRODUCERS) != 0) f.producers = (int) StatsRecordSerializer.readVarLong(in);
        if ((bits & MSG_ID) != 0) f.msgId = StatsRecordSerializer.readVarLong(in);
        if ((bits & TS_NANOS) != 0) f.tsNanos = in.readLong();
        if ((bits & SENDER) != 0) f.sender = QmailEventSerializer.readString(in);
        if ((bits & UID) != 0) f.uid = StatsRecordSerializer.readVarLong(in);
        if ((bits & BYTES) != 0) f.bytes = StatsRecordSerializer.readVarLong(in);
        if ((bits & INFO_NANOS) != 0) f.infoNanos = f.tsNanos + StatsRecordSerializer.readZigZag(in);
        if ((bits & RECIPIENT) != 0) f.recipient = QmailEventSerializer.readString(in);
        if ((bits & CHANNEL) != 0) f.channel = QmailEventSerializer.readString(in);
        if ((bits & OUTCOME) != 0) f.outcome = OUTCOMES[in.readUnsignedByte()];
        if ((bits & START_NANOS) != 0) f.startNanos = f.tsNanos + StatsRecordSerializer.readZigZag(in);
        if ((bits & REPORT) != 0) f.report = QmailEventSerializer.readString(in);
        f.mangled = (bits & MANGLED) != 0;
        if ((bits & SUCCESSES) != 0) f.successes = (int) StatsRecordSerializer.readVarLong(in);
        if ((bits & FAILURES) != 0) f.failures = (int) StatsRecordSerializer.readVarLong(in);
        if ((bits & DEFERRALS) != 0) f.deferrals = (int) StatsRecordSerializer.readVarLong(in);
        f.bounced = (bits & BOUNCED) != 0;
        f.tripleBounce = (bits & TRIPLE_BOUNCE) != 0;
        return f;
    }

    @Override
    public MessageFact deserialize(MessageFact reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<MessageFact> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * The snapshot of the serializer (it has no configuration). State written with Flink's POJO
     * serializer of {@code MessageFact} is migrated on restore: read with the POJO serializer,
     * written again with this one.
     */
    public static final class Snapshot extends CompactSerializerSnapshot<MessageFact> {
        public Snapshot() {
            super(() -> INSTANCE, MessageFact.class);
        }
    }
}
