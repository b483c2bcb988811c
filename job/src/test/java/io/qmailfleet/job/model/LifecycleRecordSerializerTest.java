package io.qmailfleet.job.model;

import static io.qmailfleet.job.testutil.LifecycleGraphs.assertNothingShared;
import static io.qmailfleet.job.testutil.LifecycleGraphs.assertSameGraph;
import static io.qmailfleet.job.testutil.LifecycleGraphs.fields;
import static io.qmailfleet.job.testutil.LifecycleGraphs.filled;
import static io.qmailfleet.job.testutil.LifecycleGraphs.mutate;
import static io.qmailfleet.job.testutil.LifecycleGraphs.other;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The compact serializer of life cycles keeps every field of {@link LifecycleRecord} and of every
 * class nested in it: each field, found by reflection (so a field added later is covered too), set
 * alone and all together, defaults, nulls and empty lists; copies are deep; the snapshot restores it.
 */
class LifecycleRecordSerializerTest {
    private static final TypeSerializer<LifecycleRecord> S =
            TypeInformation.of(LifecycleRecord.class).createSerializer(new SerializerConfigImpl());

    static byte[] bytes(LifecycleRecord r) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        S.serialize(r, out);
        return out.getCopyOfBuffer();
    }

    static LifecycleRecord roundTrip(LifecycleRecord r) throws Exception {
        byte[] b = bytes(r);
        DataInputDeserializer in = new DataInputDeserializer(b);
        LifecycleRecord back = S.deserialize(in);
        assertEquals(0, in.available(), "every byte read");
        // and through copy(in, out), as a channel that forwards serialized records does
        DataOutputSerializer copied = new DataOutputSerializer(64);
        S.copy(new DataInputDeserializer(b), copied);
        assertArrayEquals(b, copied.getCopyOfBuffer());
        // and through copy()
        assertSameGraph(r, S.copy(r), "copy");
        return back;
    }

    @Test
    void theTypeOfTheClassIsTheCompactOne() {
        assertInstanceOf(LifecycleRecordSerializer.class, S);
        assertEquals(LifecycleRecordTypeInfo.INSTANCE, TypeInformation.of(LifecycleRecord.class));
    }

    @Test
    void aFreshRecordRoundTrips() throws Exception {
        assertSameGraph(new LifecycleRecord(), roundTrip(new LifecycleRecord()), "r");
        assertTrue(bytes(new LifecycleRecord()).length <= 2, "a fresh record is its presence bits");
    }

    /** A record holding one default instance of every nested class, at every place one can be. */
    private static LifecycleRecord skeleton() {
        LifecycleRecord r = new LifecycleRecord();
        Recipient rc = new Recipient();
        Attempt a = new Attempt();
        a.relayedTo = new RelayRef();
        rc.attempts.add(a);
        rc.attempts.add(new Attempt());
        r.recipients.add(rc);
        r.recipients.add(new Recipient());
        r.bounceOf = new MessageRef();
        r.forwardOf = new MessageRef();
        r.relayedFrom = new RelayRef();
        return r;
    }

    /** The objects of class {@code c} in a skeleton. */
    private static List<Object> instancesOf(Class<?> c, LifecycleRecord r) {
        if (c == LifecycleRecord.class) return List.of(r);
        if (c == Recipient.class) return new ArrayList<>(r.recipients);
        if (c == Attempt.class) return new ArrayList<>(r.recipients.get(0).attempts);
        if (c == MessageRef.class) return List.of(r.bounceOf, r.forwardOf);
        if (c == RelayRef.class) return List.of(r.relayedFrom, r.recipients.get(0).attempts.get(0).relayedTo);
        throw new AssertionError(c);
    }

    @Test
    void everyFieldOfEveryClassAloneRoundTrips() throws Exception {
        int salt = 0;
        int n = 0;
        for (Class<?> c : List.of(LifecycleRecord.class, Recipient.class, Attempt.class, MessageRef.class, RelayRef.class)) {
            for (Field f : fields(c)) {
                for (int place = 0; place < instancesOf(c, skeleton()).size(); place++) {
                    LifecycleRecord r = skeleton();
                    Object o = instancesOf(c, r).get(place);
                    Object v = other(f, salt++);
                    assertNotEquals(f.get(o), v, c.getSimpleName() + "." + f.getName());
                    f.set(o, v);
                    assertSameGraph(r, roundTrip(r), c.getSimpleName() + "." + f.getName());
                    n++;
                }
            }
        }
        assertTrue(n > 60, "fields tried: " + n);
    }

    @Test
    void everyFieldTogetherRoundTrips() throws Exception {
        for (int salt = 0; salt < 5; salt++) {
            LifecycleRecord r = filled(LifecycleRecord.class, salt);
            assertSameGraph(r, roundTrip(r), "r");
        }
    }

    @Test
    void nullsEmptiesAndUnusualValuesRoundTrip() throws Exception {
        LifecycleRecord r = new LifecycleRecord();
        r.recipients = null;
        assertNull(roundTrip(r).recipients);

        r = skeleton();
        r.recipients.get(0).attempts = null;
        r.recipients.get(1).attempts = new ArrayList<>();
        r.recipients.add(null);
        r.recipients.get(0).address = "";
        r.recipients.get(0).mailbox = "";
        r.recipients.get(1).address = "Bob@Example.COM";
        r.recipients.get(1).mailbox = "bob@example.com"; // differs in case only: kept as logged
        r.recipients.get(1).channel = "neither";
        r.recipients.get(1).finalOutcome = "";
        r.recipients.get(1).attempts.add(null);
        r.sender = "";
        r.senderKind = "other";
        r.msgId = Long.MIN_VALUE;
        r.uid = Long.MAX_VALUE;
        r.run = Integer.MIN_VALUE;
        r.successes = -5;
        r.newNanos = Long.MAX_VALUE;
        r.infoNanos = Long.MIN_VALUE; // the largest difference there is
        r.endNanos = 0;
        r.asOfNanos = -2;
        r.bounceOf.recipient = "lone \uD800 high";
        LifecycleRecord back = roundTrip(r);
        assertSameGraph(r, back, "r");
        assertNull(back.recipients.get(0).attempts);
        assertNull(back.recipients.get(2));
        assertNull(back.recipients.get(1).attempts.get(0));
    }

    @Test
    void usualStringsComeBackShared() throws Exception {
        for (String[] known : List.of(LifecycleRecordSerializer.CHANNELS, LifecycleRecordSerializer.FINAL_OUTCOMES,
                LifecycleRecordSerializer.SENDER_KINDS)) {
            for (String s : known) {
                LifecycleRecord r = skeleton();
                r.senderKind = new String(s); // an equal string, not the constant
                r.recipients.get(0).channel = new String(s);
                r.recipients.get(0).finalOutcome = new String(s);
                LifecycleRecord back = roundTrip(r);
                assertSameGraph(r, back, "r");
                if (Arrays.asList(LifecycleRecordSerializer.SENDER_KINDS).contains(s)) assertSame(s, back.senderKind);
                if (Arrays.asList(LifecycleRecordSerializer.CHANNELS).contains(s)) assertSame(s, back.recipients.get(0).channel);
            }
        }
        LifecycleRecord r = skeleton();
        r.recipients.get(0).address = "alice@example.org";
        r.recipients.get(0).mailbox = new String("alice@example.org");
        LifecycleRecord back = roundTrip(r);
        assertSame(back.recipients.get(0).address, back.recipients.get(0).mailbox);
    }

    @Test
    void aTypicalLifeCycleIsSmall() throws Exception {
        LifecycleRecord r = new LifecycleRecord();
        r.host = "mail";
        r.msgId = 3_211_405;
        r.run = 1;
        r.status = LifecycleStatus.COMPLETE;
        r.newNanos = 1_795_550_799_534_648_500L;
        r.infoNanos = r.newNanos + 2_000_000;
        r.endNanos = r.newNanos + 420_000_000;
        r.asOfNanos = r.endNanos;
        r.bytes = 4321;
        r.sender = "alice@example.org";
        r.senderKind = "normal";
        r.qp = 12345;
        r.uid = 1004;
        r.successes = 1;
        Recipient rc = new Recipient();
        rc.address = "bob@example.net";
        rc.mailbox = rc.address;
        rc.domain = "example.net";
        rc.channel = "remote";
        rc.finalOutcome = "success";
        Attempt a = new Attempt();
        a.deliveryId = 17;
        a.run = 1;
        a.startNanos = r.infoNanos + 1_000_000;
        a.endNanos = r.endNanos - 1_000_000;
        a.outcome = Outcome.SUCCESS;
        a.report = "192.0.2.1_accepted_message./Remote_host_said:_250_ok_1795550799_qp_4242/";
        rc.attempts.add(a);
        r.recipients.add(rc);
        assertSameGraph(r, roundTrip(r), "r");
        int size = bytes(r).length;
        DataOutputSerializer pojo = new DataOutputSerializer(64);
        LifecycleRecordStateMigrationTest.pojoType(LifecycleRecord.class).createSerializer(new SerializerConfigImpl())
                .serialize(r, pojo);
        // the strings alone are 126 bytes
        assertTrue(size < 200 && size * 3 < pojo.length() * 2, "bytes: " + size + ", POJO serializer: " + pojo.length());
    }

    @Test
    void copiesAreDeep() throws Exception {
        LifecycleRecord original = filled(LifecycleRecord.class, 3);
        LifecycleRecord copy = S.copy(original);
        assertSameGraph(original, copy, "copy");
        assertNothingShared(original, copy, "r");
        LifecycleRecord reused = S.copy(original, new LifecycleRecord());
        assertNothingShared(original, reused, "r");
        mutate(copy);
        mutate(reused);
        assertSameGraph(filled(LifecycleRecord.class, 3), original, "original after the copies changed");
        assertNull(S.copy((LifecycleRecord) null));
    }

    @Test
    void theSnapshotRestoresTheSameSerializer() throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot(out, S.snapshotConfiguration());
        TypeSerializerSnapshot<LifecycleRecord> read = TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertEquals(S, read.restoreSerializer());
        TypeSerializerSchemaCompatibility<LifecycleRecord> c = S.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertTrue(c.isCompatibleAsIs());
        // the POJO serializer's snapshot of the same class: migrated
        TypeSerializerSnapshot<LifecycleRecord> pojo = LifecycleRecordStateMigrationTest.pojoType(LifecycleRecord.class)
                .createSerializer(new SerializerConfigImpl()).snapshotConfiguration();
        assertTrue(S.snapshotConfiguration().resolveSchemaCompatibility(pojo).isCompatibleAfterMigration());
    }
}
