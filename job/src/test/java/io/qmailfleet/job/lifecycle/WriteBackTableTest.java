package io.qmailfleet.job.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link WriteBackTable} against a plain map, on random gets, puts, removes and clears of several
 * keys, with flushes (checkpoints) and restores (a new table over what the last flush wrote, the
 * changes since then lost, as after a failure): every read gives what the plain map gives, and
 * after each flush the backing table holds exactly the plain map. A FIFO's pattern (put, read,
 * remove within a few entries) touches the backing table only at flushes.
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

    @Test
    void behavesAsAPlainMapAcrossFlushesAndRestores() {
        Random r = new Random(7);
        String[] keys = {"mx1", "mx2", "mx3"};
        Backing backing = new Backing();
        WriteBackTable<Long, String> t = new WriteBackTable<>(backing.table(), () -> backing.current, false);
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
            } else if (op < 95) {
                t.remove(k);
                m.remove(k);
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
                t = new WriteBackTable<>(backing.table(), () -> backing.current, true);
                expected = new HashMap<>();
                for (Map.Entry<String, Map<Long, String>> e : atCheckpoint.entrySet()) expected.put(e.getKey(), new HashMap<>(e.getValue()));
            }
        }
    }

    @Test
    void aFifosLinesReachTheBackingTableOnlyAtAFlush() {
        Backing backing = new Backing();
        backing.current = "mx1";
        WriteBackTable<Long, String> t = new WriteBackTable<>(backing.table(), () -> backing.current, false);
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
}
