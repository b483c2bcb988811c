package io.qmailfleet.bench;

import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.FactKind;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.StatsRecord;
import io.qmailfleet.job.stats.FleetRollup;
import io.qmailfleet.job.stats.HostWindows;
import io.qmailfleet.job.stats.StatsConfig;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * The stats stage with one million distinct recipients (by default): one host (or {@code --hosts}
 * hosts in turn) delivers one message to each recipient (1,000 senders, 10,000 domains), in one
 * window (the high-cardinality case) or
 * spread over minute windows. Reports the throughput of the per-host windows and of the fleet
 * roll-up (facts and records per second, in operator harnesses: no network, no serialization
 * between the stages), the size of the per-host state just before the window closes (the
 * bytes of a checkpoint of it), and the size of the fleet roll-up's state once every window has
 * closed and its part reached the roll-up (which keeps it {@code --stats-rollup-ttl}): the bytes of a
 * checkpoint of it and, on the heap backend, the heap it takes (used heap after a full GC with the
 * state and after the roll-up has dropped it).
 *
 * <pre>
 * java -Xmx3g -cp bench/target/benchmarks.jar io.qmailfleet.bench.StatsBench --recipients 1000000 \
 *     --backend hashmap|rocksdb --window all|1m [--rocksdb-memory 256mb] [--hosts 1]
 * </pre>
 */
public final class StatsBench {
    private StatsBench() {}

    public static void main(String[] args) throws Exception {
        int recipients = 1_000_000;
        String backend = "hashmap";
        String window = "all";
        String rocksDbMemory = null;
        // more than one host: the facts go to the hosts in turn, so each sender's, domain's and
        // host window's fleet record is rolled up from that many parts
        int hosts = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--recipients": recipients = Integer.parseInt(args[i + 1]); break;
                case "--backend": backend = args[i + 1]; break;
                case "--window": window = args[i + 1]; break;
                case "--hosts": hosts = Integer.parseInt(args[i + 1]); break;
                case "--rocksdb-memory": rocksDbMemory = args[i + 1]; break;
                default: throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        StatsConfig cfg = new StatsConfig();
        cfg.windowMillis = window.equals("all") ? StatsConfig.WHOLE_INPUT
                : org.apache.flink.util.TimeUtils.parseDuration(window).toMillis();
        cfg.idleFlushMillis = 0;
        long t0 = 1_795_550_400_000L;
        // one fact per 10 ms of log time: 1M recipients span about 2.8 hours
        long stepMillis = 10;

        var host = new KeyedOneInputStreamOperatorTestHarness<String, MessageFact, StatsRecord>(
                HostWindows.operator(cfg), f -> f.host, Types.STRING);
        var fleet = new KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord>(
                new KeyedProcessOperator<>(new FleetRollup(cfg)), new FleetRollup.RollupKey(), Types.STRING);
        if (backend.equals("rocksdb")) {
            host.setStateBackend(rocksDb(rocksDbMemory));
            fleet.setStateBackend(rocksDb(rocksDbMemory));
        }
        // the snapshot below measures the state: allow it to be large
        host.setCheckpointStorage(new JobManagerCheckpointStorage(Integer.MAX_VALUE));
        fleet.setCheckpointStorage(new JobManagerCheckpointStorage(Integer.MAX_VALUE));
        host.open();
        fleet.open();

        long facts = 0;
        long parts = 0;
        long start = System.nanoTime();
        for (int i = 0; i < recipients; i++) {
            long ts = t0 + i * stepMillis;
            MessageFact f = new MessageFact();
            f.kind = FactKind.ATTEMPT_END;
            // not i % hosts: 1,000 senders and 10,000 domains would each stay on one host
            f.host = "mx" + ((i / 7) % hosts + 1);
            f.msgId = i;
            f.tsNanos = ts * 1_000_000L;
            f.infoNanos = f.tsNanos - 2_000_000_000L;
            f.startNanos = f.tsNanos - 300_000_000L;
            f.sender = "sender" + (i % 1000) + "@example.com";
            f.bytes = 1000 + i % 5000;
            f.recipient = "user" + i + "@domain" + (i % 10_000) + ".example";
            f.channel = "remote";
            f.outcome = i % 20 == 0 ? Outcome.DEFERRAL : Outcome.SUCCESS;
            f.report = f.outcome == Outcome.SUCCESS ? "192.0.2.1_accepted_message./Remote_host_said:_250_ok/"
                    : "192.0.2.1_does_not_like_recipient./Remote_host_said:_451_4.2.1_<" + f.recipient
                      + ">:_mailbox_temporarily_unavailable/Giving_up_on_192.0.2.1./";
            host.processElement(f, ts);
            facts++;
            parts += forward(host.getOutput(), fleet);
            drop(fleet.getOutput());
        }
        long hostNanos = System.nanoTime() - start;
        // a checkpoint: the facts bundled in memory are written to keyed state before the barrier
        host.prepareSnapshotPreBarrier(1L);
        OperatorSubtaskState snap = host.snapshot(1L, 1L);
        long stateBytes = snap.getStateSize();
        snap = null;

        long flush = System.nanoTime();
        host.processWatermark(Long.MAX_VALUE);
        parts += forward(host.getOutput(), fleet);
        long fleetRecords = drop(fleet.getOutput());
        long flushNanos = System.nanoTime() - flush;

        // the roll-up's state: every window's part, kept for the TTL (a backfill's windows all at once)
        int rollupEntries;
        try {
            rollupEntries = fleet.numKeyedStateEntries();
        } catch (UnsupportedOperationException e) {
            rollupEntries = -1; // the harness counts heap state only
        }
        long rollupBytes = fleet.snapshot(2L, 2L).getStateSize();
        long heapWith = usedHeapAfterGc();
        fleet.processWatermark(Long.MAX_VALUE);
        drop(fleet.getOutput());
        long heapWithout = usedHeapAfterGc();

        System.out.printf("stats bench: backend %s%s, window %s, %d distinct recipients, %d host(s)%n", backend,
                rocksDbMemory == null ? "" : " (" + rocksDbMemory + " per slot)", window, recipients, hosts);
        System.out.printf("  per-host windows + roll-up: %d facts in %.1f s = %.0f facts/s%n",
                facts, hostNanos / 1e9, facts / (hostNanos / 1e9));
        System.out.printf("  per-host state before the last window closes: %.1f MB (checkpoint size)%n", stateBytes / 1e6);
        System.out.printf("  closing: %d parts rolled up in %.1f s = %.0f records/s (%d fleet records in the last batch)%n",
                parts, flushNanos / 1e9, parts / Math.max(flushNanos / 1e9, 1e-9), fleetRecords);
        System.out.printf("  roll-up state with every window closed: %d state entries, %.1f MB (checkpoint size), "
                + "%.1f MB of heap (used heap after GC %.1f MB, without the roll-up's state %.1f MB)%n",
                rollupEntries, rollupBytes / 1e6, (heapWith - heapWithout) / 1e6, heapWith / 1e6, heapWithout / 1e6);
        host.close();
        fleet.close();
    }

    /**
     * RocksDB as in the harness (its tiny default managed memory makes RocksDB flush memtables
     * constantly), or with a fixed memory per slot as a TaskManager slot with managed memory has.
     */
    private static EmbeddedRocksDBStateBackend rocksDb(String memory) {
        EmbeddedRocksDBStateBackend b = new EmbeddedRocksDBStateBackend();
        if (memory != null) b.getMemoryConfiguration().setFixedMemoryPerSlot(memory);
        return b;
    }

    private static long forward(Queue<Object> q,
                                KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> fleet) throws Exception {
        long n = 0;
        Object o;
        while ((o = q.poll()) != null) {
            if (o instanceof StreamRecord) {
                @SuppressWarnings("unchecked")
                StreamRecord<StatsRecord> r = (StreamRecord<StatsRecord>) o;
                fleet.processElement(r.getValue(), 0);
                n++;
            }
        }
        return n;
    }

    /** Heap in use after full collections (the collector is asked until the figure settles). */
    private static long usedHeapAfterGc() throws InterruptedException {
        java.lang.management.MemoryMXBean m = java.lang.management.ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            long u = m.getHeapMemoryUsage().getUsed();
            if (Math.abs(used - u) < 1_000_000) return u;
            used = u;
        }
        return used;
    }

    private static long drop(Queue<Object> q) {
        long n = 0;
        Object o;
        while ((o = q.poll()) != null) if (o instanceof StreamRecord) n++;
        return n;
    }
}
