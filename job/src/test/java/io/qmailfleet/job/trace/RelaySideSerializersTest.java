package io.qmailfleet.job.trace;

import static io.qmailfleet.job.testutil.LifecycleGraphs.assertSameGraph;
import static io.qmailfleet.job.testutil.LifecycleGraphs.fields;
import static io.qmailfleet.job.testutil.LifecycleGraphs.other;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.LifecycleRecordStateMigrationTest;
import java.lang.reflect.Field;
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
 * The hand-written serializers of the relay linker's offers and receptions keep every field (found
 * by reflection, so a field added later is covered too), alone and together, in both forms (with
 * the life-cycle object, and compact); copies are deep; the snapshots restore them and migrate the
 * POJO serializer's state.
 */
class RelaySideSerializersTest {
    private static final SerializerConfigImpl CONFIG = new SerializerConfigImpl();

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(Class<T> c, T x) throws Exception {
        TypeSerializer<T> s = TypeInformation.of(c).createSerializer(CONFIG);
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(x, out);
        byte[] b = out.getCopyOfBuffer();
        DataInputDeserializer in = new DataInputDeserializer(b);
        T back = s.deserialize(in);
        assertEquals(0, in.available(), "every byte read");
        DataOutputSerializer copied = new DataOutputSerializer(64);
        s.copy(new DataInputDeserializer(b), copied);
        assertArrayEquals(b, copied.getCopyOfBuffer());
        T copy = s.copy(x);
        assertSameFields(x, copy);
        for (Field f : fields(c)) {
            Object v = f.get(x);
            if (v != null && !(v instanceof String) && !(v instanceof Number) && !(v instanceof Boolean)) {
                assertNotSame(v, f.get(copy), "copy shares " + f.getName());
            }
        }
        return back;
    }

    private static void assertSameFields(Object expected, Object actual) throws Exception {
        for (Field f : fields(expected.getClass())) assertSameGraph(f.get(expected), f.get(actual), f.getName());
    }

    @Test
    void theTypesAreTheCompactOnes() {
        assertInstanceOf(RelaySideSerializers.OfferSerializer.class, TypeInformation.of(RelayOffer.class).createSerializer(CONFIG));
        assertInstanceOf(RelaySideSerializers.ReceptionSerializer.class,
                TypeInformation.of(RelayReception.class).createSerializer(CONFIG));
    }

    @Test
    void everyFieldAloneAndTogetherRoundTrips() throws Exception {
        for (Class<?> c : List.of(RelayOffer.class, RelayReception.class)) {
            int salt = 0;
            Object all = c.getDeclaredConstructor().newInstance();
            for (Field f : fields(c)) {
                Object x = c.getDeclaredConstructor().newInstance();
                Object v = other(f, salt++);
                assertNotEquals(f.get(x), v, c.getSimpleName() + "." + f.getName());
                f.set(x, v);
                f.set(all, other(f, salt));
                assertSameFields(x, roundTrip(cast(c), x));
            }
            assertSameFields(all, roundTrip(cast(c), all));
            Object fresh = c.getDeclaredConstructor().newInstance();
            assertSameFields(fresh, roundTrip(cast(c), fresh));
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> Class<T> cast(Class<?> c) {
        return (Class<T>) c;
    }

    @Test
    void bothFormsRoundTrip() throws Exception {
        RelayOffer o = RelayLinkerTest.offer("mx1", 11, RelayLinkerTest.T, "10.0.0.2", RelayLinkerTest.T, 4242);
        assertSameFields(o, roundTrip(RelayOffer.class, o));
        o.pack(null);
        RelayOffer back = roundTrip(RelayOffer.class, o);
        assertSameFields(o, back);
        assertEquals("bob@b.example", back.sender().recipients.get(0).address);
        RelayReception r = RelayLinkerTest.received("mbox1", 22, RelayLinkerTest.T * RelayLinkerTest.SEC, 4242);
        assertSameFields(r, roundTrip(RelayReception.class, r));
        r.pack();
        RelayReception rb = roundTrip(RelayReception.class, r);
        assertSameFields(r, rb);
        assertEquals(22, rb.receiver().msgId);
    }

    @Test
    void theSnapshotsRestoreAndMigrateThePojoSerializersState() throws Exception {
        for (Class<?> c : List.of(RelayOffer.class, RelayReception.class)) {
            TypeSerializer<Object> s = TypeInformation.of(cast(c)).createSerializer(CONFIG);
            DataOutputSerializer out = new DataOutputSerializer(64);
            TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot(out, s.snapshotConfiguration());
            TypeSerializerSnapshot<Object> read = TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                    new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
            assertEquals(s, read.restoreSerializer());
            assertTrue(s.snapshotConfiguration().resolveSchemaCompatibility(read).isCompatibleAsIs());
            TypeSerializerSnapshot<Object> pojo = LifecycleRecordStateMigrationTest.pojoType(cast(c))
                    .createSerializer(CONFIG).snapshotConfiguration();
            assertTrue(s.snapshotConfiguration().resolveSchemaCompatibility(pojo).isCompatibleAfterMigration(), c.getName());
        }
    }
}
