package io.qmailfleet.job.testutil;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.TypeExtractor;

/**
 * Flink's POJO type of a class that names its own type with {@code @TypeInfo}, built the way
 * Flink's type extraction builds it for a class without one (each field's type from its declared
 * generic type): the type the job's state and channels had before the class named its own, for
 * savepoint migration tests.
 */
public final class PojoTypes {
    private PojoTypes() {}

    public static <T> PojoTypeInfo<T> pojoOf(Class<T> c) {
        List<PojoField> fields = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m) || Modifier.isTransient(m)) continue;
            TypeInformation<?> t = TypeExtractor.createTypeInfo(f.getGenericType());
            fields.add(new PojoField(f, t));
        }
        return new PojoTypeInfo<>(c, fields);
    }
}
