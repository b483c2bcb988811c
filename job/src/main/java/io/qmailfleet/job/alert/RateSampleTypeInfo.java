package io.qmailfleet.job.alert;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type of every {@link RateSample} in the job: {@link RateSampleSerializer}. {@code RateSample}
 * names it with Flink's {@code @TypeInfo} annotation ({@link Factory}), so
 * {@code TypeInformation.of(RateSample.class)}, state descriptors and the types Flink extracts from
 * functions are all this type. It is not a POJO type: nothing selects its fields by name (key it
 * with a key selector).
 */
public final class RateSampleTypeInfo extends TypeInformation<RateSample> {
    private static final long serialVersionUID = 1L;

    public static final RateSampleTypeInfo INSTANCE = new RateSampleTypeInfo();

    /** Flink's type extraction asks this factory for the type of {@code RateSample} (its {@code @TypeInfo}). */
    public static final class Factory extends TypeInfoFactory<RateSample> {
        @Override
        public TypeInformation<RateSample> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return INSTANCE;
        }
    }

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
    public Class<RateSample> getTypeClass() {
        return RateSample.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<RateSample> createSerializer(SerializerConfig config) {
        return RateSampleSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "RateSample (compact)";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof RateSampleTypeInfo;
    }

    @Override
    public int hashCode() {
        return RateSampleTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof RateSampleTypeInfo;
    }
}
