package io.qmailfleet.job.alert;

import io.qmailfleet.job.model.CompactTypeInfo;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The type of every {@link RateSample} in the job: {@link RateSampleSerializer}. {@code RateSample}
 * names it with Flink's {@code @TypeInfo} annotation ({@link Factory}), so
 * {@code TypeInformation.of(RateSample.class)}, state descriptors and the types Flink extracts from
 * functions are all this type. It is not a POJO type: nothing selects its fields by name (key it
 * with a key selector).
 */
public final class RateSampleTypeInfo extends CompactTypeInfo<RateSample> {
    private static final long serialVersionUID = 1L;

    public static final RateSampleTypeInfo INSTANCE = new RateSampleTypeInfo();

    /** Flink's type extraction asks this factory for the type of {@code RateSample} (its {@code @TypeInfo}). */
    public static final class Factory extends TypeInfoFactory<RateSample> {
        @Override
        public TypeInformation<RateSample> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return INSTANCE;
        }
    }

    private RateSampleTypeInfo() {
        super(RateSample.class, RateSampleSerializer.INSTANCE);
    }
}
