package io.qmailfleet.job.lifecycle;

/**
 * One value held for the current key, as the plain rules see it: a Flink {@code ValueState} in the
 * job, a field in unit tests. Read only when needed, so a rarely used value costs nothing.
 */
public interface StateSlot<V> {
    /** The value, or null if none. */
    V get();

    void set(V value);

    void clear();

    /** A slot in a plain field (tests, benchmarks). */
    static <V> StateSlot<V> inMemory() {
        return new StateSlot<>() {
            private V v;

            @Override public V get() { return v; }
            @Override public void set(V value) { v = value; }
            @Override public void clear() { v = null; }
        };
    }
}
