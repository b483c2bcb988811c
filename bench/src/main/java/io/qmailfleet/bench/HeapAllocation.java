package io.qmailfleet.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * What this JVM allocated while it ran, and its collections, read from the collectors' own
 * notifications: new objects go to the young generation's eden, which every young collection
 * empties, so the bytes allocated are the eden's use before each collection less its use after,
 * plus its use at the end. Unlike CPU time on a shared machine, this hardly varies between runs
 * of the same input, so a change that allocates less shows even where the CPU's spread hides it.
 * Objects too large for the eden, allocated straight in the old generation, are not counted, and a
 * collector may leave out part of the allocation buffers it had handed out (a few per cent at most).
 */
final class HeapAllocation implements AutoCloseable {
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::collected;
    /** Bytes the eden held before collections, less what it held after them. */
    private long edenCollected;
    /** Collector name -> [collections, ms]. */
    private final Map<String, long[]> collections = new LinkedHashMap<>();
    /** Collections the collectors had counted before the listeners were in place (never heard of). */
    private long before;

    HeapAllocation() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            synchronized (this) {
                collections.putIfAbsent(gc.getName(), new long[2]);
            }
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
        // counted after the listeners are in place: a collection in between is then both counted
        // and heard of, never counted only (which would make allocatedBytes wait for it in vain)
        // (before is still 0 here, so heard() is what the listeners have heard so far)
        long counted = counted();
        synchronized (this) {
            before = counted - heard();
        }
    }

    /** Whether {@code pool} is a young generation's eden (ParallelGC's "PS Eden Space", G1's "G1 Eden Space", Serial's "Eden Space"). */
    static boolean isEden(String pool) {
        return pool.contains("Eden");
    }

    /** The eden bytes a collection freed: its eden use before less its eden use after. */
    static long edenFreed(Map<String, MemoryUsage> before, Map<String, MemoryUsage> after) {
        long freed = 0;
        for (Map.Entry<String, MemoryUsage> e : before.entrySet()) {
            if (!isEden(e.getKey())) continue;
            MemoryUsage a = after.get(e.getKey());
            freed += e.getValue().getUsed() - (a == null ? 0 : a.getUsed());
        }
        return freed;
    }

    private synchronized void collected(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        edenCollected += edenFreed(info.getGcInfo().getMemoryUsageBeforeGc(), info.getGcInfo().getMemoryUsageAfterGc());
        long[] c = collections.computeIfAbsent(info.getGcName(), k -> new long[2]);
        c[0]++;
        c[1] += info.getGcInfo().getDuration();
    }

    /**
     * Bytes allocated in the eden so far: what collections emptied out of it, and what it holds now.
     * The collectors' notifications come on a thread of their own, after the collection: this
     * waits (up to 5 s) until every collection the collectors have counted has been heard of.
     */
    long allocatedBytes() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (heard() < counted() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return edenNow();
    }

    /** Collections the collectors have counted (each bean's count is kept as it collects). */
    private static long counted() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, gc.getCollectionCount());
        return n;
    }

    /** Collections this has heard of, since the JVM started (those before it was made included). */
    private synchronized long heard() {
        long n = before;
        for (long[] c : collections.values()) n += c[0];
        return n;
    }

    private synchronized long edenNow() {
        long now = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (isEden(p.getName())) now += p.getUsage().getUsed();
        }
        return edenCollected + now;
    }

    /** {@code collector=count:ms|...}, in the collectors' order. */
    synchronized String collections() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, long[]> e : collections.entrySet()) {
            if (b.length() > 0) b.append('|');
            b.append(e.getKey()).append('=').append(e.getValue()[0]).append(':').append(e.getValue()[1]);
        }
        return b.toString();
    }

    /**
     * One line for a run's {@code alloc_bytes} and {@code collections} results over {@code lines}
     * lines: {@code 41.2 GB allocated (3,034 bytes per line); PS Scavenge 59 in 2.31 s, PS MarkSweep 2 in 0.17 s}.
     */
    static String line(long allocatedBytes, String collections, long lines) {
        StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "%.1f GB allocated (%,d bytes per line)",
                allocatedBytes / 1e9, lines > 0 ? Math.round((double) allocatedBytes / lines) : 0));
        if (!collections.isEmpty()) {
            String sep = "; ";
            for (String part : collections.split("\\|")) {
                int eq = part.lastIndexOf('=');
                int colon = part.lastIndexOf(':');
                if (eq <= 0 || colon <= eq) continue;
                b.append(sep).append(part, 0, eq).append(' ').append(part, eq + 1, colon).append(" in ")
                        .append(String.format(java.util.Locale.ROOT, "%.2f s", Long.parseLong(part.substring(colon + 1)) / 1e3));
                sep = ", ";
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // never added
            }
        }
    }
}
