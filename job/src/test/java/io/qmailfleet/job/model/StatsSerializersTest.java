package io.qmailfleet.job.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.stats.Measures;
import io.qmailfleet.job.testutil.PojoTypes;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The compact serializers of the stats stage's records keep every field: of {@link MessageFact},
 * {@link StatsRecord} and the {@link ReasonCount}s and {@link SketchState}s inside it, each field
 * found by reflection (so a field added later is covered too), set alone and all together; records
 * the counting rules make (folded sketches, more reasons than a record keeps); copies; and the
 * serializer snapshots, including the migration from Flink's POJO serializer.
 */
class StatsSerializersTest {
    private static final TypeSerializer<MessageFact> FACTS =
            MessageFactTypeInfo.INSTANCE.createSerializer(new SerializerConfigImpl());
    private static final TypeSerializer<StatsRecord> RECORDS =
            StatsRecordTypeInfo.INSTANCE.createSerializer(new SerializerConfigImpl());

    private static <T> T roundTrip(TypeSerializer<T> s, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(value, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        T back = s.deserialize(in);
        assertEquals(0, in.available(), "every byte read");
        // through copy(in, out), as a channel that forwards serialized records does
        DataOutputSerializer copied = new DataOutputSerializer(64);
        DataInputDeserializer again = new DataInputDeserializer(out.getCopyOfBuffer());
        s.copy(again, copied);
        assertEquals(0, again.available());
        assertArrayEquals(out.getCopyOfBuffer(), copied.getCopyOfBuffer());
        // and with a reuse object, which is not reused
        T reused = s.deserialize(s.createInstance(), new DataInputDeserializer(out.getCopyOfBuffer()));
        assertSameFields(value, reused, "reuse");
        return back;
    }

    private static List<Field> fields(Class<?> c) {
        List<Field> fields = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) fields.add(f);
        }
        return fields;
    }

    /** A value of the field's type other than its default (and other than -1, 0, 1, null, false, ""). */
    private static Object other(Field f, int salt) throws Exception {
        Class<?> t = f.getType();
        if (t == long.class) return 1_000_000_000_000L * 7 + salt;
        if (t == int.class) return 40_000 + salt;
        if (t == double.class) return 1234.5 + salt;
        if (t == boolean.class) return true;
        if (t == String.class) return "v-" + f.getName() + " ü ✓ \n" + salt;
        if (t.isEnum()) {
            Object[] c = t.getEnumConstants();
            return c[(salt + 1) % c.length];
        }
        if (t == List.class) {
            Class<?> e = (Class<?>) ((ParameterizedType) f.getGenericType()).getActualTypeArguments()[0];
            List<Object> list = new ArrayList<>();
            if (e == String.class) {
                list.add("mx" + salt);
                list.add("");
                list.add("Mx-Ü " + salt);
            } else if (e == ReasonCount.class) {
                list.add(full(ReasonCount.class, salt));
                list.add(new ReasonCount());
                list.add(full(ReasonCount.class, salt + 7));
            } else {
                throw new AssertionError("a list the test does not know: " + f);
            }
            return list;
        }
        if (t == SketchState.class) return full(SketchState.class, salt);
        if (t == double[].class) {
            double[] d = new double[16];
            for (int i = 0; i < 3; i++) d[i] = salt + i + 0.25;
            return d;
        }
        if (t == long[].class) return new long[] {1, 2, 4, 1L << 40, salt};
        throw new AssertionError(f.getDeclaringClass().getSimpleName() + "." + f.getName()
                + " has a type the test does not know: " + t);
    }

    /** An object with every field set to {@link #other} (a sketch's pending count covers its pending values). */
    private static <T> T full(Class<T> c, int salt) throws Exception {
        T o = c.getConstructor().newInstance();
        for (Field f : fields(c)) f.set(o, other(f, salt++));
        if (o instanceof SketchState) ((SketchState) o).pendingCount = 3;
        return o;
    }

    /** Field by field, into lists, the model's nested objects and arrays. */
    static void assertSameFields(Object expected, Object actual, String path) throws Exception {
        if (expected == null || actual == null) {
            assertSame(expected, actual, path);
            return;
        }
        assertEquals(expected.getClass(), actual.getClass(), path);
        if (expected instanceof List) {
            List<?> a = (List<?>) expected, b = (List<?>) actual;
            assertEquals(a.size(), b.size(), path);
            for (int i = 0; i < a.size(); i++) assertSameFields(a.get(i), b.get(i), path + "[" + i + "]");
        } else if (expected instanceof double[]) {
            assertArrayEquals((double[]) expected, (double[]) actual, path);
        } else if (expected instanceof long[]) {
            assertArrayEquals((long[]) expected, (long[]) actual, path);
        } else if (expected.getClass().getName().startsWith("io.qmailfleet.job.") && !expected.getClass().isEnum()) {
            for (Field f : fields(expected.getClass())) assertSameFields(f.get(expected), f.get(actual), path + "." + f.getName());
        } else {
            assertEquals(expected, actual, path);
        }
    }

    private static <T> void everyFieldAlone(Class<T> c, TypeSerializer<T> s) throws Exception {
        int salt = 0;
        for (Field f : fields(c)) {
            T o = c.getConstructor().newInstance();
            Object v = other(f, salt++);
            assertNotEquals(f.get(o), v, f.getName());
            f.set(o, v);
            assertSameFields(o, roundTrip(s, o), c.getSimpleName());
            // and null where the field can be null
            if (!f.getType().isPrimitive()) {
                f.set(o, null);
                assertSameFields(o, roundTrip(s, o), c.getSimpleName() + " with " + f.getName() + " null");
            }
        }
    }

    @Test
    void freshRecordsRoundTrip() throws Exception {
        assertSameFields(new MessageFact(), roundTrip(FACTS, new MessageFact()), "fact");
        assertSameFields(new StatsRecord(), roundTrip(RECORDS, new StatsRecord()), "record");
    }

    @Test
    void everyFieldOfAFactAloneAndTogetherRoundTrips() throws Exception {
        everyFieldAlone(MessageFact.class, FACTS);
        MessageFact f = full(MessageFact.class, 3);
        assertSameFields(f, roundTrip(FACTS, f), "fact");
        assertSameFields(f, FACTS.copy(f), "copy");
        assertSameFields(f, FACTS.copy(f, new MessageFact()), "copy with reuse");
    }

    @Test
    void everyFieldOfARecordAloneAndTogetherRoundTrips() throws Exception {
        everyFieldAlone(StatsRecord.class, RECORDS);
        StatsRecord r = full(StatsRecord.class, 5);
        assertSameFields(r, roundTrip(RECORDS, r), "record");
        StatsRecord c = RECORDS.copy(r);
        assertSameFields(r, c, "copy");
        assertSameFields(r, RECORDS.copy(r, new StatsRecord()), "copy with reuse");
        // a deep copy: the copy's lists, reasons and sketches are its own
        assertNotSame(r.hosts, c.hosts);
        assertNotSame(r.deferralReasons.get(0), c.deferralReasons.get(0));
        assertNotSame(r.ddelaySketch.items, c.ddelaySketch.items);
        c.deferralReasons.get(0).count++;
        c.ddelaySketch.pending[0]++;
        assertNotEquals(r.deferralReasons.get(0).count, c.deferralReasons.get(0).count);
        assertNotEquals(r.ddelaySketch.pending[0], c.ddelaySketch.pending[0]);
    }

    @Test
    void everyFieldOfANestedReasonAndSketchAloneRoundTrips() throws Exception {
        int salt = 0;
        for (Class<?> nested : List.of(ReasonCount.class, SketchState.class)) {
            for (Field f : fields(nested)) {
                Object o = nested.getConstructor().newInstance();
                Object v = other(f, salt++);
                assertNotEquals(f.get(o), v, f.getName());
                f.set(o, v);
                // pending values count up to the pending count
                if (o instanceof SketchState && f.getName().equals("pending")) ((SketchState) o).pendingCount = 3;
                StatsRecord r = new StatsRecord();
                if (o instanceof ReasonCount) {
                    r.failureReasons.add((ReasonCount) o);
                } else {
                    r.qtimeSketch = (SketchState) o;
                }
                assertSameFields(r, roundTrip(RECORDS, r), nested.getSimpleName() + "." + f.getName());
            }
        }
    }

    @Test
    void valuesOfEveryShapeRoundTrip() throws Exception {
        MessageFact f = new MessageFact();
        f.producer = -5;
        f.producers = 0;
        f.msgId = Long.MIN_VALUE;
        f.tsNanos = Long.MAX_VALUE;
        f.infoNanos = Long.MIN_VALUE; // the difference wraps
        f.startNanos = 0;
        f.uid = -2;
        f.bytes = Long.MAX_VALUE;
        f.successes = Integer.MIN_VALUE;
        f.report = "lone \uD800 high";
        f.sender = "";
        assertSameFields(f, roundTrip(FACTS, f), "fact");

        StatsRecord r = new StatsRecord();
        r.dimension = "a dimension of its own";
        r.key = "";
        r.windowStart = Long.MIN_VALUE;
        r.windowEnd = Long.MAX_VALUE;
        r.revision = -1;
        r.firstNanos = Long.MAX_VALUE;
        r.lastNanos = Long.MIN_VALUE;
        r.messages = -3;
        r.xdelay = -0.0;
        r.ddelay = Double.NaN;
        r.qtimeMax = Double.POSITIVE_INFINITY;
        r.hosts = null;
        r.deferralReasons = new ArrayList<>();
        r.deferralReasons.add(null);
        SketchState s = new SketchState();
        s.pending = new double[] {1, 2};
        s.pendingCount = 5; // more than the array holds
        s.items = new double[0];
        r.ddelaySketch = s;
        assertSameFields(r, roundTrip(RECORDS, r), "record");
        for (String d : List.of(StatsRecord.SENDER, StatsRecord.RECIPIENT, StatsRecord.DOMAIN, StatsRecord.HOST)) {
            StatsRecord k = Measures.empty(new String(d.toCharArray()), "k", 0, 60_000);
            assertSame(d, roundTrip(RECORDS, k).dimension, "a known dimension comes back as the constant");
        }
    }

    @Test
    void aSketchKeepsItsPendingValuesUpToItsCount() throws Exception {
        StatsRecord r = new StatsRecord();
        r.ddelaySketch = new SketchState();
        r.ddelaySketch.pending = new double[] {1.5, 2.5, 9, 9};
        r.ddelaySketch.pendingCount = 2;
        DataOutputSerializer out = new DataOutputSerializer(64);
        RECORDS.serialize(r, out);
        SketchState back = RECORDS.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())).ddelaySketch;
        assertArrayEquals(new double[] {1.5, 2.5, 0, 0}, back.pending, "the unused rest comes back as zeros");
        assertEquals(2, back.pendingCount);
    }

    /** A sender's record as the counting rules make it: a folded sketch, and more reasons than a record keeps. */
    @Test
    void aRecordOfTheCountingRulesRoundTrips() throws Exception {
        StatsRecord r = Measures.empty(StatsRecord.SENDER, "Alice@example.com", 1_795_550_400_000L, 1_795_550_460_000L);
        r.hosts.add("mx1");
        long t = 1_795_550_401_000_000_000L;
        for (int i = 0; i < 6000; i++) {
            MessageFact f = new MessageFact();
            f.kind = i % 3 == 0 ? FactKind.MESSAGE_END : FactKind.ATTEMPT_END;
            f.host = "mx1";
            f.sender = "Alice@Example.COM";
            f.tsNanos = t + i * 1_000_000L;
            f.infoNanos = f.tsNanos - (i + 1) * 7_000_000L;
            f.startNanos = f.tsNanos - 3_000_000L;
            f.bytes = 100 + i;
            f.successes = 1;
            f.outcome = i % 2 == 0 ? Outcome.SUCCESS : Outcome.DEFERRAL;
            f.report = "127.0.0.1_does_not_like_recipient./Remote_host_said:_4" + (50 + (i / 2) % 40) + "_try_later/";
            f.recipient = "r" + i + "@x.org";
            f.channel = "remote";
            Measures.add(r, f);
        }
        assertTrue(r.qtimeSketch.items.length > 0, "the sketch has folded its pending values");
        assertEquals(Measures.MAX_REASONS, r.deferralReasons.size());
        assertTrue(r.otherDeferrals > 0);
        Measures.finish(r);
        StatsRecord back = roundTrip(RECORDS, r);
        assertSameFields(r, back, "record");
        DataOutputSerializer compact = new DataOutputSerializer(1024);
        RECORDS.serialize(r, compact);
        DataOutputSerializer pojo = new DataOutputSerializer(1024);
        PojoTypes.pojoOf(StatsRecord.class).createSerializer(new SerializerConfigImpl()).serialize(r, pojo);
        assertTrue(compact.length() < pojo.length(), compact.length() + " bytes, POJO " + pojo.length());
    }

    @Test
    void aRecordIsSmallerThanItsPojoForm() throws Exception {
        StatsRecord r = Measures.empty(StatsRecord.RECIPIENT, "bob@example.com", 1_795_550_400_000L, 1_795_550_460_000L);
        r.hosts.add("mx1");
        r.channel = "remote";
        r.messages = 1;
        r.successes = 1;
        r.attempts = 1;
        r.successBytes = 2048;
        r.xdelay = 0.25;
        r.ddelay = 3.5;
        r.ddelayCount = 1;
        r.ddelayMax = 3.5;
        r.firstNanos = 1_795_550_401_000_000_000L;
        r.lastNanos = r.firstNanos + 3_500_000_000L;
        r.revision = 1;
        DataOutputSerializer compact = new DataOutputSerializer(256);
        RECORDS.serialize(r, compact);
        DataOutputSerializer pojo = new DataOutputSerializer(256);
        PojoTypes.pojoOf(StatsRecord.class).createSerializer(new SerializerConfigImpl()).serialize(r, pojo);
        assertTrue(compact.length() * 3 < pojo.length(), compact.length() + " bytes, POJO " + pojo.length());
    }

    @Test
    void theSnapshotsRestoreTheSameSerializersAndMigrateFromThePojoSerializer() throws Exception {
        snapshot(FACTS, MessageFact.class);
        snapshot(RECORDS, StatsRecord.class);
        assertSame(FACTS, FACTS.duplicate());
        assertSame(RECORDS, RECORDS.duplicate());
    }

    private <T> void snapshot(TypeSerializer<T> s, Class<T> c) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot(out, s.snapshotConfiguration());
        TypeSerializerSnapshot<T> read = TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertEquals(s, read.restoreSerializer());
        TypeSerializerSchemaCompatibility<T> same = s.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertTrue(same.isCompatibleAsIs());
        TypeSerializerSnapshot<T> pojo = PojoTypes.pojoOf(c).createSerializer(new SerializerConfigImpl()).snapshotConfiguration();
        assertTrue(s.snapshotConfiguration().resolveSchemaCompatibility(pojo).isCompatibleAfterMigration(), c.getName());
        TypeSerializerSnapshot<QmailEvent> other = QmailEventSerializer.INSTANCE.snapshotConfiguration();
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSchemaCompatibility<T> incompatible =
                s.snapshotConfiguration().resolveSchemaCompatibility((TypeSerializerSnapshot) other);
        assertTrue(incompatible.isIncompatible(), c.getName());
    }
}
