package io.qmailfleet.job.model;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type of the job's {@link QmailEvent} streams and of the host sequencer's reorder buffer:
 * {@link QmailEventSerializer}. ({@code TypeInformation.of(QmailEvent.class)} stays Flink's POJO
 * type.) Streams of events that are united must all use this type.
 */
public final class QmailEventTypeInfo extends TypeInformation<QmailEvent> {
    private static final long serialVersionUID = 1L;

    public static final QmailEventTypeInfo INSTANCE = new QmailEventTypeInfo();

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<QmailEvent> getTypeClass() {
        return QmailEvent.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<QmailEvent> createSerializer(SerializerConfig config) {
        return QmailEventSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "QmailEvent (compact)";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof QmailEventTypeInfo;
    }

    @Override
    public int hashCode() {
        return QmailEventTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof QmailEventTypeInfo;
    }
}
