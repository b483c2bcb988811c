package io.qmailfleet.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.FactKind;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.StatsRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The per-host windows and the fleet roll-up in operator harnesses, on the heap and on RocksDB:
 * window placement with out-of-order and late facts, re-firing within the allowed lateness, state
 * dropped when a window closes, each host in its own clock, and the fleet record updated when
 * another host's part arrives.
 */
class StatsWindowsHarnessTest {
    private static final long MIN = 60_000L;
    /** 2026-11-24 20:00:00 UTC. */
    private static final long T = 1_795_550_400_000L;

    private static StatsConfig config() {
        StatsConfig c = new StatsConfig();
        c.windowMillis = MIN;
        c.fireDelayMillis = 2_000L;
        c.allowedLatenessMillis = 30_000L;
        return c;
    }

    private static MessageFact success(String host, long tsMillis, String recipient) {
        MessageFact f = new MessageFact();
        f.kind = FactKind.ATTEMPT_END;
        f.host = host;
        f.msgId = tsMillis;
        f.tsNanos = tsMillis * 1_000_000L;
        f.startNanos = f.tsNanos - 100_000_000L;
        f.infoNanos = f.tsNanos - 1_000_000_000L;
        f.sender = "Alice@Example.COM";
        f.bytes = 100;
        f.recipient = recipient;
        f.channel = "remote";
        f.outcome = Outcome.SUCCESS;
        f.report = "127.0.0.1_accepted_message./Remote_host_said:_250_ok/";
        return f;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, MessageFact, StatsRecord> hostHarness(
            StatsConfig c, boolean rocksDb) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, MessageFact, StatsRecord>(
                HostWindows.operator(c), f -> f.host, Types.STRING);
        if (rocksDb) h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.open();
        return h;
    }

    /** {@link #hostHarness} with no allowed lateness: a window is dropped when it fires by the host's clock. */
    private static KeyedOneInputStreamOperatorTestHarness<String, MessageFact, StatsRecord> hostHarnessWithoutLateness(
            boolean rocksDb) throws Exception {
        StatsConfig c = config();
        c.allowedLatenessMillis = 0;
        return hostHarness(c, rocksDb);
    }

    private static List<StatsRecord> drain(KeyedOneInputStreamOperatorTestHarness<String, ?, StatsRecord> h) {
        return drainRecords(h).stream().map(StreamRecord::getValue).toList();
    }

    private static List<StatsRecord> of(List<StatsRecord> records, String dimension) {
        return records.stream().filter(r -> r.dimension.equals(dimension)).toList();
    }

    /** The window starts (relative to T, in minutes) the host's parts state holds. */
    private static List<String> partKeys(KeyedOneInputStreamOperatorTestHarness<String, MessageFact, StatsRecord> h,
                                         String host) throws Exception {
        // what a checkpoint holds: the part records bundled in memory are written to keyed state first
        h.prepareSnapshotPreBarrier(1L);
        AbstractStreamOperator<?> op = (AbstractStreamOperator<?>) h.getOperator();
        KeyedStateBackend<String> kb = op.getKeyedStateBackend();
        kb.setCurrentKey(host);
        MapState<String, StatsRecord> parts = kb.getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>("parts", Types.STRING, TypeInformation.of(StatsRecord.class)));
        List<String> keys = new ArrayList<>();
        for (String k : parts.keys()) keys.add(k);
        return keys;
    }

    private static long windowsOf(KeyedOneInputStreamOperatorTestHarness<String, MessageFact, StatsRecord> h,
                                  String host) throws Exception {
        return partKeys(h, host).stream().map(k -> k.substring(0, k.indexOf('|'))).distinct().count();
    }

    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void placementOutOfOrderLateRefireAndDrop(boolean rocksDb) throws Exception {
        var h = hostHarness(config(), rocksDb);
        h.processElement(success("mx1", T + 10_000, "a@x.org"), 0);
        h.processElement(success("mx1", T + 50_000, "b@x.org"), 0);
        h.processElement(success("mx1", T + 30_000, "c@y.org"), 0); // out of order, same window
        assertTrue(drain(h).isEmpty(), "nothing fires while the host clock is inside the window");
        h.processElement(success("mx1", T + 61_000, "a@x.org"), 0); // next window, but within the fire delay
        assertTrue(drain(h).isEmpty());
        h.processElement(success("mx1", T + 65_000, "a@x.org"), 0); // clock passes 20:01:02: window 0 fires
        List<StatsRecord> fired = drain(h);
        StatsRecord host = of(fired, StatsRecord.HOST).get(0);
        assertEquals(T, host.windowStart);
        assertEquals(T + MIN, host.windowEnd);
        assertEquals(3, host.successes);
        assertEquals(1, host.revision);
        assertEquals(List.of("mx1"), host.hosts);
        assertEquals(3, of(fired, StatsRecord.RECIPIENT).size());
        assertEquals(2, of(fired, StatsRecord.DOMAIN).size());
        StatsRecord sender = of(fired, StatsRecord.SENDER).get(0);
        assertEquals("Alice@example.com", sender.key, "the domain is lower-cased, the local part kept");
        assertEquals(3, sender.successes);
        assertEquals(0, sender.accepted, "no info msg facts here: nothing accepted");
        assertEquals(2, windowsOf(h, "mx1"), "a fired window keeps its state for the allowed lateness");

        // late, within the allowed lateness (window 0 is dropped at 20:01:32): fires again, replacing
        h.processElement(success("mx1", T + 40_000, "d@x.org"), 0);
        List<StatsRecord> refired = drain(h);
        StatsRecord host2 = of(refired, StatsRecord.HOST).get(0);
        assertEquals(4, host2.successes);
        assertEquals(2, host2.revision);
        assertEquals(T, host2.windowStart);
        assertEquals(1, of(refired, StatsRecord.RECIPIENT).size(), "only the keys the late fact touched");

        // the clock passes 20:01:32: window 0's state is dropped
        h.processElement(success("mx1", T + 95_000, "a@x.org"), 0);
        assertTrue(drain(h).isEmpty());
        assertEquals(1, windowsOf(h, "mx1"));
        assertTrue(partKeys(h, "mx1").stream().allMatch(k -> k.startsWith((T + MIN) + "|")), partKeys(h, "mx1").toString());

        // later than the allowed lateness: a late fact, not a new window 0
        h.processElement(success("mx1", T + 20_000, "e@x.org"), 0);
        assertTrue(drain(h).isEmpty());
        Queue<StreamRecord<MessageFact>> late = h.getSideOutput(HostWindows.LATE_FACTS);
        assertEquals(1, late.size());
        assertEquals(T + 20_000, late.peek().getValue().tsNanos / 1_000_000L);

        // end of input: everything fires and every state entry is gone
        h.processWatermark(Long.MAX_VALUE);
        StatsRecord last = of(drain(h), StatsRecord.HOST).get(0);
        assertEquals(T + MIN, last.windowStart);
        assertEquals(3, last.successes);
        assertEquals(0, partKeys(h, "mx1").size());
        assertEquals(0, windowsOf(h, "mx1"));
        h.close();
    }

    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void eachHostWindowsInItsOwnClock(boolean rocksDb) throws Exception {
        var h = hostHarnessWithoutLateness(rocksDb);
        long ahead = T + Duration.ofDays(30).toMillis();
        long lagging = T - Duration.ofHours(1).toMillis();
        h.processElement(success("ahead", ahead + 1_000, "a@x.org"), 0);
        h.processElement(success("lagging", lagging + 1_000, "b@x.org"), 0);
        h.processElement(success("now", T + 1_000, "c@x.org"), 0);
        h.processElement(success("ahead", ahead + 63_000, "a@x.org"), 0);
        // the host a month ahead closes its window at once: nobody waits for the others' clocks
        List<StatsRecord> out = of(drain(h), StatsRecord.HOST);
        assertEquals(1, out.size());
        assertEquals("ahead", out.get(0).key);
        assertEquals(ahead, out.get(0).windowStart);
        assertEquals(1, windowsOf(h, "ahead"), "its next window is open, the closed one dropped");
        // the lagging host is still an hour behind; its own clock closes its window
        h.processElement(success("lagging", lagging + 62_500, "b@x.org"), 0);
        out = of(drain(h), StatsRecord.HOST);
        assertEquals(1, out.size());
        assertEquals("lagging", out.get(0).key);
        assertEquals(lagging, out.get(0).windowStart);
        // and the host in between is untouched by either
        assertEquals(1, windowsOf(h, "now"));
        // a host's facts from two lifecycle subtasks: the clock is the slower subtask's
        MessageFact p0 = success("now", T + 70_000, "c@x.org");
        p0.producers = 2;
        h.processElement(p0, 0);
        assertTrue(drain(h).isEmpty(), "subtask 1 has sent nothing yet");
        MessageFact p1 = success("now", T + 30_000, "d@x.org");
        p1.producer = 1;
        p1.producers = 2;
        h.processElement(p1, 0);
        assertTrue(drain(h).isEmpty(), "subtask 1 is at 20:00:30");
        MessageFact p1b = success("now", T + 64_000, "d@x.org");
        p1b.producer = 1;
        p1b.producers = 2;
        h.processElement(p1b, 0);
        out = of(drain(h), StatsRecord.HOST);
        assertEquals(1, out.size());
        assertEquals(2, out.get(0).successes, "the window fired with subtask 1's fact in it");
        h.close();
    }

    /**
     * The watermark fires a window of a host whose facts keep step with it, before the host's own
     * clock (its facts) passes the window: the record leaves at the watermark's time, and the window
     * keeps its state until the host's clock drops it. A host whose facts come behind the watermark
     * keeps to its own clock.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void theWatermarkFiresTheWindowOfAHostInStepWithItNotOfOneBehindIt(boolean rocksDb) throws Exception {
        var h = hostHarnessWithoutLateness(rocksDb);
        h.processWatermark(T + 9_000);
        h.processElement(success("sparse", T + 10_000, "a@x.org"), T + 10_000);
        h.processWatermark(T + 61_999);
        assertTrue(drain(h).isEmpty(), "the watermark has not passed the window's end by the fire delay");
        // a host an hour behind the fleet: its fact comes behind the watermark
        long behind = T - Duration.ofHours(1).toMillis();
        h.processElement(success("behind", behind + 10_000, "b@x.org"), behind + 10_000);
        h.processWatermark(T + 62_000);
        List<StreamRecord<StatsRecord>> out = drainRecords(h);
        List<StatsRecord> hosts = out.stream().map(StreamRecord::getValue).filter(r -> r.dimension.equals(StatsRecord.HOST)).toList();
        assertEquals(1, hosts.size(), hosts.toString());
        assertEquals("sparse", hosts.get(0).key);
        assertEquals(T, hosts.get(0).windowStart);
        assertEquals(1, hosts.get(0).revision);
        for (StreamRecord<StatsRecord> r : out) assertEquals(T + 62_000, r.getTimestamp(), "at the watermark's time");
        assertEquals(1, windowsOf(h, "sparse"), "fired, not dropped: the host's clock has not passed it");
        // a fact of the sparse host's fired window that still comes fires it again
        h.processElement(success("sparse", T + 40_000, "c@x.org"), T + 40_000);
        StatsRecord again = of(drain(h), StatsRecord.HOST).get(0);
        assertEquals(2, again.successes);
        assertEquals(2, again.revision);
        // the host behind: the watermark, far past its window, does not fire it; its clock does
        h.processWatermark(T + 600_000);
        assertTrue(drain(h).isEmpty());
        h.processElement(success("behind", behind + 63_000, "b@x.org"), behind + 63_000);
        hosts = of(drain(h), StatsRecord.HOST);
        assertEquals(1, hosts.size());
        assertEquals("behind", hosts.get(0).key);
        assertEquals(behind, hosts.get(0).windowStart);
        assertEquals(1, hosts.get(0).revision);
        h.close();
    }

    /**
     * A host whose clock runs ahead of the fleet's fires and drops its windows by its own clock; the
     * watermark timer of a dropped window is deleted, so such a host does not pile up a timer per
     * window until the watermark reaches them.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void aWindowDroppedByTheHostsClockLeavesNoWatermarkTimer(boolean rocksDb) throws Exception {
        var h = hostHarnessWithoutLateness(rocksDb);
        long ahead = T + Duration.ofDays(30).toMillis();
        h.processWatermark(T);
        h.processElement(success("ahead", ahead + 1_000, "a@x.org"), ahead + 1_000);
        assertEquals(2, h.numEventTimeTimers(), "the end of input and the window's watermark timer");
        for (int m = 1; m <= 10; m++) h.processElement(success("ahead", ahead + m * MIN + 3_000, "a@x.org"), ahead + m * MIN + 3_000);
        assertEquals(10, of(drain(h), StatsRecord.HOST).size(), "ten windows fired by the host's clock");
        assertEquals(2, h.numEventTimeTimers(), "the end of input and the open window's timer, not one per window");
        h.close();
    }

    /**
     * Live, the watermark fires nothing: an idle partition can take it past a host whose lines are
     * only late. The host's own clock fires the window, once. A bounded input (files or Kafka) has
     * no idle split, and fires on the watermark too.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void liveTheHostsClockAloneFiresItsWindows(boolean rocksDb) throws Exception {
        StatsConfig c = StatsOptions.config(io.qmailfleet.job.JobConfig.from(io.qmailfleet.job.CliArgs.parse(new String[] {
                "--kafka-bootstrap", "localhost:9092", "--allowed-lateness", "0s"})));
        assertTrue(!c.fireOnWatermark, "live input: no firing on the watermark");
        assertTrue(StatsOptions.config(io.qmailfleet.job.JobConfig.from(io.qmailfleet.job.CliArgs.parse(new String[] {
                "--input", "samples/fleet"}))).fireOnWatermark, "a backfill of files fires on the watermark");
        assertTrue(StatsOptions.config(io.qmailfleet.job.JobConfig.from(io.qmailfleet.job.CliArgs.parse(new String[] {
                "--kafka-bootstrap", "localhost:9092", "--bounded", "true"}))).fireOnWatermark,
                "a bounded read of Kafka too: its partitions end, none goes idle");
        assertTrue(!StatsOptions.config(io.qmailfleet.job.JobConfig.from(io.qmailfleet.job.CliArgs.parse(new String[] {
                "--input", "samples/fleet", "--watch", "10s"}))).fireOnWatermark, "watched files are live input");
        var h = hostHarness(c, rocksDb);
        h.processWatermark(T);
        h.processElement(success("mx1", T + 10_000, "a@x.org"), T + 10_000);
        h.processWatermark(T + 600_000);
        assertTrue(drain(h).isEmpty(), "the watermark is far past the window: nothing fires");
        h.processElement(success("mx1", T + 30_000, "b@x.org"), T + 30_000); // behind the watermark, same window
        h.processElement(success("mx1", T + 63_000, "c@x.org"), T + 63_000); // the host's clock passes the window
        List<StatsRecord> hosts = of(drain(h), StatsRecord.HOST);
        assertEquals(1, hosts.size());
        assertEquals(2, hosts.get(0).successes);
        assertEquals(1, hosts.get(0).revision);
        h.close();
    }

    private static MessageFact clock(String host, long tsMillis) {
        MessageFact f = new MessageFact();
        f.kind = FactKind.CLOCK;
        f.host = host;
        f.tsNanos = tsMillis * 1_000_000L;
        return f;
    }

    /**
     * The host's clock alone (a CLOCK fact from the host sequencer) fires the host's window, as a
     * message fact at that time would, counting nothing; it opens no window and is never late, even
     * behind the host's clock.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void aClockFactFiresTheHostsWindowsAndCountsNothing(boolean rocksDb) throws Exception {
        StatsConfig c = config();
        c.fireOnWatermark = false;
        c.allowedLatenessMillis = 0;
        var h = hostHarness(c, rocksDb);
        h.processElement(success("mx1", T + 10_000, "a@x.org"), T + 10_000);
        h.processElement(clock("mx1", T + 61_999), T + 61_999);
        assertTrue(drain(h).isEmpty(), "the window [T, T+1m) fires at its end plus the 2 s delay");
        h.processElement(clock("mx1", T + 62_000), T + 62_000);
        List<StatsRecord> out = drain(h);
        List<StatsRecord> hosts = of(out, StatsRecord.HOST);
        assertEquals(1, hosts.size(), out.toString());
        assertEquals(1, hosts.get(0).successes);
        assertEquals(T, hosts.get(0).windowStart);
        assertEquals(0, windowsOf(h, "mx1"), "dropped: no lateness");
        // clock facts open no window, behind the clock or ahead of it
        h.processElement(clock("mx1", T + 30_000), T + 30_000);
        h.processElement(clock("mx1", T + 300_000), T + 300_000);
        assertTrue(drain(h).isEmpty());
        assertEquals(0, windowsOf(h, "mx1"));
        assertEquals(0, h.getSideOutput(HostWindows.LATE_FACTS) == null ? 0 : h.getSideOutput(HostWindows.LATE_FACTS).size(),
                "a clock fact behind the clock is not late");
        // the next window counts only its message facts
        h.processElement(success("mx1", T + 301_000, "b@x.org"), T + 301_000);
        h.processElement(clock("mx1", T + 362_000), T + 362_000);
        hosts = of(drain(h), StatsRecord.HOST);
        assertEquals(1, hosts.size());
        assertEquals(1, hosts.get(0).successes);
        assertEquals(T + 300_000, hosts.get(0).windowStart);
        h.close();
    }

    private static List<StreamRecord<StatsRecord>> drainRecords(KeyedOneInputStreamOperatorTestHarness<String, ?, StatsRecord> h) {
        List<StreamRecord<StatsRecord>> out = new ArrayList<>();
        Object o;
        while ((o = h.getOutput().poll()) != null) {
            if (o instanceof StreamRecord) {
                @SuppressWarnings("unchecked")
                StreamRecord<StatsRecord> r = (StreamRecord<StatsRecord>) o;
                out.add(r);
            }
        }
        return out;
    }

    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void aSilentHostsOpenWindowFiresAfterTheIdleFlush(boolean rocksDb) throws Exception {
        StatsConfig c = config();
        c.idleFlushMillis = 300_000L;
        var h = hostHarness(c, rocksDb);
        h.setProcessingTime(1_000L);
        h.processElement(success("mx1", T + 10_000, "a@x.org"), 0);
        h.setProcessingTime(200_000L);
        assertTrue(drain(h).isEmpty());
        h.setProcessingTime(400_000L);
        List<StatsRecord> fired = of(drain(h), StatsRecord.HOST);
        assertEquals(1, fired.size());
        assertEquals(1, fired.get(0).revision);
        assertEquals(1, windowsOf(h, "mx1"), "its clock did not pass the window: the state stays");
        // the host logs again, inside the same window: it fires again, replacing the record
        h.processElement(success("mx1", T + 20_000, "b@x.org"), 0);
        StatsRecord again = of(drain(h), StatsRecord.HOST).get(0);
        assertEquals(2, again.successes);
        assertEquals(2, again.revision);
        h.processWatermark(Long.MAX_VALUE);
        drain(h);
        assertEquals(0, windowsOf(h, "mx1"));
        h.close();
    }

    /**
     * Facts are counted in memory between checkpoints: a checkpoint taken mid-window holds them all
     * (they are written before the barrier), so a restored operator goes on from exact counts; a
     * bundle that fills up is written out across hosts.
     */
    @ParameterizedTest(name = "rocksDb={0}, bundleMax={1}")
    @CsvSource({"false,10000", "true,10000", "false,2", "true,2"})
    void bundledFactsSurviveACheckpointAndRestore(boolean rocksDb, int bundleMax) throws Exception {
        StatsConfig c = config();
        c.bundleMax = bundleMax;
        var h = hostHarness(c, rocksDb);
        h.processElement(success("mx1", T + 1_000, "a@x.org"), 0);
        h.processElement(success("mx2", T + 2_000, "b@x.org"), 0);
        h.processElement(success("mx1", T + 3_000, "c@y.org"), 0);
        h.processElement(success("mx1", T + 4_000, "a@x.org"), 0);
        assertTrue(drain(h).isEmpty());
        HostWindows fn = (HostWindows) ((io.qmailfleet.job.lifecycle.WriteBackOperator<?, ?>) h.getOperator()).getUserFunction();
        if (bundleMax == 2) assertTrue(fn.bundledParts() <= 2, "a full bundle is written out");
        else assertTrue(fn.bundledParts() > 0, "the facts are counted in memory");
        h.prepareSnapshotPreBarrier(1L);
        assertEquals(0, fn.bundledParts(), "nothing is left only in memory at a checkpoint");
        OperatorSubtaskState snap = h.snapshot(1L, 1L);
        h.close();

        var r = new KeyedOneInputStreamOperatorTestHarness<String, MessageFact, StatsRecord>(
                HostWindows.operator(c), f -> f.host, Types.STRING);
        if (rocksDb) r.setStateBackend(new EmbeddedRocksDBStateBackend());
        r.initializeState(snap);
        r.open();
        r.processElement(success("mx1", T + 5_000, "a@x.org"), 0);
        r.processElement(success("mx2", T + 6_000, "b@x.org"), 0);
        r.processElement(success("mx1", T + 70_000, "d@x.org"), 0); // mx1's clock closes window 0
        List<StatsRecord> mx1 = drain(r);
        StatsRecord host1 = of(mx1, StatsRecord.HOST).get(0);
        assertEquals("mx1", host1.key);
        assertEquals(4, host1.successes, "three facts before the checkpoint, one after");
        StatsRecord a = of(mx1, StatsRecord.RECIPIENT).stream().filter(x -> x.key.equals("a@x.org")).findFirst().orElseThrow();
        assertEquals(3, a.successes);
        assertEquals(4, of(mx1, StatsRecord.SENDER).get(0).ddelayCount, "the sketch's count too");
        r.processWatermark(Long.MAX_VALUE);
        List<StatsRecord> rest = drain(r);
        StatsRecord host2 = of(rest, StatsRecord.HOST).stream().filter(x -> x.key.equals("mx2")).findFirst().orElseThrow();
        assertEquals(2, host2.successes);
        assertEquals(0, partKeys(r, "mx1").size());
        assertEquals(0, partKeys(r, "mx2").size());
        r.close();
    }

    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void fleetRecordUpdatesWhenAnotherHostsPartArrives(boolean rocksDb) throws Exception {
        var h = rollupHarness(config(), rocksDb);
        h.open();
        StatsRecord a = part("mx1", 1);
        StatsRecord b = part("mx2", 2);
        h.processElement(a, 0);
        StatsRecord first = drain(h).get(0);
        assertEquals(List.of("mx1"), first.hosts);
        assertEquals(1, first.deferrals);
        assertEquals(1, first.revision);
        h.processElement(b, 0);
        StatsRecord both = drain(h).get(0);
        assertEquals(List.of("mx1", "mx2"), both.hosts);
        assertEquals(3, both.deferrals);
        assertEquals(2, both.revision);
        assertEquals(1, both.deferralReasons.size(), "one normalised reason across hosts");
        assertEquals(3, both.deferralReasons.get(0).count);
        // mx1's window fired again after a late line: its new part replaces its old one
        StatsRecord a2 = part("mx1", 5);
        a2.revision = 2;
        h.processElement(a2, 0);
        StatsRecord updated = drain(h).get(0);
        assertEquals(7, updated.deferrals);
        assertEquals(3, updated.revision);
        h.close();
    }

    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void rollupDropsAWindowAfterItsTtlAndAtTheEndOfInput(boolean rocksDb) throws Exception {
        var h = rollupHarness(config(), rocksDb);
        h.open();
        long ttl = config().rollupTtlMillis;
        h.setProcessingTime(10_000);
        h.processElement(part("mx1", 1), 0);
        StatsRecord other = part("mx1", 2);
        other.key = "other.example.net";
        h.processElement(other, 0);
        assertEquals(2, drain(h).size());
        assertEquals(2, h.numEventTimeTimers(), "an end-of-input timer per window");
        assertEquals(2, rollupKeys(h), "one key per window with parts");
        // a second host's part of the first window a little later moves that window's expiry
        h.setProcessingTime(20_000);
        h.processElement(part("mx2", 1), 0);
        assertEquals(2, drain(h).get(0).revision);
        // the second window expires first: its state and its end-of-input timer are gone
        h.setProcessingTime(10_000 + ttl + 1_000);
        assertEquals(1, h.numEventTimeTimers());
        h.setProcessingTime(20_000 + ttl + 1_000);
        assertEquals(0, h.numEventTimeTimers());
        assertEquals(0, rollupKeys(h), "nothing kept after the TTL");
        // a new window, then the end of a bounded input: dropped without waiting for the TTL
        h.processElement(part("mx1", 1), 0);
        assertEquals(1, drain(h).get(0).revision, "a dropped window starts again at revision 1");
        h.processWatermark(Long.MAX_VALUE);
        assertEquals(0, rollupKeys(h), "nothing left for the final checkpoint");
        assertEquals(0, h.numEventTimeTimers());
        // processing-time timers left behind by dropped windows fire without effect
        h.setProcessingTime(Long.MAX_VALUE / 2);
        assertEquals(0, drain(h).size());
        assertEquals(0, rollupKeys(h));
        h.close();
    }

    /**
     * Bounded input: the roll-up holds a window's fleet record until the watermark passes the
     * window's end by the fire delay and sends it once, with every part that came by then, stamped
     * with that instant; a part that comes after it is sent at once as the next revision. A record
     * still held is sent before its window is dropped: at the end of the input, or after the TTL.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void boundedTheRollupSendsAWindowOnceWhenTheWatermarkPassesIt(boolean rocksDb) throws Exception {
        StatsConfig c = config();
        c.holdUntilWatermark = true;
        var h = rollupHarness(c, rocksDb);
        h.open();
        h.setProcessingTime(10_000);
        h.processWatermark(T);
        h.processElement(part("mx1", 1), T + MIN);
        h.processElement(part("mx2", 2), T + MIN);
        StatsRecord again = part("mx2", 3); // mx2's window fired again before the watermark came
        again.revision = 2;
        h.processElement(again, T + MIN);
        assertEquals(List.of(), drain(h), "held until the watermark passes the window");
        assertEquals(2, h.numEventTimeTimers(), "the window's fire instant and the end of input");
        long fireAt = T + MIN + c.fireDelayMillis;
        h.processWatermark(fireAt - 1);
        assertEquals(List.of(), drain(h));
        h.processWatermark(fireAt);
        List<StreamRecord<StatsRecord>> sent = drainRecords(h);
        assertEquals(1, sent.size(), sent.toString());
        StatsRecord fleet = sent.get(0).getValue();
        assertEquals(fireAt, sent.get(0).getTimestamp());
        assertEquals(List.of("mx1", "mx2"), fleet.hosts);
        assertEquals(4, fleet.deferrals, "mx1's part and mx2's latest");
        assertEquals(1, fleet.revision);
        assertEquals(4, fleet.deferralReasons.get(0).count, "finished as a record sent at once is");
        // a host behind the watermark: its part is sent at once, summed with the others
        h.processElement(part("mx3", 5), T + MIN);
        StatsRecord late = drain(h).get(0);
        assertEquals(List.of("mx1", "mx2", "mx3"), late.hosts);
        assertEquals(9, late.deferrals);
        assertEquals(2, late.revision);
        // one part alone, held, then the TTL: sent, then dropped
        h.processElement(part("mx1", 1, "lone.example.net", 10), T + 11 * MIN);
        assertEquals(List.of(), drain(h));
        h.setProcessingTime(10_000 + c.rollupTtlMillis + 1_000);
        StatsRecord expired = drain(h).get(0);
        assertEquals("lone.example.net", expired.key);
        assertEquals(1, expired.deferrals);
        assertEquals(1, expired.revision);
        assertEquals(1, expired.deferralReasons.get(0).count);
        // another, held at the end of the input: sent, then every window is dropped
        assertAWindowHeldAtTheEndIsSentAndNothingIsLeft(h);
        h.close();
    }

    /**
     * A backfill of files with a reader per host: a window is dropped when the watermark passes its
     * fire instant by the allowed lateness and the log-time TTL, with no processing-time timer, so
     * the roll-up keeps a bounded span of log time. A part after the drop is sent alone and counted.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void backfillWithAReaderPerHostTheRollupDropsAWindowByLogTime(boolean rocksDb) throws Exception {
        StatsConfig c = logTimeConfig();
        var h = rollupHarness(c, rocksDb);
        h.open();
        h.setProcessingTime(10_000);
        h.processWatermark(T);
        h.processElement(part("mx1", 1), T + MIN);
        h.processElement(part("mx2", 2), T + MIN);
        assertEquals(0, h.numProcessingTimeTimers(), "no processing-time bound");
        assertEquals(2, h.numEventTimeTimers(), "the window's fire instant and its drop instant");
        long fireAt = T + MIN + c.fireDelayMillis;
        long dropAt = fireAt + c.allowedLatenessMillis + c.rollupLogTtlMillis;
        assertEquals(dropAt, c.rollupDropAt(T + MIN));
        h.processWatermark(fireAt);
        List<StreamRecord<StatsRecord>> sent = drainRecords(h);
        assertEquals(1, sent.size(), sent.toString());
        assertEquals(fireAt, sent.get(0).getTimestamp());
        assertEquals(List.of("mx1", "mx2"), sent.get(0).getValue().hosts);
        assertEquals(3, sent.get(0).getValue().deferrals);
        // processing time alone drops nothing: a backfill that takes longer than the TTL keeps its window
        h.setProcessingTime(10_000 + 2 * c.rollupTtlMillis);
        assertEquals(List.of(), drain(h));
        assertEquals(1, rollupKeys(h));
        // a part behind the watermark, before the drop: summed with the others, the next revision
        h.processWatermark(dropAt - 1);
        h.processElement(part("mx3", 5), T + MIN);
        StatsRecord late = drain(h).get(0);
        assertEquals(List.of("mx1", "mx2", "mx3"), late.hosts);
        assertEquals(8, late.deferrals);
        assertEquals(2, late.revision);
        assertEquals(1, h.numEventTimeTimers(), "the drop instant");
        h.processWatermark(dropAt);
        assertEquals(List.of(), drain(h), "nothing held: nothing sent");
        assertEquals(0, rollupKeys(h), "dropped by log time");
        assertEquals(0, h.numEventTimeTimers());
        assertEquals(0L, partsAfterDrop(h));
        // a part after the drop: sent alone at once, counted, and dropped at the next watermark
        h.processElement(part("mx4", 1), T + MIN);
        StatsRecord alone = drain(h).get(0);
        assertEquals(List.of("mx4"), alone.hosts);
        assertEquals(1, alone.revision);
        assertEquals(1L, partsAfterDrop(h));
        h.processWatermark(dropAt + 1);
        assertEquals(0, rollupKeys(h));
        // a window still held at the end of the input: sent, then nothing is left
        assertAWindowHeldAtTheEndIsSentAndNothingIsLeft(h);
        assertEquals(0, h.numProcessingTimeTimers());
        h.close();
    }

    /**
     * Under the log-time bound the keys of a window held in memory share its two timers: one key's
     * timer at the fire instant sends every key's record, one at the drop instant drops them all.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void underTheLogTimeBoundTheKeysOfAWindowShareItsTwoTimers(boolean rocksDb) throws Exception {
        StatsConfig c = logTimeConfig();
        var h = rollupHarness(c, rocksDb);
        h.open();
        h.processWatermark(T);
        int n = 40;
        for (int i = 0; i < n; i++) h.processElement(part("mx1", 1, "d" + i + ".example.net", 0), T + MIN);
        h.processElement(part("mx2", 2, "d0.example.net", 0), T + MIN);
        assertEquals(List.of(), drain(h), "held for the watermark");
        assertEquals(2, h.numEventTimeTimers(), "the window's fire and drop instants, not two per key");
        long fireAt = T + MIN + c.fireDelayMillis;
        long dropAt = c.rollupDropAt(T + MIN);
        h.processWatermark(fireAt);
        List<StreamRecord<StatsRecord>> sent = drainRecords(h);
        assertEquals(n, sent.size(), "one record per key");
        java.util.Set<String> keys = new java.util.TreeSet<>();
        for (StreamRecord<StatsRecord> r : sent) {
            assertEquals(fireAt, r.getTimestamp(), "at the fire instant, as a timer of its own would send it");
            assertEquals(1, r.getValue().revision);
            keys.add(r.getValue().key);
            if (r.getValue().key.equals("d0.example.net")) {
                assertEquals(List.of("mx1", "mx2"), r.getValue().hosts);
                assertEquals(3, r.getValue().deferrals);
            } else {
                assertEquals(1, r.getValue().deferrals);
            }
        }
        assertEquals(n, keys.size());
        assertEquals(1, h.numEventTimeTimers(), "the drop instant");
        // a key that comes after the fire instant: sent at once, dropped with the others
        h.processElement(part("mx1", 1, "late.example.net", 0), T + MIN);
        assertEquals(List.of("late.example.net"), drain(h).stream().map(r -> r.key).toList());
        assertEquals(1, h.numEventTimeTimers());
        h.processWatermark(dropAt);
        assertEquals(List.of(), drain(h));
        assertEquals(0, h.numEventTimeTimers());
        assertEquals(0, rollupKeys(h), "every key dropped at the window's drop instant");
        assertEquals(0L, partsAfterDrop(h));
        h.close();
    }

    /**
     * A key that leaves memory (a flush before a checkpoint barrier) gets timers of its own, so a
     * checkpoint holds a timer for every key and a restore sends and drops them as before; keys that
     * come after the flush share their window's timers again.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void aKeyWrittenByAFlushGetsTimersOfItsOwnAndARestoreSendsAndDropsIt(boolean rocksDb) throws Exception {
        StatsConfig c = logTimeConfig();
        long fireAt = T + MIN + c.fireDelayMillis;
        long dropAt = c.rollupDropAt(T + MIN);
        var h = rollupHarness(c, rocksDb);
        h.open();
        h.processWatermark(T);
        for (int i = 0; i < 10; i++) h.processElement(part("mx1", 1, "d" + i + ".example.net", 0), T + MIN);
        assertEquals(2, h.numEventTimeTimers());
        h.prepareSnapshotPreBarrier(1L);
        assertEquals(20, h.numEventTimeTimers(), "each key's fire and drop instants, once it is written");
        OperatorSubtaskState snap = h.snapshot(1L, 1L);
        for (int i = 10; i < 15; i++) h.processElement(part("mx1", 1, "d" + i + ".example.net", 0), T + MIN);
        assertEquals(22, h.numEventTimeTimers(), "the new keys share two timers");
        h.processWatermark(fireAt);
        List<StreamRecord<StatsRecord>> sent = drainRecords(h);
        assertEquals(15, sent.size());
        assertEquals(15, sent.stream().map(r -> r.getValue().key).distinct().count());
        for (StreamRecord<StatsRecord> r : sent) assertEquals(fireAt, r.getTimestamp());
        h.processWatermark(dropAt);
        assertEquals(0, h.numEventTimeTimers());
        assertEquals(0, rollupKeys(h));
        h.close();

        var r = rollupHarness(c, rocksDb);
        r.initializeState(snap);
        r.open();
        assertEquals(20, r.numEventTimeTimers(), "restored: every key's own timers");
        r.processWatermark(fireAt);
        List<StatsRecord> restored = drain(r);
        assertEquals(10, restored.size());
        assertEquals(10, restored.stream().map(x -> x.key).distinct().count());
        r.processWatermark(dropAt);
        assertEquals(List.of(), drain(r));
        assertEquals(0, r.numEventTimeTimers());
        assertEquals(0, rollupKeys(r));
        r.close();
    }

    /**
     * A window kept by log time, restored from a savepoint into a run bound by processing time: it
     * is sent when the watermark passes it, then kept by processing time and dropped at the TTL.
     */
    @ParameterizedTest(name = "rocksDb={0}")
    @ValueSource(booleans = {false, true})
    void aWindowKeptByLogTimeIsKeptByProcessingTimeAfterARestoreWithout(boolean rocksDb) throws Exception {
        StatsConfig logTime = logTimeConfig();
        var h = rollupHarness(logTime, rocksDb);
        h.open();
        h.processWatermark(T);
        h.processElement(part("mx1", 1), T + MIN);
        assertEquals(List.of(), drain(h));
        h.prepareSnapshotPreBarrier(1L); // as the task does before the barrier (the harness's snapshot does not)
        OperatorSubtaskState snap = h.snapshot(1L, 1L);
        h.close();

        StatsConfig processingTime = config();
        processingTime.holdUntilWatermark = true;
        var r = rollupHarness(processingTime, rocksDb);
        r.setProcessingTime(10_000);
        r.initializeState(snap);
        r.open();
        long fireAt = T + MIN + processingTime.fireDelayMillis;
        r.processWatermark(fireAt);
        StatsRecord sent = drain(r).get(0);
        assertEquals(List.of("mx1"), sent.hosts);
        assertEquals(1, r.numProcessingTimeTimers(), "kept by processing time from now on");
        r.processWatermark(logTime.rollupDropAt(T + MIN));
        assertEquals(1, rollupKeys(r), "the log-time drop instant no longer drops it");
        r.setProcessingTime(10_000 + processingTime.rollupTtlMillis + 1_000);
        assertEquals(0, rollupKeys(r), "dropped at the processing-time TTL");
        assertEquals(0, r.numProcessingTimeTimers());
        assertEquals(0, r.numEventTimeTimers());
        r.close();
    }

    /** The log-time bound is on for a backfill of files that reads every host with a reader of its own, and only then. */
    @org.junit.jupiter.api.Test
    void theRollupsLogTimeBoundIsForABackfillOfFilesWithAReaderPerHost(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String sample = io.qmailfleet.job.testutil.Capture.repo().resolve("samples/fleet").toString();
        assertEquals(Duration.ofHours(2).toMillis(), statsOf("--input", sample).rollupLogTtlMillis);
        assertEquals(Duration.ofMinutes(30).toMillis(),
                statsOf("--input", sample, "--stats-rollup-ttl", "30m").rollupLogTtlMillis);
        assertEquals(-1L, statsOf("--input", sample, "--watch", "10s").rollupLogTtlMillis, "live files");
        assertEquals(-1L, statsOf("--kafka-bootstrap", "localhost:9092", "--bounded", "true").rollupLogTtlMillis,
                "a bounded Kafka read: a partition may hold hosts one after the other");
        assertEquals(-1L, statsOf("--kafka-bootstrap", "localhost:9092").rollupLogTtlMillis, "live Kafka");
        // one directory per host: 64 hosts have a reader each, a 65th shares one
        for (int i = 1; i <= io.qmailfleet.job.source.FileLines.MAX_READERS; i++) {
            java.nio.file.Path host = java.nio.file.Files.createDirectories(dir.resolve(String.format("mx%03d", i)));
            java.nio.file.Files.writeString(host.resolve("current"), "@400000006b05ee591fde16b4 status: local 0/10 remote 0/20\n");
        }
        assertTrue(statsOf("--input", dir.toString()).rollupLogTtlMillis > 0, "64 hosts, 64 readers");
        java.nio.file.Path extra = java.nio.file.Files.createDirectories(dir.resolve("mx065"));
        java.nio.file.Files.writeString(extra.resolve("current"), "@400000006b05ee591fde16b4 status: local 0/10 remote 0/20\n");
        assertEquals(-1L, statsOf("--input", dir.toString()).rollupLogTtlMillis, "65 hosts: a reader reads two hosts one after the other");
        assertEquals(-1L, statsOf("--input", dir.resolve("none").toString()).rollupLogTtlMillis,
                "nothing listed here: the source reads the input as given, with one reader");
    }

    private static StatsConfig statsOf(String... args) {
        return StatsOptions.config(io.qmailfleet.job.JobConfig.from(io.qmailfleet.job.CliArgs.parse(args)));
    }

    private static long partsAfterDrop(KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> h) {
        return (Long) h.getEnvironment().getAccumulatorRegistry().getUserMap()
                .get(FleetRollup.ACC_PARTS_AFTER_DROP).getLocalValue();
    }

    /** A backfill's roll-up with a reader per host: held until the watermark, dropped 10 minutes of log time after. */
    private static StatsConfig logTimeConfig() {
        StatsConfig c = config();
        c.holdUntilWatermark = true;
        c.rollupLogTtlMillis = 10 * MIN;
        return c;
    }

    /** A part held for the watermark when the input ends: sent as revision 1, then no window and no event timer is left. */
    private static void assertAWindowHeldAtTheEndIsSentAndNothingIsLeft(
            KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> h) throws Exception {
        h.processElement(part("mx2", 2, "last.example.net", 20), T + 21 * MIN);
        assertEquals(List.of(), drain(h));
        h.processWatermark(Long.MAX_VALUE);
        List<StatsRecord> atEnd = drain(h);
        assertEquals(List.of("last.example.net"), atEnd.stream().map(r -> r.key).toList());
        assertEquals(1, atEnd.get(0).revision);
        assertEquals(0, rollupKeys(h), "nothing left for the final checkpoint");
        assertEquals(0, h.numEventTimeTimers());
    }

    /** A harness of the roll-up with {@code c}, not yet opened. */
    private static KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> rollupHarness(StatsConfig c, boolean rocksDb)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord>(
                FleetRollup.operator(c), new FleetRollup.RollupKey(), Types.STRING);
        if (rocksDb) h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    /** Keys (windows) that hold roll-up state, as a checkpoint would see them: each of its states counted. */
    private static int rollupKeys(KeyedOneInputStreamOperatorTestHarness<String, StatsRecord, StatsRecord> h)
            throws Exception {
        h.prepareSnapshotPreBarrier(0L);
        AbstractStreamOperator<?> op = (AbstractStreamOperator<?>) h.getOperator();
        KeyedStateBackend<String> kb = op.getKeyedStateBackend();
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (String state : List.of("rollup-part-bytes", "rollup-parts", "rollup-revision", "rollup-held", "rollup-expires")) {
            try (var ks = kb.getKeys(state, VoidNamespace.INSTANCE)) {
                ks.forEach(keys::add);
            }
        }
        return keys.size();
    }

    /** {@link #part} of another domain's window, {@code minutes} after the first. */
    private static StatsRecord part(String host, int deferrals, String domain, int minutes) {
        StatsRecord r = part(host, deferrals);
        r.key = domain;
        r.windowStart += minutes * MIN;
        r.windowEnd += minutes * MIN;
        return r;
    }

    private static StatsRecord part(String host, int deferrals) {
        StatsRecord r = Measures.empty(StatsRecord.DOMAIN, "remote.example.net", T, T + MIN);
        r.hosts.add(host);
        r.revision = 1;
        for (int i = 0; i < deferrals; i++) {
            MessageFact f = success(host, T + 1_000 + i, "defer" + i + "@remote.example.net");
            f.outcome = Outcome.DEFERRAL;
            f.report = "127.0.0.1_does_not_like_recipient./Remote_host_said:_451_4.2.1_<defer" + i
                    + "@remote.example.net>:_mailbox_temporarily_unavailable/Giving_up_on_127.0.0.1./";
            Measures.add(r, f);
        }
        return r;
    }
}
