package io.qmailfleet.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time of this JVM's threads, summed by what they run ({@link #group}): each Flink task by the
 * first operator of its chain (all subtasks and readers of it together), the file fetchers, the
 * JIT compilers, the garbage collector. Read every {@code periodMillis} while the job runs, each
 * thread's highest reading kept, so a thread that ends between two readings loses at most one
 * period. Java threads are read through {@link ThreadMXBean} (their full names); the JVM's own
 * (compilers, collector), which it hides from that view, and RocksDB's native ones through
 * {@code /proc/self/task} on Linux.
 */
final class ThreadCpu implements AutoCloseable {
    private static final Path TASKS = Path.of("/proc/self/task");
    /** Clock ticks per second of {@code /proc}'s times (USER_HZ; 100 on Linux). */
    private static final long TICK_NANOS = 10_000_000L;

    /** The name of the thread that takes the readings: its own CPU is the group {@code thread readings}. */
    static final String POLLER = "thread-cpu readings";

    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    /** Java thread id -> [name, highest CPU ns]. */
    private final Map<Long, Object[]> java = new HashMap<>();
    /** Linux task id -> [group (null: a Java thread, read above), highest CPU ns]. */
    private final Map<String, Object[]> jvm = new HashMap<>();
    private final Thread poller;
    private volatile boolean stopped;

    ThreadCpu(long periodMillis) {
        poller = new Thread(() -> {
            while (!stopped) {
                read();
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, POLLER);
        poller.setDaemon(true);
        poller.start();
    }

    /** One reading of every thread. */
    synchronized void read() {
        long[] ids = mx.getAllThreadIds();
        for (long id : ids) {
            long ns = mx.getThreadCpuTime(id);
            if (ns < 0) continue;
            Object[] e = java.get(id);
            if (e == null) {
                // a thread's name is read once: Flink names its threads when it makes them
                ThreadInfo info = mx.getThreadInfo(id);
                if (info == null) continue;
                e = new Object[] {info.getThreadName(), 0L};
                java.put(id, e);
            }
            e[1] = Math.max((Long) e[1], ns);
        }
        if (!Files.isDirectory(TASKS)) return;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path t : tasks) {
                String tid = t.getFileName().toString();
                Object[] e = jvm.get(tid);
                try {
                    if (e == null) {
                        // each task's name once; only the JVM's own threads are read further
                        String g = jvmGroup(Files.readString(t.resolve("comm"), StandardCharsets.UTF_8).trim());
                        e = new Object[] {g, 0L};
                        jvm.put(tid, e);
                    }
                    if (e[0] == null) continue;
                    e[1] = Math.max((Long) e[1], procCpuNanos(Files.readString(t.resolve("stat"), StandardCharsets.UTF_8)));
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // /proc went away: the Java threads' figures stand alone
        }
    }

    /** User and system time (ns) from a {@code /proc/.../stat} line (fields 14 and 15, after the name in parentheses). */
    static long procCpuNanos(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS;
    }

    /** A last reading; then CPU ns by group, the largest first. */
    synchronized Map<String, Long> byGroup() {
        read();
        Map<String, Long> sums = new HashMap<>();
        for (Object[] e : java.values()) sums.merge(group((String) e[0]), (Long) e[1], Long::sum);
        for (Object[] e : jvm.values()) {
            if (e[0] != null) sums.merge((String) e[0], (Long) e[1], Long::sum);
        }
        List<Map.Entry<String, Long>> list = new ArrayList<>(sums.entrySet());
        list.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : list) out.put(e.getKey(), e.getValue());
        return out;
    }

    /**
     * For each group of Flink task threads with more than one thread (the subtasks of a task, a
     * backfill's readers): the CPU ns of its busiest thread, which shows how evenly the group's
     * work was spread (the hosts over a keyed task's subtasks, for one).
     */
    synchronized Map<String, Long> busiest() {
        Map<String, long[]> counts = new HashMap<>();
        for (Object[] e : java.values()) {
            String name = (String) e[0];
            String g = special(name) == null ? task(name) : null;
            if (g == null) continue;
            long[] c = counts.computeIfAbsent(g, k -> new long[2]);
            c[0]++;
            c[1] = Math.max(c[1], (Long) e[1]);
        }
        Map<String, Long> out = new LinkedHashMap<>();
        counts.forEach((g, c) -> {
            if (c[0] > 1) out.put(g, c[1]);
        });
        return out;
    }

    @Override
    public void close() {
        stopped = true;
        poller.interrupt();
    }

    /**
     * What a Java thread runs: a Flink task by the first operator of its chain without the subtask
     * and attempt ({@code stats fleet roll-up -> (...) (1/2)#0} is {@code stats fleet roll-up}), a
     * backfill's readers together ({@code Source: log files 3 -> parse} is {@code Source: log
     * files}); a source's fetcher threads are {@code file fetchers} or {@code kafka fetchers}; the
     * Kafka producers' network threads are {@code kafka producers}, the Kafka clients' other
     * threads {@code kafka clients}; a task's output flusher and timer
     * threads are {@code flushers and timers}; the thread that starts the job is {@code main}; this
     * class's own thread is {@code thread readings}; everything else (Flink's RPC, metrics, I/O) is
     * {@code other}.
     */
    static String group(String name) {
        String special = special(name);
        if (special != null) return special;
        String task = task(name);
        return task != null ? task : "other";
    }

    /** The group of a thread that is not a Flink task's own (its name may look like one), or null. */
    private static String special(String name) {
        if (name == null) return "other";
        if (name.startsWith("Source Data Fetcher")) return name.contains("Source: kafka") ? "kafka fetchers" : "file fetchers";
        // the Kafka clients' own threads: each output producer's sender, the consumer's heartbeat, admin clients
        if (name.startsWith("kafka-producer-network-thread")) return "kafka producers";
        if (name.startsWith("kafka-")) return "kafka clients";
        if (name.equals("main")) return "main";
        if (name.equals(POLLER)) return "thread readings";
        if (name.startsWith("OutputFlusher for ") || name.startsWith("Time Trigger for ")
                || name.startsWith("System Time Trigger for ")) return "flushers and timers";
        return null;
    }

    /** The task a thread named as Flink names a task's thread runs (the first operator of its chain), or null. */
    private static String task(String name) {
        Matcher m = TASK.matcher(name);
        if (!m.matches()) return null;
        String chain = m.group(1);
        int next = chain.indexOf(" -> ");
        String head = next < 0 ? chain : chain.substring(0, next);
        return READER_NUMBER.matcher(head).replaceFirst("$1");
    }

    /** A Flink task thread's name: its chain, then {@code (subtask/parallelism)#attempt}. */
    private static final Pattern TASK = Pattern.compile("(.+) \\(\\d+/\\d+\\)#\\d+");
    /** The number of one of a backfill's readers ({@code Source: log files 3}). */
    private static final Pattern READER_NUMBER = Pattern.compile("^(Source: .*?) \\d+$");

    /**
     * The group of a thread {@link ThreadMXBean} does not show, by its Linux name (the JVM's own,
     * RocksDB's), or null for a Java thread (read through {@link ThreadMXBean}).
     */
    static String jvmGroup(String comm) {
        if (comm.startsWith("C2 CompilerThre")) return "C2 compiler";
        if (comm.startsWith("C1 CompilerThre")) return "C1 compiler";
        if (comm.startsWith("GC Thread") || comm.startsWith("VM Thread") || comm.startsWith("G1 ")
                || comm.startsWith("GC ")) return "GC and VM";
        // RocksDB's own threads (flushes and compactions), native: not in ThreadMXBean's view
        if (comm.startsWith("rocksdb:")) return "RocksDB background";
        return null;
    }
}
