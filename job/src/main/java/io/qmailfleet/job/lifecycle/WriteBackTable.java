package io.qmailfleet.job.lifecycle;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link StateTable} of the current key that keeps its changes in memory and writes them to the
 * table behind it ({@code backing}, a Flink {@code MapState}) only when {@link #flush} is called:
 * before every checkpoint barrier, and when the operator holds too much. For the reorder buffer's
 * FIFO, whose lines are put, read and removed within {@code --max-out-of-order} of log time, and for
 * a host's open messages, deliveries in flight, pending links and life cycles being built, which
 * mostly come and go between two checkpoints, most entries then never reach the state backend (on
 * RocksDB a put, a get and a delete each, with their serialization). What a checkpoint holds is
 * exactly what the backing table would have held without the cache.
 *
 * <p>Per key: the entries put since the last flush, and which keys are in the backing table (those
 * flushed; after a restore, those the checkpoint held, listed once when the key is first used), so
 * that a read or a removal reaches it only when the entry is there. {@link #iterator} merges both
 * sides: the entries in memory, then those of the backing table not changed since the flush (read
 * from it only when it has any); its {@code remove()} and {@code setValue} are a {@link #remove} and
 * a {@link #put}, so they stay in memory too.
 *
 * <p>After a flush nothing of the values is held, so that on the heap backend, whose snapshot keeps
 * references to the objects in state while it is written, a value is next read through the backend
 * (which copies it while a snapshot is running) and never changed behind the snapshot's back.
 */
final class WriteBackTable<K, V> implements StateTable<K, V>, HeldState.Holder {
    private final StateTable<K, V> backing;
    private final Supplier<String> currentKey;
    /** State was restored: a key's entries in the backing table are listed when the key is first used. */
    private final boolean restored;

    /** One key's changes since the last flush. */
    private static final class Changes<K, V> {
        final Map<K, V> puts;
        /** Keys known to be in the backing table (flushed, or read from it). */
        final Set<K> inBacking = new HashSet<>();
        /** Keys of {@link #inBacking} removed since the last flush. */
        final Set<K> removed = new HashSet<>();

        Changes(Map<K, V> puts) {
            this.puts = puts;
        }

        /** Whether the backing table holds an entry not removed since the flush ({@link #removed} is a subset of {@link #inBacking}). */
        boolean backingHasMore() {
            return inBacking.size() != removed.size();
        }

        /** Whether an entry of the backing table is neither put nor removed since the flush: it is read from there. */
        boolean unchangedSinceFlush(K key) {
            return !puts.containsKey(key) && !removed.contains(key);
        }
    }

    /** The map of a key's entries in memory. */
    private final Supplier<Map<K, V>> newMap;

    private final Map<String, Changes<K, V>> byKey = new HashMap<>();
    /** The key of the last call and its changes (a host's lines come in runs). */
    private String lastKey;
    private Changes<K, V> lastChanges;

    /**
     * @param restored whether the operator's state was restored; if not, the backing table holds
     *                 only what this table flushed to it
     */
    WriteBackTable(StateTable<K, V> backing, Supplier<String> currentKey, boolean restored) {
        this(backing, currentKey, restored, HashMap::new);
    }

    /**
     * @param newMap the map a key's entries in memory are kept in (a {@link HashMap}; an
     *               {@link IndexMap} for the FIFO's queue indexes)
     */
    WriteBackTable(StateTable<K, V> backing, Supplier<String> currentKey, boolean restored, Supplier<Map<K, V>> newMap) {
        this.backing = backing;
        this.currentKey = currentKey;
        this.restored = restored;
        this.newMap = newMap;
    }

    private Changes<K, V> changes() {
        String key = currentKey.get();
        if (key == lastKey && lastChanges != null) return lastChanges;
        Changes<K, V> c = byKey.get(key);
        if (c == null) {
            c = new Changes<>(newMap.get());
            if (restored) {
                // the key's entries from the checkpoint (few: a FIFO holds the lines of the bound)
                for (Iterator<Map.Entry<K, V>> it = backing.iterator(); it.hasNext(); ) c.inBacking.add(it.next().getKey());
            }
            byKey.put(key, c);
        }
        lastKey = key;
        lastChanges = c;
        return c;
    }

    @Override
    public V get(K key) {
        Changes<K, V> c = changes();
        V v = c.puts.get(key);
        // the sets are looked at only when they hold anything: in a backfill between checkpoints
        // nothing has been flushed, and an empty set's lookup still hashes the key
        if (v != null || c.inBacking.isEmpty() || !c.inBacking.contains(key) || c.removed.contains(key)) return v;
        return backing.get(key);
    }

    @Override
    public void put(K key, V value) {
        Changes<K, V> c = changes();
        c.puts.put(key, value);
        if (!c.removed.isEmpty()) c.removed.remove(key);
    }

    @Override
    public void remove(K key) {
        remove(changes(), key);
    }

    private void remove(Changes<K, V> c, K key) {
        c.puts.remove(key);
        if (!c.inBacking.isEmpty() && c.inBacking.contains(key)) c.removed.add(key);
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
        Changes<K, V> c = changes();
        return c.puts.isEmpty() && !c.backingHasMore();
    }

    @Override
    public Iterator<Map.Entry<K, V>> iterator() {
        return new Merged(changes());
    }

    /** The entries in memory, then those of the backing table neither put nor removed since the flush; no copy of the keys. */
    @Override
    public void forEach(BiConsumer<? super K, ? super V> action) {
        Changes<K, V> c = changes();
        c.puts.forEach(action);
        if (!c.backingHasMore()) return;
        for (Iterator<Map.Entry<K, V>> it = backing.iterator(); it.hasNext(); ) {
            Map.Entry<K, V> e = it.next();
            if (c.unchangedSinceFlush(e.getKey())) action.accept(e.getKey(), e.getValue());
        }
    }

    /** The entries in memory, then those of the backing table neither put nor removed since the flush. */
    private final class Merged implements Iterator<Map.Entry<K, V>> {
        private final Changes<K, V> c;
        /** The keys in memory when the iteration began (the map may change while it runs). */
        private final Object[] inMemory;
        private int i;
        /** Null until the entries in memory are done (and when the backing table holds nothing of the key). */
        private Iterator<Map.Entry<K, V>> inBacking;
        private Map.Entry<K, V> next;
        private K last;

        Merged(Changes<K, V> c) {
            this.c = c;
            this.inMemory = c.puts.keySet().toArray();
        }

        @Override
        @SuppressWarnings("unchecked")
        public boolean hasNext() {
            if (next != null) return true;
            while (i < inMemory.length) {
                K k = (K) inMemory[i++];
                V v = c.puts.get(k);
                if (v == null) continue; // removed since
                next = new Entry(k, v);
                return true;
            }
            if (inBacking == null) {
                if (!c.backingHasMore()) return false;
                inBacking = backing.iterator();
            }
            while (inBacking.hasNext()) {
                Map.Entry<K, V> e = inBacking.next();
                if (!c.unchangedSinceFlush(e.getKey())) continue;
                next = new Entry(e.getKey(), e.getValue());
                return true;
            }
            return false;
        }

        @Override
        public Map.Entry<K, V> next() {
            if (!hasNext()) throw new NoSuchElementException();
            Map.Entry<K, V> e = next;
            next = null;
            last = e.getKey();
            return e;
        }

        @Override
        public void remove() {
            if (last == null) throw new IllegalStateException();
            WriteBackTable.this.remove(c, last);
            last = null;
        }
    }

    /** An entry of {@link #iterator}: setting its value puts it. */
    private final class Entry implements Map.Entry<K, V> {
        private final K key;
        private V value;

        Entry(K key, V value) {
            this.key = key;
            this.value = value;
        }

        @Override public K getKey() { return key; }
        @Override public V getValue() { return value; }

        @Override
        public V setValue(V v) {
            V old = value;
            value = v;
            put(key, v);
            return old;
        }
    }

    /**
     * Writes every key's changes to the backing table; {@code setKey} makes a key the current one
     * of the backing table first. Afterwards nothing is held in memory but which keys are there.
     */
    @Override
    public void flush(Consumer<String> setKey) {
        lastKey = null;
        lastChanges = null;
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
    @Override
    public int held() {
        int n = 0;
        for (Changes<K, V> c : byKey.values()) n += c.puts.size();
        return n;
    }
}
