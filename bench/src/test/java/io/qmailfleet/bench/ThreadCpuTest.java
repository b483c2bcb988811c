package io.qmailfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {
    /** Thread names as an embedded run of the job has them (one host, and four hosts' readers). */
    @Test
    void threadsAreGroupedByTheFirstOperatorOfTheirTask() {
        assertEquals("Source: log files", ThreadCpu.group("Source: log files -> parse -> host sequencer + life cycles"
                + " -> (count host-sequencer dead letters, encode lifecycles -> file lifecycles: Writer) (1/1)#0"));
        assertEquals("Source: log files", ThreadCpu.group("Source: log files 3 -> parse (1/1)#0"));
        assertEquals("host sequencer + life cycles", ThreadCpu.group(
                "host sequencer + life cycles -> (count host-sequencer dead letters, alert metrics) (2/2)#0"));
        assertEquals("stats fleet roll-up", ThreadCpu.group(
                "stats fleet roll-up -> (stats senders -> encode senders -> file senders: Writer) (1/2)#1"));
        assertEquals("alert fleet rates", ThreadCpu.group("alert fleet rates (2/2)#0"));
        assertEquals("file fetchers", ThreadCpu.group("Source Data Fetcher for Source: log files 2 -> parse (1/1)#0"));
        assertEquals("kafka fetchers", ThreadCpu.group("Source Data Fetcher for Source: kafka lines -> parse (1/2)#0"));
        assertEquals("kafka producers", ThreadCpu.group("kafka-producer-network-thread | producer-7"));
        assertEquals("kafka clients", ThreadCpu.group("kafka-coordinator-heartbeat-thread | qmail-fleet"));
        assertEquals("kafka clients", ThreadCpu.group("kafka-admin-client-thread | qmail-fleet-offsets"));
        assertEquals("main", ThreadCpu.group("main"));
        assertEquals("thread readings", ThreadCpu.group(ThreadCpu.POLLER));
        assertEquals("flushers and timers", ThreadCpu.group("OutputFlusher for Source: log files 4"));
        assertEquals("flushers and timers", ThreadCpu.group("System Time Trigger for relay linker (2/2)#0"));
        assertEquals("flushers and timers", ThreadCpu.group("Time Trigger for stats fleet roll-up (1/2)#0"));
        assertEquals("other", ThreadCpu.group("flink-pekko.actor.default-dispatcher-6"));
        assertEquals("other", ThreadCpu.group("jobmanager-io-thread-1"));
        assertEquals("other", ThreadCpu.group(null));
    }

    @Test
    void theJvmsAndRocksDbsOwnThreadsAreKnownByTheirLinuxNames() {
        assertEquals("C2 compiler", ThreadCpu.jvmGroup("C2 CompilerThre"));
        assertEquals("C1 compiler", ThreadCpu.jvmGroup("C1 CompilerThre"));
        assertEquals("GC and VM", ThreadCpu.jvmGroup("GC Thread#1"));
        assertEquals("GC and VM", ThreadCpu.jvmGroup("VM Thread"));
        assertEquals("RocksDB background", ThreadCpu.jvmGroup("rocksdb:low"));
        assertEquals("RocksDB background", ThreadCpu.jvmGroup("rocksdb:high"));
        assertEquals(null, ThreadCpu.jvmGroup("host sequencer "));
        assertEquals(null, ThreadCpu.jvmGroup("main"));
    }

    @Test
    void cpuTimeIsReadFromProcStatAfterTheNameInParentheses() {
        // a name with blanks and a parenthesis: fields are counted from the last ')'
        String stat = "4242 (host (seq) x) S 1 4200 4200 0 -1 4194624 120 0 0 0 250 37 0 0 20 0 1 0 9 0 0";
        assertEquals((250 + 37) * 10_000_000L, ThreadCpu.procCpuNanos(stat));
    }

    /**
     * A thread that burns a known amount of CPU shows in its group with that much once read, and
     * keeps it after it ends.
     */
    @Test
    void aBusyThreadsCpuIsCountedInItsGroupAndKeptAfterItEnds() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        CountDownLatch burnt = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        long[] spent = new long[1];
        try (ThreadCpu cpu = new ThreadCpu(20)) {
            Thread t = new Thread(() -> {
                long x = 0;
                while (mx.getCurrentThreadCpuTime() < 300_000_000L) x += System.nanoTime() % 7;
                spent[0] = mx.getCurrentThreadCpuTime() + (x & 1);
                burnt.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "busy stage -> (encode busy) (1/1)#0");
            // a second subtask of the same task, idle: the group has two threads, the first the busiest
            Thread idle = new Thread(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "busy stage -> (encode busy) (2/2)#0");
            idle.start();
            t.start();
            burnt.await();
            // read while the thread lives (idle, waiting): all it burnt is there
            Map<String, Long> groups = cpu.byGroup();
            long busy = groups.getOrDefault("busy stage", 0L);
            assertTrue(spent[0] >= 300_000_000L);
            assertTrue(busy >= spent[0] - 1 && busy < spent[0] + 100_000_000L,
                    "busy stage: " + busy + " ns of " + spent[0] + " in " + groups);
            assertTrue(groups.containsKey("thread readings"), groups.toString());
            if (Files.isDirectory(Path.of("/proc/self/task"))) {
                assertTrue(groups.containsKey("GC and VM"), groups.toString());
                assertTrue(groups.containsKey("C1 compiler") || groups.containsKey("C2 compiler"), groups.toString());
            }
            Map<String, Long> busiest = cpu.busiest();
            assertTrue(busiest.get("busy stage") >= spent[0] - 1 && busiest.get("busy stage") <= busy, busiest.toString());
            assertFalse(busiest.containsKey("main"), "one thread, and not a task: " + busiest);
            // the largest first
            long last = Long.MAX_VALUE;
            for (long v : groups.values()) {
                assertTrue(v <= last, groups.toString());
                last = v;
            }
            // an ended thread keeps its highest reading
            release.countDown();
            t.join();
            idle.join();
            assertTrue(cpu.byGroup().getOrDefault("busy stage", 0L) >= busy);
        }
    }

    @Test
    void aRunsThreadsAreOneLineWithTheirShareOfTheProcess() {
        String line = SpeedBench.threadsLine("Source: log files=6000000000|C2 compiler=2000000000"
                + "|flushers and timers=40000000|encode alerts=30000000", "Source: log files=4500000000", "10000000000");
        assertEquals("Source: log files 6.0 s (60.0 %; busiest thread 4.5 s), C2 compiler 2.0 s (20.0 %),"
                + " smaller 0.1 s (0.7 %), not in a reading 1.9 s", line);
        assertEquals("Source: log files 6.0 s (60.0 %), not in a reading 4.0 s",
                SpeedBench.threadsLine("Source: log files=6000000000", "", "10000000000"));
        Map<String, Long> groups = new java.util.LinkedHashMap<>();
        groups.put("host sequencer + life cycles", 12L);
        groups.put("C2 compiler", 3L);
        assertEquals("host sequencer + life cycles=12|C2 compiler=3", SpeedBench.joined(groups));
        assertEquals(List.copyOf(groups.entrySet()), List.copyOf(SpeedBench.split(SpeedBench.joined(groups)).entrySet()));
        assertEquals(Map.of(), SpeedBench.split(""));
    }
}
