package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.testutil.LifecycleGraphs.assertNothingShared;
import static io.qmailfleet.job.testutil.LifecycleGraphs.assertSameGraph;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleRecordSerializer;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import io.qmailfleet.job.model.LifecycleRecordStateMigrationTest;
import io.qmailfleet.job.model.QmailEvent;
import org.junit.jupiter.api.Test;

/**
 * Every life cycle of the real capture (the 539 of real-capture-1) comes back from the compact
 * serializer with every field, copies of it are deep, and its compact form is smaller than Flink's
 * POJO serializer's.
 */
class CaptureLifecyclesSerializerTest {
    @Test
    void everyLifeCycleOfTheCaptureRoundTrips() throws Exception {
        @SuppressWarnings("unchecked")
        PojoSerializer<LifecycleRecord> pojo = (PojoSerializer<LifecycleRecord>) LifecycleRecordStateMigrationTest
                .pojoType(LifecycleRecord.class).createSerializer(new SerializerConfigImpl());
        long compactBytes = 0;
        long pojoBytes = 0;
        try (Pipeline p = new Pipeline(new LifecycleConfig())) {
            p.feed(RealCaptureTest.captureEvents().toArray(new QmailEvent[0]));
            p.endOfInput();
            assertEquals(539, p.records.size());
            for (LifecycleRecord r : p.records) {
                byte[] b = LifecycleRecordSerializer.toBytes(r);
                assertSameGraph(r, LifecycleRecordSerializer.fromBytes(b), "msg " + r.msgId);
                LifecycleRecord copy = LifecycleRecordSerializer.INSTANCE.copy(r);
                assertSameGraph(r, copy, "copy of msg " + r.msgId);
                assertNothingShared(r, copy, "copy of msg " + r.msgId);
                compactBytes += b.length;
                DataOutputSerializer out = new DataOutputSerializer(256);
                pojo.serialize(r, out);
                pojoBytes += out.length();
            }
        }
        assertTrue(compactBytes * 3 < pojoBytes * 2, "compact " + compactBytes + " bytes, POJO " + pojoBytes);
    }
}
