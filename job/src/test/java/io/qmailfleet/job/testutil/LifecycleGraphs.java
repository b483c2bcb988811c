package io.qmailfleet.job.testutil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.fail;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageRef;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.model.RelayRef;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A life cycle's object graph by reflection: every instance field of {@link LifecycleRecord} and of
 * every class nested in it, so that a field added later is covered without changing the tests
 * (a field of a type this class does not know fails them).
 */
public final class LifecycleGraphs {
    private LifecycleGraphs() {}

    /** The classes of a life cycle's graph. */
    public static final Set<Class<?>> CLASSES =
            Set.of(LifecycleRecord.class, Recipient.class, Attempt.class, MessageRef.class, RelayRef.class);

    public static List<Field> fields(Class<?> c) {
        List<Field> l = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                l.add(f);
            }
        }
        return l;
    }

    /** The element class of a {@code List<X>} field. */
    public static Class<?> elementClass(Field f) {
        return (Class<?>) ((ParameterizedType) f.getGenericType()).getActualTypeArguments()[0];
    }

    /**
     * A value of the field's type other than its default in a fresh object (and other than -1, 0,
     * null, false, an empty list); nested objects and lists are filled the same way.
     */
    public static Object other(Field f, int salt) throws Exception {
        Class<?> t = f.getType();
        if (t == long.class) {
            // times near a real epoch-nanos value, other longs small; negative ones too
            return f.getName().endsWith("Nanos") ? 1_795_550_799_534_648_500L + 1_000_003L * salt : 7_000L + salt;
        }
        if (t == int.class) return 40 + salt;
        if (t == boolean.class) return true;
        if (t == String.class) return "v-" + f.getName() + " ü ✓ " + salt;
        if (t.isEnum()) {
            Object[] c = t.getEnumConstants();
            return c[(salt + 1) % c.length];
        }
        if (t == List.class) {
            List<Object> l = new ArrayList<>();
            for (int i = 0; i < 2; i++) l.add(filled(elementClass(f), salt * 10 + i));
            return l;
        }
        if (CLASSES.contains(t)) return filled(t, salt + 100);
        if (t == byte[].class) return new byte[] {1, (byte) salt, -1, 0, (byte) (salt >> 8)};
        throw new AssertionError(f.getDeclaringClass().getSimpleName() + "." + f.getName()
                + " has a type the test does not know: " + f.getGenericType());
    }

    /** An instance of {@code c} with every field set to a value other than its default. */
    public static <T> T filled(Class<T> c, int salt) throws Exception {
        T o = c.getDeclaredConstructor().newInstance();
        int i = 0;
        for (Field f : fields(c)) f.set(o, other(f, salt + i++));
        return o;
    }

    /** Every field of the two graphs equal, nested objects and lists compared field by field. */
    public static void assertSameGraph(Object expected, Object actual, String path) throws Exception {
        if (expected == null || actual == null) {
            assertEquals(expected, actual, path);
            return;
        }
        Class<?> c = expected.getClass();
        assertEquals(c, actual.getClass(), path);
        if (expected instanceof List<?> le) {
            List<?> la = (List<?>) actual;
            assertEquals(le.size(), la.size(), path + ".size");
            for (int i = 0; i < le.size(); i++) assertSameGraph(le.get(i), la.get(i), path + "[" + i + "]");
            return;
        }
        if (expected instanceof byte[] b) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(b, (byte[]) actual, path);
            return;
        }
        if (!CLASSES.contains(c)) {
            assertEquals(expected, actual, path);
            return;
        }
        for (Field f : fields(c)) assertSameGraph(f.get(expected), f.get(actual), path + "." + f.getName());
    }

    /** No list or nested object of {@code copy} is one of {@code original}'s. */
    public static void assertNothingShared(Object original, Object copy, String path) throws Exception {
        if (original == null || copy == null) return;
        if (original instanceof List<?> lo) {
            assertNotSame(original, copy, path);
            List<?> lc = (List<?>) copy;
            for (int i = 0; i < lo.size(); i++) assertNothingShared(lo.get(i), lc.get(i), path + "[" + i + "]");
            return;
        }
        if (!CLASSES.contains(original.getClass())) return;
        assertNotSame(original, copy, path);
        for (Field f : fields(original.getClass())) assertNothingShared(f.get(original), f.get(copy), path + "." + f.getName());
    }

    /** Sets every field of every object in the graph to another value (strings, numbers, flags, enums). */
    public static void mutate(Object o) throws Exception {
        if (o == null) return;
        if (o instanceof List<?> l) {
            for (Object x : l) mutate(x);
            return;
        }
        if (!CLASSES.contains(o.getClass())) fail("not a life-cycle class: " + o.getClass());
        for (Field f : fields(o.getClass())) {
            Class<?> t = f.getType();
            if (t == List.class || CLASSES.contains(t)) mutate(f.get(o));
            else if (t == boolean.class) f.set(o, !(Boolean) f.get(o));
            else if (t.isEnum()) {
                Object[] c = t.getEnumConstants();
                Object v = f.get(o);
                f.set(o, c[v == null ? 0 : (((Enum<?>) v).ordinal() + 1) % c.length]);
            } else f.set(o, other(f, 777));
        }
    }
}
