package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleRecordSerializer;
import io.qmailfleet.job.model.LifecycleRecordTypeInfo;
import io.qmailfleet.job.source.FileLines;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The job's graph, as {@link FleetPipeline} wires it with every stage, carries life cycles in the
 * compact type ({@link LifecycleRecordTypeInfo}) everywhere: streams of life cycles and every POJO
 * field of that type in the relay trace's records, and the relay linker's inputs in theirs; and
 * state descriptors given the class get the compact serializer. No Flink POJO type of
 * {@link LifecycleRecord} is left.
 */
class LifecycleRecordTypesInGraphTest {

    @Test
    void everyLifeCycleInTheGraphHasTheCompactType() {
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {"--input", Capture.multilogDir().toString()}));
        StreamExecutionEnvironment env = PipelineRunner.env(2);
        FleetPipeline.build(FileLines.readers(env, cfg), cfg, new CollectingSinks());

        Set<String> withLifeCycles = new TreeSet<>();
        for (Transformation<?> t : PipelineRunner.transformations(env)) {
            if (check(t.getOutputType(), t.getName())) withLifeCycles.add(t.getName());
        }
        // the host sequencer's life cycles, the relay sides, the linker's matches, the updates
        for (String name : new String[] {"host sequencer + life cycles", "relay offers", "relay receptions", "relay linker",
                "relay link updates", "relay updates"}) {
            assertTrue(withLifeCycles.contains(name), name + " in " + withLifeCycles);
        }
    }

    /** Whether {@code type} holds a life cycle; fails on a POJO type of one. */
    private static boolean check(TypeInformation<?> type, String where) {
        if (type.getTypeClass() == LifecycleRecord.class) {
            assertInstanceOf(LifecycleRecordTypeInfo.class, type, where);
            return true;
        }
        // the relay linker's inputs carry a life cycle (as an object or as bytes) in their own compact types
        if (type.getTypeClass() == io.qmailfleet.job.trace.RelayOffer.class) {
            assertInstanceOf(io.qmailfleet.job.trace.RelaySideSerializers.OfferType.class, type, where);
            return true;
        }
        if (type.getTypeClass() == io.qmailfleet.job.trace.RelayReception.class) {
            assertInstanceOf(io.qmailfleet.job.trace.RelaySideSerializers.ReceptionType.class, type, where);
            return true;
        }
        boolean found = false;
        if (type instanceof CompositeType<?> c) {
            for (int i = 0; i < c.getArity(); i++) found |= check(c.getTypeAt(i), where + "." + (c instanceof PojoTypeInfo<?> p ? p.getPojoFieldAt(i).getField().getName() : i));
        }
        return found;
    }

    @Test
    void stateDescriptorsOfTheClassGetTheCompactSerializer() {
        // as RelayUpdates and the host sequencer declare their state
        ValueStateDescriptor<LifecycleRecord> byClass = new ValueStateDescriptor<>("relay-merged", LifecycleRecord.class);
        byClass.initializeSerializerUnlessSet(new org.apache.flink.api.common.ExecutionConfig());
        assertInstanceOf(LifecycleRecordSerializer.class, byClass.getSerializer());
        ValueStateDescriptor<LifecycleRecord> byType =
                new ValueStateDescriptor<>("lifecycle", TypeInformation.of(LifecycleRecord.class));
        byType.initializeSerializerUnlessSet(new org.apache.flink.api.common.ExecutionConfig());
        assertInstanceOf(LifecycleRecordSerializer.class, byType.getSerializer());
        ListStateDescriptor<LifecycleRecord> list = new ListStateDescriptor<>("l", LifecycleRecord.class);
        list.initializeSerializerUnlessSet(new org.apache.flink.api.common.ExecutionConfig());
        assertEquals(LifecycleRecordSerializer.INSTANCE,
                ((org.apache.flink.api.common.typeutils.base.ListSerializer<LifecycleRecord>) list.getSerializer())
                        .getElementSerializer());
    }
}
