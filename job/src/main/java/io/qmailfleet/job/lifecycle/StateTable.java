package io.qmailfleet.job.lifecycle;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A map held for the current key, as the plain host and message rules see it. In the job it is
 * backed by a Flink {@code MapState} of the current host (one RocksDB key per entry, so a get, put or
 * remove costs the same whatever the size); in unit tests by a {@link HashMap}. The rules never see
 * a Flink type.
 */
public interface StateTable<K, V> {
    V get(K key);

    void put(K key, V value);

    void remove(K key);

    boolean isEmpty();

    /** Every entry; the iterator supports {@code remove()} and {@code Entry.setValue()}. */
    Iterator<Map.Entry<K, V>> iterator();

    void clear();

    /** Whether the key has an entry (values are never null). */
    default boolean contains(K key) {
        return get(key) != null;
    }

    /** Every entry, as {@link #iterator} gives them. */
    default Iterable<Map.Entry<K, V>> entries() {
        return this::iterator;
    }

    /**
     * Calls {@code action} with every entry, as {@link #iterator} gives them, without an entry
     * object or a copy of the keys per call; the table must not change until it returns (collect
     * what to remove, then remove it).
     */
    default void forEach(BiConsumer<? super K, ? super V> action) {
        for (Iterator<Map.Entry<K, V>> it = iterator(); it.hasNext(); ) {
            Map.Entry<K, V> e = it.next();
            action.accept(e.getKey(), e.getValue());
        }
    }

    /** Every value. */
    default Iterable<V> values() {
        return () -> {
            Iterator<Map.Entry<K, V>> it = iterator();
            return new Iterator<>() {
                @Override public boolean hasNext() { return it.hasNext(); }
                @Override public V next() { return it.next().getValue(); }
                @Override public void remove() { it.remove(); }
            };
        };
    }

    /** A table in a plain {@link HashMap} (tests, benchmarks). */
    static <K, V> StateTable<K, V> inMemory() {
        Map<K, V> m = new HashMap<>();
        return new StateTable<>() {
            @Override public V get(K key) { return m.get(key); }
            @Override public void put(K key, V value) { m.put(key, value); }
            @Override public void remove(K key) { m.remove(key); }
            @Override public boolean isEmpty() { return m.isEmpty(); }
            @Override public Iterator<Map.Entry<K, V>> iterator() { return m.entrySet().iterator(); }
            @Override public void clear() { m.clear(); }
            @Override public String toString() { return m.toString(); }
        };
    }
}
