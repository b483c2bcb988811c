package io.qmailfleet.job.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The FIFO's map of queue indexes behaves as a HashMap, whatever order keys come and go in. */
class IndexMapTest {
    private static void assertSame(Map<Long, String> expected, IndexMap<String> m, long lo, long hi, String step) {
        assertEquals(expected.size(), m.size(), step);
        assertEquals(expected.isEmpty(), m.isEmpty(), step);
        for (long k = lo; k <= hi; k++) {
            assertEquals(expected.get(k), m.get(k), step + " get " + k);
            assertEquals(expected.containsKey(k), m.containsKey(k), step + " containsKey " + k);
        }
        assertEquals(expected, new HashMap<>(m), step);
    }

    @Test
    void aQueueOfIndexesAndAnyOtherOrderGiveWhatAHashMapGives() {
        Random random = new Random(3);
        for (int round = 0; round < 40; round++) {
            Map<Long, String> expected = new HashMap<>();
            IndexMap<String> m = new IndexMap<>();
            long head = random.nextInt(3) == 0 ? -5 : random.nextInt(1000);
            long tail = head;
            long lo = head - 40;
            for (int step = 0; step < 3000; step++) {
                int op = random.nextInt(100);
                String at = "round " + round + " step " + step;
                if (op < 45) { // the FIFO's use: append at the tail
                    String v = "v" + tail;
                    assertEquals(expected.put(tail, v), m.put(tail, v), at);
                    tail++;
                } else if (op < 85) { // and remove at the head
                    assertEquals(expected.remove(head), m.remove(head), at);
                    if (head < tail) head++;
                } else if (op < 93) { // anything else near the queue: gaps, overwrites, removals inside
                    long k = head - 20 + random.nextInt((int) (tail - head) + 40);
                    if (random.nextBoolean()) {
                        String v = "w" + step;
                        assertEquals(expected.put(k, v), m.put(k, v), at);
                    } else {
                        assertEquals(expected.remove(k), m.remove(k), at);
                    }
                } else if (op < 94) {
                    expected.clear();
                    m.clear();
                } else {
                    assertSame(expected, m, lo, tail + 40, at);
                }
            }
            assertSame(expected, m, lo, tail + 40, "round " + round);
        }
    }

    @Test
    void iteratesTheQueueInKeyOrderAndRefusesNull() {
        IndexMap<String> m = new IndexMap<>();
        for (long k = 100; k < 140; k++) m.put(k, "v" + k); // grows past its first 16 slots
        for (long k = 100; k < 110; k++) m.remove(k);
        m.remove(120L);
        List<Long> keys = new ArrayList<>();
        for (Map.Entry<Long, String> e : m.entrySet()) {
            keys.add(e.getKey());
            assertEquals("v" + e.getKey(), e.getValue());
        }
        List<Long> expected = new ArrayList<>();
        for (long k = 110; k < 140; k++) if (k != 120) expected.add(k);
        assertEquals(expected, keys);
        assertThrows(NullPointerException.class, () -> m.put(5L, null));
    }
}
