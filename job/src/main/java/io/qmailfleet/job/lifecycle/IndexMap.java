package io.qmailfleet.job.lifecycle;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A map of queue indexes, as the reorder buffer's FIFO uses them: keys put one after the other with
 * no gap and removed from the front sit in a ring of slots (a put, get and remove cost an array
 * access: no hashing, no entry object, no boxed key kept). Any other key (put out of order, or
 * after a gap) goes to a {@link HashMap} beside the ring; a key is in one of the two, never both.
 * Values must not be null. Iteration gives the ring's entries in key order, then the others.
 */
final class IndexMap<V> extends AbstractMap<Long, V> {
    private Object[] ring = new Object[16];
    /** Slot of the key {@link #first}. */
    private int head;
    /** The key at {@link #head}: the ring holds keys {@code first .. first + span - 1}. */
    private long first;
    /** Slots from {@link #head} that the ring's key range covers (removed keys inside it are null). */
    private int span;
    /** Non-null slots. */
    private int live;
    /** Keys outside the ring's range; null until one comes. */
    private HashMap<Long, V> other;

    private int slot(long offset) {
        return (head + (int) offset) & (ring.length - 1);
    }

    /** Offset of {@code key} in the ring's range, or -1 if it is outside. */
    private long offset(Object key) {
        if (!(key instanceof Long)) return -1;
        long off = (Long) key - first;
        return off >= 0 && off < span ? off : -1;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        long off = offset(key);
        if (off >= 0) return (V) ring[slot(off)];
        return other == null ? null : other.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V put(Long key, V value) {
        if (value == null) throw new NullPointerException("an IndexMap holds no null value");
        long k = key;
        if (span == 0 && notOther(key)) {
            head = 0;
            first = k;
        }
        long off = k - first;
        if (off >= 0 && off < span) {
            int s = slot(off);
            V old = (V) ring[s];
            ring[s] = value;
            if (old == null) live++;
            return old;
        }
        if (off == span && span < Integer.MAX_VALUE - 8 && notOther(key)) {
            if (span == ring.length) grow();
            ring[slot(span)] = value;
            span++;
            live++;
            return null;
        }
        if (other == null) other = new HashMap<>();
        return other.put(key, value);
    }

    private boolean notOther(Long key) {
        return other == null || other.isEmpty() || !other.containsKey(key);
    }

    private void grow() {
        Object[] bigger = new Object[ring.length * 2];
        for (int i = 0; i < span; i++) bigger[i] = ring[slot(i)];
        ring = bigger;
        head = 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V remove(Object key) {
        long off = offset(key);
        if (off < 0) return other == null ? null : other.remove(key);
        int s = slot(off);
        V old = (V) ring[s];
        if (old == null) return null;
        ring[s] = null;
        live--;
        // the range shrinks past removed keys at either end
        while (span > 0 && ring[head] == null) {
            head = (head + 1) & (ring.length - 1);
            first++;
            span--;
        }
        while (span > 0 && ring[slot(span - 1)] == null) span--;
        return old;
    }

    @Override
    public int size() {
        return live + (other == null ? 0 : other.size());
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    @Override
    public void clear() {
        Arrays.fill(ring, null);
        head = 0;
        span = 0;
        live = 0;
        other = null;
    }

    @Override
    public Set<Map.Entry<Long, V>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<Long, V>> iterator() {
                return new Entries();
            }

            @Override
            public int size() {
                return IndexMap.this.size();
            }
        };
    }

    /** The ring's entries in key order, then the others (read-only). */
    private final class Entries implements Iterator<Map.Entry<Long, V>> {
        private int i;
        private final Iterator<Map.Entry<Long, V>> rest = other == null ? null : other.entrySet().iterator();
        private Map.Entry<Long, V> next;

        @Override
        @SuppressWarnings("unchecked")
        public boolean hasNext() {
            if (next != null) return true;
            while (i < span) {
                Object v = ring[slot(i)];
                long k = first + i++;
                if (v != null) {
                    next = new SimpleImmutableEntry<>(k, (V) v);
                    return true;
                }
            }
            if (rest != null && rest.hasNext()) {
                Map.Entry<Long, V> e = rest.next();
                next = new SimpleImmutableEntry<>(e.getKey(), e.getValue());
                return true;
            }
            return false;
        }

        @Override
        public Map.Entry<Long, V> next() {
            if (!hasNext()) throw new NoSuchElementException();
            Map.Entry<Long, V> e = next;
            next = null;
            return e;
        }
    }
}
