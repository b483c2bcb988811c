package io.qmailfleet.job.alert;

import io.qmailfleet.job.model.CompactSerializerSnapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * A hand-written serializer of {@link RateSample}, for the shuffle to the fleet rate rules and
 * their state ({@code rate-windows}, {@code rate-recipients}), in place of Flink's reflective POJO
 * serializer.
 *
 * <p>Format: the dimension (one byte for the three known ones, which come back as the
 * {@code RateSample} constants), the key, the window start and end, the revision, the hosts (their
 * count + 1, 0 for null), then one bit per count that differs from its default in a fresh
 * {@code RateSample} (0, -1 for {@code recipients}) and those counts in declaration order. Strings
 * in Flink's {@link StringValue} format. A new field of {@code RateSample} must be added here (the
 * round-trip test sets every field by reflection and fails otherwise).
 *
 * <p>State written with Flink's POJO serializer of {@code RateSample} is migrated on restore (see
 * {@link Snapshot}).
 */
public final class RateSampleSerializer extends TypeSerializerSingleton<RateSample> {
    private static final long serialVersionUID = 1L;

    public static final RateSampleSerializer INSTANCE = new RateSampleSerializer();

    /** Dimension codes: 0 null, 1-3 the known dimensions, 4 another string follows. */
    private static final String[] DIMENSIONS = {null, RateSample.DOMAIN, RateSample.SENDER, RateSample.RECIPIENT};
    private static final int OTHER_DIMENSION = DIMENSIONS.length;

    private static final int ATTEMPTS = 1, DEFERRALS = 1 << 1, FAILURES = 1 << 2, RECIPIENTS = 1 << 3,
            ACCEPTED = 1 << 4;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public RateSample createInstance() {
        return new RateSample();
    }

    @Override
    public RateSample copy(RateSample from) {
        RateSample c = new RateSample();
        c.dimension = from.dimension;
        c.key = from.key;
        c.windowStart = from.windowStart;
        c.windowEnd = from.windowEnd;
        c.revision = from.revision;
        c.hosts = from.hosts == null ? null : new ArrayList<>(from.hosts);
        c.attempts = from.attempts;
        c.deferrals = from.deferrals;
        c.failures = from.failures;
        c.recipients = from.recipients;
        c.accepted = from.accepted;
        return c;
    }

    @Override
    public RateSample copy(RateSample from, RateSample reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(RateSample s, DataOutputView out) throws IOException {
        int d = OTHER_DIMENSION;
        if (s.dimension == null) d = 0;
        for (int i = 1; i < DIMENSIONS.length; i++) {
            if (DIMENSIONS[i].equals(s.dimension)) d = i;
        }
        out.writeByte(d);
        if (d == OTHER_DIMENSION) StringValue.writeString(s.dimension, out);
        StringValue.writeString(s.key, out);
        out.writeLong(s.windowStart);
        out.writeLong(s.windowEnd);
        out.writeInt(s.revision);
        if (s.hosts == null) {
            out.writeInt(0);
        } else {
            out.writeInt(s.hosts.size() + 1);
            for (String h : s.hosts) StringValue.writeString(h, out);
        }
        int bits = 0;
        if (s.attempts != 0) bits |= ATTEMPTS;
        if (s.deferrals != 0) bits |= DEFERRALS;
        if (s.failures != 0) bits |= FAILURES;
        if (s.recipients != -1) bits |= RECIPIENTS;
        if (s.accepted != 0) bits |= ACCEPTED;
        out.writeByte(bits);
        if ((bits & ATTEMPTS) != 0) out.writeLong(s.attempts);
        if ((bits & DEFERRALS) != 0) out.writeLong(s.deferrals);
        if ((bits & FAILURES) != 0) out.writeLong(s.failures);
        if ((bits & RECIPIENTS) != 0) out.writeLong(s.recipients);
        if ((bits & ACCEPTED) != 0) out.writeLong(s.accepted);
    }

    @Override
    public RateSample deserialize(DataInputView in) throws IOException {
        RateSample s = new RateSample();
        int d = in.readUnsignedByte();
        s.dimension = d == OTHER_DIMENSION ? StringValue.readString(in) : DIMENSIONS[d];
        s.key = StringValue.readString(in);
        s.windowStart = in.readLong();
        s.windowEnd = in.readLong();
        s.revision = in.readInt();
        int n = in.readInt();
        if (n == 0) {
            s.hosts = null;
        } else {
            List<String> hosts = new ArrayList<>(Math.max(n - 1, 1));
            for (int i = 1; i < n; i++) hosts.add(StringValue.readString(in));
            s.hosts = hosts;
        }
        int bits = in.readUnsignedByte();
        if ((bits & ATTEMPTS) != 0) s.attempts = in.readLong();
        if ((bits & DEFERRALS) != 0) s.deferrals = in.readLong();
        if ((bits & FAILURES) != 0) s.failures = in.readLong();
        if ((bits & RECIPIENTS) != 0) s.recipients = in.readLong();
        if ((bits & ACCEPTED) != 0) s.accepted = in.readLong();
        return s;
    }

    @Override
    public RateSample deserialize(RateSample reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<RateSample> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * The snapshot of the serializer (it has no configuration). State written with Flink's POJO
     * serializer of {@code RateSample} (the fleet rate rules' state before this serializer) is
     * migrated on restore: read with the POJO serializer, written again with this one.
     */
    public static final class Snapshot extends CompactSerializerSnapshot<RateSample> {
        public Snapshot() {
            super(() -> INSTANCE, RateSample.class);
        }
    }
}
