package io.qmailfleet.job.model;

import io.qmailfleet.job.model.LifecycleStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.alert.RateSample;
import io.qmailfleet.job.alert.RateSampleTypeInfo;
import io.qmailfleet.job.lifecycle.HostSequencer;
import io.qmailfleet.job.sink.KeyedJson;
import io.qmailfleet.job.source.FileLines;
import io.qmailfleet.job.stats.HostWindows;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
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
 * can be built with generic types disabled (nothing falls back to Kryo), or names its own
 * hand-written serializer with {@code @TypeInfo} ({@link LifecycleRecord}, {@link MessageFact},
 * {@link StatsRecord}): then every type Flink makes of it is that one, in the pipeline's streams too.
 */
class ModelTypesTest {
    private static final List<Class<?>> STREAM_TYPES = List.of(RawLine.class, QmailEvent.class, DeadLetter.class,
            Recipient.class, Attempt.class, MessageRef.class, MessageAlert.class, KeyedJson.class,
            ReasonCount.class, SketchState.class);

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
    void theStatsTypesNameTheirOwnSerializers() {
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);
        assertEquals(MessageFactTypeInfo.INSTANCE, TypeInformation.of(MessageFact.class));
        assertEquals(StatsRecordTypeInfo.INSTANCE, TypeInformation.of(StatsRecord.class));
        assertEquals(MessageFactTypeInfo.INSTANCE, TypeExtractor.createTypeInfo(MessageFact.class));
        assertSame(MessageFactSerializer.INSTANCE, TypeInformation.of(MessageFact.class).createSerializer(noKryo));
        assertSame(StatsRecordSerializer.INSTANCE, TypeInformation.of(StatsRecord.class).createSerializer(noKryo));
        // the output tags and the state of the stats stage
        assertEquals(MessageFactTypeInfo.INSTANCE, HostSequencer.FACTS.getTypeInfo());
        assertEquals(MessageFactTypeInfo.INSTANCE, HostWindows.LATE_FACTS.getTypeInfo());
        MapStateDescriptor<String, StatsRecord> d = new MapStateDescriptor<>("parts", String.class, StatsRecord.class);
        d.initializeSerializerUnlessSet(new org.apache.flink.api.common.ExecutionConfig());
        assertSame(StatsRecordSerializer.INSTANCE, d.getValueSerializer());
        // as a list's elements, and as a function's result (a lambda's, as the stages use)
        assertEquals(StatsRecordTypeInfo.INSTANCE,
                ((org.apache.flink.api.java.typeutils.ListTypeInfo<?>) new TypeHint<List<StatsRecord>>() {}.getTypeInfo())
                        .getElementTypeInfo());
        MapFunction<MessageFact, StatsRecord> f = new MapFunction<>() {
            @Override
            public StatsRecord map(MessageFact value) {
                return new StatsRecord();
            }
        };
        assertEquals(StatsRecordTypeInfo.INSTANCE, TypeExtractor.getMapReturnTypes(f, MessageFactTypeInfo.INSTANCE));
    }

    /**
     * The streams of the whole job's graph (every stage, every output on) that carry facts, stats
     * records or rate samples are all of the hand-written types, and there are such streams on both
     * sides of each shuffle of the stats stage.
     */
    @Test
    void thePipelinesStatsStreamsUseTheHandWrittenSerializers() throws Exception {
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {
                "--input", Capture.repo().resolve("samples/fleet").toString(), "--events", "true"}));
        StreamExecutionEnvironment env = PipelineRunner.env(2);
        FleetPipeline.build(FileLines.readers(env, cfg), cfg, new CollectingSinks());
        List<Transformation<?>> all = PipelineRunner.transformations(env);
        Map<String, TypeInformation<?>> stats = new TreeMap<>();
        for (Transformation<?> t : all) {
            Class<?> c = t.getOutputType().getTypeClass();
            if (c == MessageFact.class || c == StatsRecord.class || c == RateSample.class) {
                stats.put(t.getName() + "#" + t.getId(), t.getOutputType());
                Class<?> expected = c == MessageFact.class ? MessageFactTypeInfo.class
                        : c == StatsRecord.class ? StatsRecordTypeInfo.class : RateSampleTypeInfo.class;
                assertEquals(expected, t.getOutputType().getClass(), t.getName());
            }
        }
        Set<String> names = new HashSet<>();
        for (String k : stats.keySet()) names.add(k.substring(0, k.lastIndexOf('#')));
        assertTrue(names.contains("stats host windows"), stats.toString());
        assertTrue(names.contains("stats fleet roll-up"), stats.toString());
        assertTrue(names.contains("stats senders"), stats.toString());
        assertTrue(names.contains("alert rate samples"), stats.toString());
        // the host sequencer's facts (a side output) and both shuffles
        assertTrue(stats.entrySet().stream().anyMatch(e -> e.getKey().startsWith("SideOutput#")
                && e.getValue().equals(MessageFactTypeInfo.INSTANCE)), stats.toString());
        assertTrue(stats.entrySet().stream().anyMatch(e -> e.getKey().startsWith("Partition#")
                && e.getValue().equals(MessageFactTypeInfo.INSTANCE)), stats.toString());
        assertTrue(stats.entrySet().stream().anyMatch(e -> e.getKey().startsWith("Partition#")
                && e.getValue().equals(StatsRecordTypeInfo.INSTANCE)), stats.toString());
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
