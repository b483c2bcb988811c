package io.qmailfleet.job.model;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The type of every {@link StatsRecord} in the job: {@link StatsRecordSerializer}, which writes its
 * nested {@link ReasonCount}s and {@link SketchState}s too. {@code StatsRecord} names it with
 * Flink's {@code @TypeInfo} annotation ({@link Factory}), so
 * {@code TypeInformation.of(StatsRecord.class)}, output tags, state descriptors and the types Flink
 * extracts from functions are all this type. It is not a POJO type: nothing selects its fields by
 * name (key it with a key selector).
 */
public final class StatsRecordTypeInfo extends CompactTypeInfo<StatsRecord> {
    private static final long serialVersionUID = 1L;

    public static final StatsRecordTypeInfo INSTANCE = new StatsRecordTypeInfo();

    /** Flink's type extraction asks this factory for the type of {@code StatsRecord} (its {@code @TypeInfo}). */
    public static final class Factory extends TypeInfoFactory<StatsRecord> {
        @Override
        public TypeInformation<StatsRecord> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return INSTANCE;
        }
    }

    private StatsRecordTypeInfo() {
        super(StatsRecord.class, StatsRecordSerializer.INSTANCE);
    }
}
