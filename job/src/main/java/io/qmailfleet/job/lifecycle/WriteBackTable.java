package io.qmailfleet.job.lifecycle;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link StateTable} of the current key that keeps its changes in memory and writes them to the
 * table behind it ({@code backing}, a Flink {@code MapState}) only when {@link #flush} is called:
 * before every checkpoint barrier. For the reorder buffer's FIFO, whose lines are put, read and
 * removed within {@code --max-out-of-order} of log time, most entries then never reach the state
 * backend (on RocksDB a put, a get and a delete per line). What a checkpoint holds is exactly what
 * the backing table would have held without the cache.
 *
 * <p>Per key: the entries put since the last flush, and which keys are in the backing table (those
 * flushed; after a restore, those the checkpoint held, listed once when the key is first used), so
 * that a read or a removal reaches it only when the entry is there.
 * Supports get, put, remove and clear; not {@link #isEmpty} or {@link #iterator} (it would have to
 * merge both sides), which the FIFO does not use.
 */
final class WriteBackTable<K, V> implements StateTable<K, V> {
    private final StateTable<K, V> backing;
    private final Supplier<String> currentKey;
    /** State was restored: a key's entries in the backing table are listed when the key is first used. */
    private final boolean restored;

    /** One key's changes since the last flush. */
    private static final class Changes<K, V> {
        final Map<K, V> puts = new HashMap<>();
        /** Keys known to be in the backing table (flushed, or read from it). */
        final Set<K> inBacking = new HashSet<>();
        /** Keys of {@link #inBacking} removed since the last flush. */
        final Set<K> removed = new HashSet<>();
    }

    private final Map<String, Changes<K, V>> byKey = new HashMap<>();

    /**
     * @param restored whether the operator's state was restored; if not, the backing table holds
     *                 only what this table flushed to it
     */
    WriteBackTable(StateTable<K, V> backing, Supplier<String> currentKey, boolean restored) {
        this.backing = backing;
        this.currentKey = currentKey;
        this.restored = restored;
    }

    private Changes<K, V> changes() {
        String key = currentKey.get();
        Changes<K, V> c = byKey.get(key);
        if (c == null) {
            c = new Changes<>();
            if (restored) {
                // the key's entries from the checkpoint (few: a FIFO holds the lines of the bound)
                for (Iterator<Map.Entry<K, V>> it = backing.iterator(); it.hasNext(); ) c.inBacking.add(it.next().getKey());
            }
            byKey.put(key, c);
        }
        return c;
    }

    @Override
    public V get(K key) {
        Changes<K, V> c = changes();
        V v = c.puts.get(key);
        if (v != null || !c.inBacking.contains(key) || c.removed.contains(key)) return v;
        return backing.get(key);
    }

    @Override
    public void put(K key, V value) {
        Changes<K, V> c = changes();
        c.puts.put(key, value);
        c.removed.remove(key);
    }

    @Override
    public void remove(K key) {
        Changes<K, V> c = changes();
        c.puts.remove(key);
        if (c.inBacking.contains(key)) c.removed.add(key);
    }

    @Override
    public void clear() {
        Changes<K, V> c = changes();
        c.puts.clear();
        c.removed.clear();
        // rare (a host's end): written through, so nothing of the key is left in state
        if (!c.inBacking.isEmpty()) {
            backing.clear();
            c.inBacking.clear();
        }
    }

    @Override
    public boolean isEmpty() {
        throw new UnsupportedOperationException("WriteBackTable.isEmpty");
    }

    @Override
    public Iterator<Map.Entry<K, V>> iterator() {
        throw new UnsupportedOperationException("WriteBackTable.iterator");
    }

    /**
     * Writes every key's changes to the backing table; {@code setKey} makes a key the current one
     * of the backing table first. Afterwards nothing is held in memory but which keys are there.
     */
    void flush(Consumer<String> setKey) {
        for (Iterator<Map.Entry<String, Changes<K, V>>> it = byKey.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Changes<K, V>> e = it.next();
            Changes<K, V> c = e.getValue();
            if (c.puts.isEmpty() && c.removed.isEmpty()) {
                if (c.inBacking.isEmpty()) it.remove();
                continue;
            }
            setKey.accept(e.getKey());
            for (K k : c.removed) backing.remove(k);
            for (Map.Entry<K, V> p : c.puts.entrySet()) backing.put(p.getKey(), p.getValue());
            c.inBacking.removeAll(c.removed);
            c.inBacking.addAll(c.puts.keySet());
            c.puts.clear();
            c.removed.clear();
            if (c.inBacking.isEmpty()) it.remove();
        }
    }

    /** Entries held in memory for every key (not yet in the backing table). */
    int held() {
        int n = 0;
        for (Changes<K, V> c : byKey.values()) n += c.puts.size();
        return n;
    }
}
