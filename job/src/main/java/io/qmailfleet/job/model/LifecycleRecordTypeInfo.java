package io.qmailfleet.job.model;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The type of {@link LifecycleRecord}: {@link LifecycleRecordSerializer}. {@code LifecycleRecord}
 * carries {@code @TypeInfo(LifecycleRecordTypeInfo.Factory.class)}, so Flink's type extraction
 * returns this type for the class itself ({@code TypeInformation.of}, state descriptors given the
 * class, functions' result types) and for every POJO field of that type (the relay trace's
 * {@code RelayMatch}; {@code RelayOffer} and {@code RelayReception} have serializers of their own that
 * write their life cycle with this one). The nested
 * {@link Recipient}, {@link Attempt}, {@link MessageRef} and {@link RelayRef} are written by the same
 * serializer; on their own they stay Flink POJOs.
 */
public final class LifecycleRecordTypeInfo extends CompactTypeInfo<LifecycleRecord> {
    private static final long serialVersionUID = 1L;

    public static final LifecycleRecordTypeInfo INSTANCE = new LifecycleRecordTypeInfo();

    /** Named by {@link LifecycleRecord}'s {@code @TypeInfo} annotation. */
    public static final class Factory extends TypeInfoFactory<LifecycleRecord> {
        @Override
        public TypeInformation<LifecycleRecord> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return INSTANCE;
        }
    }

    private LifecycleRecordTypeInfo() {
        super(LifecycleRecord.class, LifecycleRecordSerializer.INSTANCE);
    }
}
