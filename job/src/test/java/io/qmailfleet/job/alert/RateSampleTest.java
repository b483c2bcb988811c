package io.qmailfleet.job.alert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.qmailfleet.job.model.StatsRecord;
import io.qmailfleet.job.testutil.PojoTypes;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The projection of the stats stage's fleet records onto the rate rules' input, its keys, and its
 * compact serializer: every field, found by reflection (so a field added later is covered too), set
 * alone and all together, comes back.
 */
class RateSampleTest {
    private static final TypeSerializer<RateSample> S =
            TypeInformation.of(RateSample.class).createSerializer(new SerializerConfigImpl());

    private static RateSample roundTrip(RateSample s) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        S.serialize(s, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        RateSample back = S.deserialize(in);
        assertEquals(0, in.available(), "every byte read");
        DataOutputSerializer copied = new DataOutputSerializer(64);
        S.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertArrayEquals(out.getCopyOfBuffer(), copied.getCopyOfBuffer());
        return back;
    }

    private static List<Field> fields() {
        List<Field> fields = new ArrayList<>();
        for (Field f : RateSample.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) fields.add(f);
        }
        return fields;
    }

    private static Object other(Field f, int salt) {
        Class<?> t = f.getType();
        if (t == long.class) return 1_000_000_000_000L * 7 + salt;
        if (t == int.class) return 40_000 + salt;
        if (t == String.class) return "v-" + f.getName() + " ü ✓ \n" + salt;
        if (t == List.class) return new ArrayList<>(List.of("mx" + salt, "", "mx-b"));
        throw new AssertionError("RateSample." + f.getName() + " has a type the test does not know: " + t);
    }

    private static void assertSameFields(RateSample expected, RateSample actual) throws Exception {
        for (Field f : fields()) assertEquals(f.get(expected), f.get(actual), f.getName());
    }

    @Test
    void everyFieldAloneAndTogetherRoundTripsThroughTheCompactSerializer() throws Exception {
        assertEquals(RateSampleTypeInfo.INSTANCE, TypeInformation.of(RateSample.class));
        assertSameFields(new RateSample(), roundTrip(new RateSample()));
        RateSample all = new RateSample();
        int salt = 0;
        for (Field f : fields()) {
            RateSample s = new RateSample();
            Object v = other(f, salt++);
            assertNotEquals(f.get(s), v, f.getName());
            f.set(s, v);
            f.set(all, v);
            assertSameFields(s, roundTrip(s));
            if (!f.getType().isPrimitive()) {
                f.set(s, null);
                assertSameFields(s, roundTrip(s));
            }
        }
        assertSameFields(all, roundTrip(all));
        assertSameFields(all, S.copy(all));
        for (String d : List.of(RateSample.DOMAIN, RateSample.SENDER, RateSample.RECIPIENT)) {
            RateSample s = new RateSample();
            s.dimension = new String(d.toCharArray());
            assertSame(d, roundTrip(s).dimension);
        }
        RateSample negative = new RateSample();
        negative.windowStart = Long.MIN_VALUE;
        negative.attempts = -3;
        negative.recipients = 0;
        assertSameFields(negative, roundTrip(negative));
        assertSame(S, S.duplicate());
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot(out, S.snapshotConfiguration());
        TypeSerializerSnapshot<RateSample> read = TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertEquals(S, read.restoreSerializer());
        assertTrue(S.snapshotConfiguration().resolveSchemaCompatibility(read).isCompatibleAsIs());
        TypeSerializerSnapshot<RateSample> pojo = PojoTypes.pojoOf(RateSample.class)
                .createSerializer(new SerializerConfigImpl()).snapshotConfiguration();
        assertTrue(S.snapshotConfiguration().resolveSchemaCompatibility(pojo).isCompatibleAfterMigration());
    }
    private static StatsRecord record(String dimension, String key) {
        StatsRecord r = new StatsRecord();
        r.dimension = dimension;
        r.key = key;
        r.windowStart = 60_000;
        r.windowEnd = 120_000;
        r.revision = 2;
        r.hosts.addAll(List.of("mx1", "mx2"));
        r.attempts = 10;
        r.deferrals = 4;
        r.failures = 1;
        r.accepted = 7;
        return r;
    }

    @Test
    void aDomainRecordKeepsItsWindowRevisionHostsAndCounts() {
        RateSample s = RateSample.of(record(StatsRecord.DOMAIN, "down.example"));
        assertEquals(RateSample.DOMAIN, s.dimension);
        assertEquals("domain:down.example", s.engineKey());
        assertEquals(60_000, s.windowStart);
        assertEquals(120_000, s.windowEnd);
        assertEquals(2, s.revision);
        assertEquals(List.of("mx1", "mx2"), s.hosts);
        assertEquals(10, s.attempts);
        assertEquals(4, s.deferrals);
        assertEquals(1, s.failures);
    }

    @Test
    void aRecipientGoesToItsDomainsKeyOnlyWhenInTrouble() {
        RateSample s = RateSample.of(record(StatsRecord.RECIPIENT, "Bob@Down.Example"));
        assertEquals(RateSample.RECIPIENT, s.dimension);
        assertEquals("domain:down.example", s.engineKey());
        StatsRecord fine = record(StatsRecord.RECIPIENT, "carol@down.example");
        fine.deferrals = 0;
        fine.failures = 0;
        assertNull(RateSample.of(fine));
    }

    @Test
    void aSenderKeepsItsAcceptedCountAndHostsAreNotNeeded() {
        RateSample s = RateSample.of(record(StatsRecord.SENDER, "alice@example.com"));
        assertEquals("sender:alice@example.com", s.engineKey());
        assertEquals(7, s.accepted);
        assertNull(RateSample.of(record(StatsRecord.HOST, "mx1")));
    }
}
