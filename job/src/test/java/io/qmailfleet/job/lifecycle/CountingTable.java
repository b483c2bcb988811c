package io.qmailfleet.job.lifecycle;

import java.util.Iterator;
import java.util.Map;

/** A {@link StateTable} in memory that counts its accesses (what each would cost on RocksDB). */
final class CountingTable<K, V> implements StateTable<K, V> {
    private final StateTable<K, V> t = StateTable.inMemory();
    int gets;
    int puts;
    int removes;
    int scans;

    @Override public V get(K key) { gets++; return t.get(key); }
    @Override public void put(K key, V value) { puts++; t.put(key, value); }
    @Override public void remove(K key) { removes++; t.remove(key); }
    @Override public boolean isEmpty() { return t.isEmpty(); }
    @Override public Iterator<Map.Entry<K, V>> iterator() { scans++; return t.iterator(); }
    @Override public void clear() { t.clear(); }

    int accesses() {
        return gets + puts + removes + scans;
    }
}
