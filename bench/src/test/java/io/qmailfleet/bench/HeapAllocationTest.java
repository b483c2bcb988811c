package io.qmailfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.MemoryUsage;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeapAllocationTest {
    /** Arrays of 64 KB each, 512 MB in all: far more than a test JVM's eden, so collections come between. */
    @Test
    void countsWhatThisThreadAllocatesAcrossCollections() {
        try (HeapAllocation heap = new HeapAllocation()) {
            long before = heap.allocatedBytes();
            long sink = 0;
            for (int i = 0; i < 8192; i++) {
                byte[] b = new byte[64 * 1024];
                b[i & 1023] = 1;
                sink += b.length;
            }
            long counted = heap.allocatedBytes() - before;
            assertEquals(512L << 20, sink);
            // within 5 %: other threads of the test JVM add a little; a collector may report its eden's
            // use before a collection without some of the allocation buffers it had handed out (G1
            // here counted 98.4 %)
            assertTrue(counted > sink * 0.95, "counted " + counted + " of " + sink + " bytes allocated");
            assertTrue(counted < sink * 1.05, "counted " + counted + " of " + sink + " bytes allocated");
            // the eden cannot hold 512 MB here, so the figure came through collections
            assertTrue(heap.collections().matches(".*=[1-9][0-9]*:[0-9]+.*"), heap.collections());
        }
    }

    @Test
    void aCollectionFreesItsEdenOnly() {
        Map<String, MemoryUsage> before = Map.of(
                "PS Eden Space", new MemoryUsage(0, 500, 600, 600),
                "PS Survivor Space", new MemoryUsage(0, 40, 60, 60),
                "PS Old Gen", new MemoryUsage(0, 1000, 2000, 2000));
        Map<String, MemoryUsage> after = Map.of(
                "PS Eden Space", new MemoryUsage(0, 0, 600, 600),
                "PS Survivor Space", new MemoryUsage(0, 50, 60, 60),
                "PS Old Gen", new MemoryUsage(0, 1030, 2000, 2000));
        assertEquals(500, HeapAllocation.edenFreed(before, after));
        // G1 may leave objects in its eden regions' place after a collection
        assertEquals(300, HeapAllocation.edenFreed(Map.of("G1 Eden Space", new MemoryUsage(0, 400, 600, 600)),
                Map.of("G1 Eden Space", new MemoryUsage(0, 100, 600, 600))));
    }

    @Test
    void aRunsLineGivesBytesPerLineAndEachCollector() {
        assertEquals("41.2 GB allocated (3,034 bytes per line); PS Scavenge 59 in 2.31 s, PS MarkSweep 2 in 0.17 s",
                HeapAllocation.line(41_195_652_000L, "PS Scavenge=59:2310|PS MarkSweep=2:170", 13_578_000));
        assertEquals("0.0 GB allocated (0 bytes per line)", HeapAllocation.line(0, "", 0));
    }
}
