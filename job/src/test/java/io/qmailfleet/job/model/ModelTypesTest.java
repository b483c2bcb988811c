package io.qmailfleet.job.model;

import io.qmailfleet.job.model.LifecycleStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.qmailfleet.job.sink.KeyedJson;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Every record type on the job's streams is a Flink POJO whose serializer, nested lists included,
 * can be built with generic types disabled: nothing falls back to Kryo. {@link LifecycleRecord} has
 * its own hand-written serializer instead, which Flink's type extraction finds through the class's
 * {@code @TypeInfo}.
 */
class ModelTypesTest {
    private static final List<Class<?>> STREAM_TYPES = List.of(RawLine.class, QmailEvent.class, DeadLetter.class,
            Recipient.class, Attempt.class, MessageRef.class, MessageAlert.class, KeyedJson.class,
            MessageFact.class, StatsRecord.class, ReasonCount.class, SketchState.class);

    @Test
    void everyStreamTypeIsAPojoWithoutGenericFields() {
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);
        for (Class<?> c : STREAM_TYPES) {
            TypeInformation<?> info = TypeInformation.of(c);
            assertInstanceOf(PojoTypeInfo.class, info, c.getName());
            assertNotNull(info.createSerializer(noKryo), c.getName()); // throws on a generic (Kryo) field
        }
    }

    @Test
    void aLifecycleRecordHasItsCompactTypeWithoutGenericFields() {
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);
        TypeInformation<LifecycleRecord> info = TypeInformation.of(LifecycleRecord.class);
        assertInstanceOf(LifecycleRecordTypeInfo.class, info);
        assertInstanceOf(LifecycleRecordSerializer.class, info.createSerializer(noKryo));
    }

    @Test
    void aLifecycleRecordSurvivesItsFlinkSerializer() throws Exception {
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);
        TypeSerializer<LifecycleRecord> s = TypeInformation.of(LifecycleRecord.class).createSerializer(noKryo);
        LifecycleRecord r = new LifecycleRecord();
        r.host = "mx1";
        r.msgId = 42;
        r.status = LifecycleStatus.COMPLETE;
        r.sender = "";
        r.bounceOf = new MessageRef(7, 123L, 999, null);
        Recipient rc = new Recipient();
        rc.address = "Bob@Example.COM";
        rc.domain = "example.com";
        rc.channel = "remote";
        Attempt a = new Attempt();
        a.deliveryId = 3;
        a.outcome = Outcome.DEFERRAL;
        a.report = "";
        rc.attempts.add(a);
        r.recipients.add(rc);

        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(r, out);
        LifecycleRecord back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertEquals("Bob@Example.COM", back.recipients.get(0).address);
        assertEquals(Outcome.DEFERRAL, back.recipients.get(0).attempts.get(0).outcome);
        assertEquals("", back.recipients.get(0).attempts.get(0).report);
        assertEquals(7, back.bounceOf.msgId);
        assertEquals("", back.sender);
    }
}
