package io.qmailfleet.job.trace;

import static io.qmailfleet.job.model.LifecycleRecordSerializer.readText;
import static io.qmailfleet.job.model.LifecycleRecordSerializer.readVarInt;
import static io.qmailfleet.job.model.LifecycleRecordSerializer.readVarLong;
import static io.qmailfleet.job.model.LifecycleRecordSerializer.writeText;
import static io.qmailfleet.job.model.LifecycleRecordSerializer.writeVarInt;
import static io.qmailfleet.job.model.LifecycleRecordSerializer.writeVarLong;

import io.qmailfleet.job.model.CompactTypeInfo;
import io.qmailfleet.job.model.CompactSerializerSnapshot;
import io.qmailfleet.job.model.LifecycleRecordSerializer;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Hand-written serializers of the relay linker's inputs and state, {@link RelayOffer} and
 * {@link RelayReception}, named by the classes' {@code @TypeInfo}: one bit per field that differs
 * from its default, then those fields (zig-zag varints, strings in one piece, the compact form's
 * life-cycle bytes as they are, a life-cycle object with {@link LifecycleRecordSerializer}). A new
 * field of either class must be added here (the round-trip test sets every field by reflection).
 * State written with Flink's POJO serializer of either class (the version before) is migrated on
 * restore.
 */
public final class RelaySideSerializers {
    private RelaySideSerializers() {}

    // ------------------------------------------------------------------ RelayOffer

    public static final class OfferSerializer extends TypeSerializerSingleton<RelayOffer> {
        private static final long serialVersionUID = 1L;
        public static final OfferSerializer INSTANCE = new OfferSerializer();

        private static final int QP = 1, REPORTED = 1 << 1, REMOTE_IP = 1 << 2, RECIPIENT = 1 << 3, DOMAIN = 1 << 4,
                DELIVERY_ID = 1 << 5, DELIVERY_RUN = 1 << 6, START = 1 << 7, END = 1 << 8, SENDER = 1 << 9,
                SENDER_HOST = 1 << 10, SENDER_MSG_ID = 1 << 11, SENDER_NEW = 1 << 12, SENDER_BYTES = 1 << 13,
                EXPIRES = 1 << 14, AMBIGUOUS = 1 << 15, PAIRED = 1 << 16, DECIDE = 1 << 17;

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public RelayOffer createInstance() {
            return new RelayOffer();
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public RelayOffer copy(RelayOffer f) {
            RelayOffer o = new RelayOffer();
            o.qp = f.qp;
            o.reportedSeconds = f.reportedSeconds;
            o.remoteIp = f.remoteIp;
            o.recipient = f.recipient;
            o.recipientDomain = f.recipientDomain;
            o.deliveryId = f.deliveryId;
            o.deliveryRun = f.deliveryRun;
            o.attemptStartNanos = f.attemptStartNanos;
            o.attemptEndNanos = f.attemptEndNanos;
            o.sender = LifecycleRecordSerializer.copyOf(f.sender);
            o.senderHost = f.senderHost;
            o.senderMsgId = f.senderMsgId;
            o.senderNewNanos = f.senderNewNanos;
            o.senderBytes = f.senderBytes == null ? null : f.senderBytes.clone();
            o.expiresAtMillis = f.expiresAtMillis;
            o.ambiguous = f.ambiguous;
            o.pairedWith = f.pairedWith;
            o.decideAtMillis = f.decideAtMillis;
            return o;
        }

        @Override
        public RelayOffer copy(RelayOffer from, RelayOffer reuse) {
            return copy(from);
        }

        @Override
        public void serialize(RelayOffer o, DataOutputView out) throws IOException {
            int bits = 0;
            if (o.qp != -1) bits |= QP;
            if (o.reportedSeconds != -1) bits |= REPORTED;
            if (o.remoteIp != null) bits |= REMOTE_IP;
            if (o.recipient != null) bits |= RECIPIENT;
            if (o.recipientDomain != null) bits |= DOMAIN;
            if (o.deliveryId != -1) bits |= DELIVERY_ID;
            if (o.deliveryRun != -1) bits |= DELIVERY_RUN;
            if (o.attemptStartNanos != -1) bits |= START;
            if (o.attemptEndNanos != -1) bits |= END;
            if (o.sender != null) bits |= SENDER;
            if (o.senderHost != null) bits |= SENDER_HOST;
            if (o.senderMsgId != -1) bits |= SENDER_MSG_ID;
            if (o.senderNewNanos != -1) bits |= SENDER_NEW;
            if (o.senderBytes != null) bits |= SENDER_BYTES;
            if (o.expiresAtMillis != -1) bits |= EXPIRES;
            if (o.ambiguous) bits |= AMBIGUOUS;
            if (o.pairedWith != null) bits |= PAIRED;
            if (o.decideAtMillis != -1) bits |= DECIDE;
            writeVarInt(bits, out);
            if ((bits & QP) != 0) writeVarLong(o.qp, out);
            if ((bits & REPORTED) != 0) writeVarLong(o.reportedSeconds, out);
            if ((bits & REMOTE_IP) != 0) writeText(o.remoteIp, out);
            if ((bits & RECIPIENT) != 0) writeText(o.recipient, out);
            if ((bits & DOMAIN) != 0) writeText(o.recipientDomain, out);
            if ((bits & DELIVERY_ID) != 0) writeVarLong(o.deliveryId, out);
            if ((bits & DELIVERY_RUN) != 0) writeVarLong(o.deliveryRun, out);
            if ((bits & START) != 0) out.writeLong(o.attemptStartNanos);
            if ((bits & END) != 0) out.writeLong(o.attemptEndNanos);
            if ((bits & SENDER) != 0) LifecycleRecordSerializer.INSTANCE.serialize(o.sender, out);
            if ((bits & SENDER_HOST) != 0) writeText(o.senderHost, out);
            if ((bits & SENDER_MSG_ID) != 0) writeVarLong(o.senderMsgId, out);
            if ((bits & SENDER_NEW) != 0) out.writeLong(o.senderNewNanos);
            if ((bits & SENDER_BYTES) != 0) writeBytes(o.senderBytes, out);
            if ((bits & EXPIRES) != 0) writeVarLong(o.expiresAtMillis, out);
            if ((bits & PAIRED) != 0) writeText(o.pairedWith, out);
            if ((bits & DECIDE) != 0) writeVarLong(o.decideAtMillis, out);
        }

        @Override
        public RelayOffer deserialize(DataInputView in) throws IOException {
            RelayOffer o = new RelayOffer();
            int bits = readVarInt(in);
            if ((bits & QP) != 0) o.qp = readVarLong(in);
            if ((bits & REPORTED) != 0) o.reportedSeconds = readVarLong(in);
            if ((bits & REMOTE_IP) != 0) o.remoteIp = readText(in);
            if ((bits & RECIPIENT) != 0) o.recipient = readText(in);
            if ((bits & DOMAIN) != 0) o.recipientDomain = readText(in);
            if ((bits & DELIVERY_ID) != 0) o.deliveryId = readVarLong(in);
            if ((bits & DELIVERY_RUN) != 0) o.deliveryRun = (int) readVarLong(in);
            if ((bits & START) != 0) o.attemptStartNanos = in.readLong();
            if ((bits & END) != 0) o.attemptEndNanos = in.readLong();
            if ((bits & SENDER) != 0) o.sender = LifecycleRecordSerializer.INSTANCE.deserialize(in);
            if ((bits & SENDER_HOST) != 0) o.senderHost = readText(in);
            if ((bits & SENDER_MSG_ID) != 0) o.senderMsgId = readVarLong(in);
            if ((bits & SENDER_NEW) != 0) o.senderNewNanos = in.readLong();
            if ((bits & SENDER_BYTES) != 0) o.senderBytes = readBytes(in);
            if ((bits & EXPIRES) != 0) o.expiresAtMillis = readVarLong(in);
            o.ambiguous = (bits & AMBIGUOUS) != 0;
            if ((bits & PAIRED) != 0) o.pairedWith = readText(in);
            if ((bits & DECIDE) != 0) o.decideAtMillis = readVarLong(in);
            return o;
        }

        @Override
        public RelayOffer deserialize(RelayOffer reuse, DataInputView in) throws IOException {
            return deserialize(in);
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            serialize(deserialize(in), out);
        }

        @Override
        public TypeSerializerSnapshot<RelayOffer> snapshotConfiguration() {
            return new OfferSnapshot();
        }
    }

    /** Migrates state written with Flink's POJO serializer of {@link RelayOffer}. */
    public static final class OfferSnapshot extends CompactSerializerSnapshot<RelayOffer> {
        public OfferSnapshot() {
            super(() -> OfferSerializer.INSTANCE, RelayOffer.class);
        }
    }

    // ------------------------------------------------------------------ RelayReception

    public static final class ReceptionSerializer extends TypeSerializerSingleton<RelayReception> {
        private static final long serialVersionUID = 1L;
        public static final ReceptionSerializer INSTANCE = new ReceptionSerializer();

        private static final int QP = 1, RECEIVER = 1 << 1, HOST = 1 << 2, MSG_ID = 1 << 3, NEW = 1 << 4, INFO = 1 << 5,
                BYTES = 1 << 6, EXPIRES = 1 << 7, AMBIGUOUS = 1 << 8, PAIRED = 1 << 9, DECIDE = 1 << 10;

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public RelayReception createInstance() {
            return new RelayReception();
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public RelayReception copy(RelayReception f) {
            RelayReception r = new RelayReception();
            r.qp = f.qp;
            r.receiver = LifecycleRecordSerializer.copyOf(f.receiver);
            r.host = f.host;
            r.msgId = f.msgId;
            r.newNanos = f.newNanos;
            r.infoNanos = f.infoNanos;
            r.receiverBytes = f.receiverBytes == null ? null : f.receiverBytes.clone();
            r.expiresAtMillis = f.expiresAtMillis;
            r.ambiguous = f.ambiguous;
            r.pairedWith = f.pairedWith;
            r.decideAtMillis = f.decideAtMillis;
            return r;
        }

        @Override
        public RelayReception copy(RelayReception from, RelayReception reuse) {
            return copy(from);
        }

        @Override
        public void serialize(RelayReception r, DataOutputView out) throws IOException {
            int bits = 0;
            if (r.qp != -1) bits |= QP;
            if (r.receiver != null) bits |= RECEIVER;
            if (r.host != null) bits |= HOST;
            if (r.msgId != -1) bits |= MSG_ID;
            if (r.newNanos != -1) bits |= NEW;
            if (r.infoNanos != -1) bits |= INFO;
            if (r.receiverBytes != null) bits |= BYTES;
            if (r.expiresAtMillis != -1) bits |= EXPIRES;
            if (r.ambiguous) bits |= AMBIGUOUS;
            if (r.pairedWith != null) bits |= PAIRED;
            if (r.decideAtMillis != -1) bits |= DECIDE;
            writeVarInt(bits, out);
            if ((bits & QP) != 0) writeVarLong(r.qp, out);
            if ((bits & RECEIVER) != 0) LifecycleRecordSerializer.INSTANCE.serialize(r.receiver, out);
            if ((bits & HOST) != 0) writeText(r.host, out);
            if ((bits & MSG_ID) != 0) writeVarLong(r.msgId, out);
            if ((bits & NEW) != 0) out.writeLong(r.newNanos);
            if ((bits & INFO) != 0) out.writeLong(r.infoNanos);
            if ((bits & BYTES) != 0) writeBytes(r.receiverBytes, out);
            if ((bits & EXPIRES) != 0) writeVarLong(r.expiresAtMillis, out);
            if ((bits & PAIRED) != 0) writeText(r.pairedWith, out);
            if ((bits & DECIDE) != 0) writeVarLong(r.decideAtMillis, out);
        }

        @Override
        public RelayReception deserialize(DataInputView in) throws IOException {
            RelayReception r = new RelayReception();
            int bits = readVarInt(in);
            if ((bits & QP) != 0) r.qp = readVarLong(in);
            if ((bits & RECEIVER) != 0) r.receiver = LifecycleRecordSerializer.INSTANCE.deserialize(in);
            if ((bits & HOST) != 0) r.host = readText(in);
            if ((bits & MSG_ID) != 0) r.msgId = readVarLong(in);
            if ((bits & NEW) != 0) r.newNanos = in.readLong();
            if ((bits & INFO) != 0) r.infoNanos = in.readLong();
            if ((bits & BYTES) != 0) r.receiverBytes = readBytes(in);
            if ((bits & EXPIRES) != 0) r.expiresAtMillis = readVarLong(in);
            r.ambiguous = (bits & AMBIGUOUS) != 0;
            if ((bits & PAIRED) != 0) r.pairedWith = readText(in);
            if ((bits & DECIDE) != 0) r.decideAtMillis = readVarLong(in);
            return r;
        }

        @Override
        public RelayReception deserialize(RelayReception reuse, DataInputView in) throws IOException {
            return deserialize(in);
        }

        @Override
        public void copy(DataInputView in, DataOutputView out) throws IOException {
            serialize(deserialize(in), out);
        }

        @Override
        public TypeSerializerSnapshot<RelayReception> snapshotConfiguration() {
            return new ReceptionSnapshot();
        }
    }

    /** Migrates state written with Flink's POJO serializer of {@link RelayReception}. */
    public static final class ReceptionSnapshot extends CompactSerializerSnapshot<RelayReception> {
        public ReceptionSnapshot() {
            super(() -> ReceptionSerializer.INSTANCE, RelayReception.class);
        }
    }

    static void writeBytes(byte[] b, DataOutputView out) throws IOException {
        writeVarInt(b.length, out);
        out.write(b);
    }

    static byte[] readBytes(DataInputView in) throws IOException {
        byte[] b = new byte[readVarInt(in)];
        in.readFully(b);
        return b;
    }

    // ------------------------------------------------------------------ types

    /** The type of {@link RelayOffer} (named by its {@code @TypeInfo}). */
    public static final class OfferType extends CompactTypeInfo<RelayOffer> {
        private static final long serialVersionUID = 1L;

        public OfferType() {
            super(RelayOffer.class, OfferSerializer.INSTANCE);
        }

        public static final class Factory extends TypeInfoFactory<RelayOffer> {
            @Override
            public TypeInformation<RelayOffer> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
                return new OfferType();
            }
        }
    }

    /** The type of {@link RelayReception} (named by its {@code @TypeInfo}). */
    public static final class ReceptionType extends CompactTypeInfo<RelayReception> {
        private static final long serialVersionUID = 1L;

        public ReceptionType() {
            super(RelayReception.class, ReceptionSerializer.INSTANCE);
        }

        public static final class Factory extends TypeInfoFactory<RelayReception> {
            @Override
            public TypeInformation<RelayReception> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
                return new ReceptionType();
            }
        }
    }
}
