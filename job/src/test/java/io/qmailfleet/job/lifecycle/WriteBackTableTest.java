package io.qmailfleet.job.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link WriteBackTable} against a plain map, on random gets, puts, removes, clears, emptiness
 * checks, iterations (removing and replacing entries through the iterator) and {@code forEach}
 * calls of several keys, with flushes (checkpoints) and restores (a new table over what the last
 * flush wrote, the changes since then lost, as after a failure): every read gives what the plain map gives, and after each
 * flush the backing table holds exactly the plain map. A FIFO's pattern (put, read, remove within
 * a few entries) touches the backing table only at flushes; so does a scan of entries that came
 * after the last flush.
 */
class WriteBackTableTest {
    /** A backing table per key, counting the calls that reach it. */
    static final class Backing {
        final Map<String, Map<Long, String>> byKey = new HashMap<>();
        String current;
        int calls;

        Map<Long, String> m() {
            return byKey.computeIfAbsent(current, k -> new HashMap<>());
        }

        StateTable<Long, String> table() {
            return new StateTable<Long, String>() {
                @Override public String get(Long key) { calls++; return m().get(key); }
                @Override public void put(Long key, String value) { calls++; m().put(key, value); }
                @Override public void remove(Long key) { calls++; m().remove(key); }
                @Override public boolean isEmpty() { calls++; return m().isEmpty(); }
                @Override public Iterator<Map.Entry<Long, String>> iterator() { calls++; return m().entrySet().iterator(); }
                @Override public void clear() { calls++; m().clear(); }
            };
        }

        Backing copy() {
            Backing b = new Backing();
            byKey.forEach((k, v) -> b.byKey.put(k, new HashMap<>(v)));
            return b;
        }
    }

    /** A table over {@code backing}, its entries in memory in a HashMap or (the FIFO's) an IndexMap. */
    private static WriteBackTable<Long, String> table(Backing backing, boolean restored, boolean indexMap) {
        return indexMap ? new WriteBackTable<>(backing.table(), () -> backing.current, restored, IndexMap::new)
                : new WriteBackTable<>(backing.table(), () -> backing.current, restored);
    }

    @ParameterizedTest(name = "index map {0}")
    @ValueSource(booleans = {false, true})
    void behavesAsAPlainMapAcrossFlushesAndRestores(boolean indexMap) {
        Random r = new Random(7);
        String[] keys = {"mx1", "mx2", "mx3"};
        Backing backing = new Backing();
        WriteBackTable<Long, String> t = table(backing, false, indexMap);
        Map<String, Map<Long, String>> expected = new HashMap<>();
        Backing checkpoint = backing.copy();
        Map<String, Map<Long, String>> atCheckpoint = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            backing.current = keys[r.nextInt(keys.length)];
            Map<Long, String> m = expected.computeIfAbsent(backing.current, k -> new HashMap<>());
            long k = r.nextInt(20);
            int op = r.nextInt(100);
            if (op < 35) {
                assertEquals(m.get(k), t.get(k), "get " + k + " of " + backing.current + " at " + i);
            } else if (op < 65) {
                String v = "v" + i;
                t.put(k, v);
                m.put(k, v);
            } else if (op < 90) {
                t.remove(k);
                m.remove(k);
            } else if (op < 92) {
                assertEquals(m.isEmpty(), t.isEmpty(), "isEmpty of " + backing.current + " at " + i);
            } else if (op < 93) {
                // forEach: every entry once, in memory and flushed, none removed since
                Map<Long, String> seen = new HashMap<>();
                final int at = i;
                t.forEach((key, v) -> assertEquals(null, seen.put(key, v), "entry " + key + " twice at " + at));
                assertEquals(m, seen, "forEach of " + backing.current + " at " + i);
            } else if (op < 95) {
                // a scan: every entry once, some removed, some replaced, as the deadline scans do
                Map<Long, String> atStart = new HashMap<>(m);
                Map<Long, String> seen = new HashMap<>();
                for (Iterator<Map.Entry<Long, String>> it = t.iterator(); it.hasNext(); ) {
                    Map.Entry<Long, String> e = it.next();
                    assertEquals(null, seen.put(e.getKey(), e.getValue()), "entry " + e.getKey() + " twice at " + i);
                    int what = r.nextInt(4);
                    if (what == 0) {
                        it.remove();
                        m.remove(e.getKey());
                    } else if (what == 1) {
                        String v = "s" + i;
                        assertEquals(seen.get(e.getKey()), e.setValue(v));
                        assertEquals(v, e.getValue());
                        m.put(e.getKey(), v);
                    }
                }
                assertEquals(atStart, seen, "entries iterated of " + backing.current + " at " + i);
            } else if (op < 96) {
                t.clear();
                m.clear();
            } else if (op < 99) {
                t.flush(key -> backing.current = key);
                for (String key : keys) {
                    assertEquals(expected.getOrDefault(key, Map.of()), backing.byKey.getOrDefault(key, Map.of()), "flushed " + key);
                }
                checkpoint = backing.copy();
                atCheckpoint = new HashMap<>();
                for (Map.Entry<String, Map<Long, String>> e : expected.entrySet()) atCheckpoint.put(e.getKey(), new HashMap<>(e.getValue()));
            } else {
                // a failure: back to the last checkpoint
                backing.byKey.clear();
                backing.byKey.putAll(checkpoint.copy().byKey);
                t = table(backing, true, indexMap);
                expected = new HashMap<>();
                for (Map.Entry<String, Map<Long, String>> e : atCheckpoint.entrySet()) expected.put(e.getKey(), new HashMap<>(e.getValue()));
            }
        }
    }

    @ParameterizedTest(name = "index map {0}")
    @ValueSource(booleans = {false, true})
    void aFifosLinesReachTheBackingTableOnlyAtAFlush(boolean indexMap) {
        Backing backing = new Backing();
        backing.current = "mx1";
        WriteBackTable<Long, String> t = table(backing, false, indexMap);
        long head = 0;
        for (long tail = 0; tail < 10_000; tail++) {
            t.put(tail, "line " + tail);
            if (tail - head >= 5) {
                assertEquals("line " + head, t.get(head));
                t.remove(head++);
            }
        }
        assertEquals(0, backing.calls, "no call reached the backing table");
        assertEquals(5, t.held());
        t.flush(key -> backing.current = key);
        assertEquals(5, backing.byKey.get("mx1").size());
        assertEquals(5, backing.calls);
        // the next removals of flushed lines reach it, new lines do not
        for (long tail = 10_000; tail < 10_010; tail++) {
            t.put(tail, "line " + tail);
            assertEquals("line " + head, t.get(head));
            t.remove(head++);
        }
        t.flush(key -> backing.current = key);
        assertEquals(5, backing.byKey.get("mx1").size());
        assertEquals("line 10009", backing.byKey.get("mx1").get(10_009L));
    }

    @Test
    void aScanOfEntriesPutSinceTheFlushReadsNothingFromTheBackingTable() {
        Backing backing = new Backing();
        backing.current = "mx1";
        WriteBackTable<Long, String> t = new WriteBackTable<>(backing.table(), () -> backing.current, false);
        for (long k = 0; k < 100; k++) t.put(k, "open " + k);
        int n = 0;
        for (Iterator<Map.Entry<Long, String>> it = t.iterator(); it.hasNext(); n++) {
            Map.Entry<Long, String> e = it.next();
            if (e.getKey() % 2 == 0) it.remove(); else e.setValue("seen " + e.getKey());
        }
        assertEquals(100, n);
        assertEquals(false, t.isEmpty());
        assertEquals(0, backing.calls, "no call reached the backing table");
        t.flush(key -> backing.current = key);
        assertEquals(50, backing.byKey.get("mx1").size());
        assertEquals("seen 7", backing.byKey.get("mx1").get(7L));
        // after the flush a scan reads the backing table, and a removal through it stays in memory until the next
        int calls = backing.calls;
        for (Iterator<Map.Entry<Long, String>> it = t.iterator(); it.hasNext(); ) {
            if (it.next().getKey() < 50) it.remove();
        }
        assertEquals(calls + 1, backing.calls, "one iteration of the backing table");
        assertEquals(50, backing.byKey.get("mx1").size());
        assertEquals(null, t.get(7L));
        assertEquals("seen 51", t.get(51L));
        t.flush(key -> backing.current = key);
        assertEquals(25, backing.byKey.get("mx1").size());
    }
}
