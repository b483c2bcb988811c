package io.qmailfleet.job.lifecycle;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link StateSlot} of the current key that keeps its value in memory between checkpoints: read
 * from the slot behind it ({@code backing}, a Flink {@code ValueState}) the first time a key is
 * used after a flush, written to it only by {@link #flush}, before every checkpoint barrier. A
 * host's state, read and written for each of its lines, is then serialized and deserialized once
 * per checkpoint instead of twice per line on RocksDB. What a checkpoint holds is exactly what the
 * backing slot would have held without the cache. {@link #clear} is written through (rare: a host's
 * end).
 *
 * <p>After a flush nothing is held (as {@link WriteBackTable}): on the heap backend a value is next
 * read through the backend, which copies it while a snapshot is running.
 */
final class WriteBackSlot<V> implements StateSlot<V>, HeldState.Holder {
    private final StateSlot<V> backing;
    private final Supplier<String> currentKey;

    /** One key's value as read or last set; dirty when set since the last flush. */
    private static final class Held<V> {
        V value;
        boolean dirty;
    }

    private final Map<String, Held<V>> byKey = new HashMap<>();
    private String lastKey;
    private Held<V> lastHeld;

    WriteBackSlot(StateSlot<V> backing, Supplier<String> currentKey) {
        this.backing = backing;
        this.currentKey = currentKey;
    }

    private Held<V> current() {
        String key = currentKey.get();
        if (key == lastKey && lastHeld != null) return lastHeld;
        Held<V> h = byKey.get(key);
        if (h == null) {
            h = new Held<>();
            h.value = backing.get();
            byKey.put(key, h);
        }
        lastKey = key;
        lastHeld = h;
        return h;
    }

    @Override
    public V get() {
        return current().value;
    }

    @Override
    public void set(V value) {
        if (value == null) {
            clear();
            return;
        }
        Held<V> h = current();
        h.value = value;
        h.dirty = true;
    }

    @Override
    public void clear() {
        Held<V> h = current();
        backing.clear();
        h.value = null;
        h.dirty = false;
    }

    /** Writes every key's value set since the last flush ({@code setKey} makes a key the current one first); then holds nothing. */
    @Override
    public void flush(Consumer<String> setKey) {
        for (Map.Entry<String, Held<V>> e : byKey.entrySet()) {
            Held<V> h = e.getValue();
            if (!h.dirty) continue;
            setKey.accept(e.getKey());
            backing.set(h.value);
        }
        byKey.clear();
        lastKey = null;
        lastHeld = null;
    }

    /** Values set and not yet written, all keys. */
    @Override
    public int held() {
        int n = 0;
        for (Held<V> h : byKey.values()) if (h.dirty) n++;
        return n;
    }
}
