package io.qmailfleet.job.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link WriteBackSlot} against a plain map of values per key, on random reads, sets and clears,
 * with flushes (checkpoints) and restores (a new slot over what the last flush wrote): every read
 * gives what the plain map gives, after each flush the backing slots hold exactly the plain map,
 * and between flushes a key's value is read from its backing slot once and written never.
 */
class WriteBackSlotTest {
    /** A backing value per key, counting reads and writes. */
    static final class Backing {
        final Map<String, String> byKey = new HashMap<>();
        String current;
        int reads;
        int writes;

        StateSlot<String> slot() {
            return new StateSlot<>() {
                @Override public String get() { reads++; return byKey.get(current); }
                @Override public void set(String value) { writes++; byKey.put(current, value); }
                @Override public void clear() { writes++; byKey.remove(current); }
            };
        }
    }

    @Test
    void behavesAsAPlainValuePerKeyAcrossFlushesAndRestores() {
        Random r = new Random(11);
        String[] keys = {"mx1", "mx2", "mx3", "mx4"};
        Backing backing = new Backing();
        WriteBackSlot<String> s = new WriteBackSlot<>(backing.slot(), () -> backing.current);
        Map<String, String> expected = new HashMap<>();
        Map<String, String> checkpoint = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            backing.current = keys[r.nextInt(keys.length)];
            int op = r.nextInt(100);
            if (op < 50) {
                assertEquals(expected.get(backing.current), s.get(), "get of " + backing.current + " at " + i);
            } else if (op < 90) {
                String v = "v" + i;
                s.set(v);
                expected.put(backing.current, v);
            } else if (op < 93) {
                s.clear();
                expected.remove(backing.current);
            } else if (op < 99) {
                s.flush(key -> backing.current = key);
                assertEquals(expected, backing.byKey, "flushed at " + i);
                assertEquals(0, s.held());
                checkpoint = new HashMap<>(backing.byKey);
            } else {
                backing.byKey.clear();
                backing.byKey.putAll(checkpoint);
                s = new WriteBackSlot<>(backing.slot(), () -> backing.current);
                expected = new HashMap<>(checkpoint);
            }
        }
    }

    @Test
    void aKeysValueIsReadOnceAndWrittenAtTheFlushOnly() {
        Backing backing = new Backing();
        backing.current = "mx1";
        backing.byKey.put("mx1", "restored");
        WriteBackSlot<String> s = new WriteBackSlot<>(backing.slot(), () -> backing.current);
        assertEquals("restored", s.get());
        for (int i = 0; i < 1000; i++) {
            String v = s.get();
            s.set(i == 0 ? "line 0" : v.substring(0, 5) + i);
        }
        assertEquals("line 999", s.get());
        assertEquals(1, backing.reads);
        assertEquals(0, backing.writes);
        assertEquals(1, s.held());
        s.flush(key -> backing.current = key);
        assertEquals(1, backing.writes);
        assertEquals("line 999", backing.byKey.get("mx1"));
        // nothing is held after the flush: the next read goes to the backing slot (which copies on the heap backend)
        String again = s.get();
        assertEquals(2, backing.reads);
        assertSame(backing.byKey.get("mx1"), again);
        s.clear();
        assertNull(backing.byKey.get("mx1"), "a clear is written through");
        assertNull(s.get());
    }
}
