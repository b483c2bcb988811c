package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.LifecycleStatus;
import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.end;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.onHost;
import static io.qmailfleet.job.lifecycle.Ev.status;
import static io.qmailfleet.job.lifecycle.Ev.warning;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.QmailEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two parts of stage A's reorder buffer: the in-order FIFO ({@code fifo} map state) and the
 * stragglers ({@code reorder} value state), merged on release by (log time, arrival sequence).
 * Every test runs on the heap and on the RocksDB state backend.
 */
class ReorderBufferTest {

    private static LifecycleConfig withBound(long millis) {
        LifecycleConfig c = Pipeline.inOrderConfig();
        c.maxOutOfOrderNanos = millis * 1_000_000L;
        return c;
    }

    static StateBackend backend(String name) {
        return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : null;
    }

    private static Pipeline pipeline(LifecycleConfig config, String backend) throws Exception {
        Pipeline p = new Pipeline(config, JoinedLineParser.qmailLineParser(), backend(backend));
        assertEquals(backend.equals("rocksdb"), p.stageABackendClass().startsWith("RocksDB"));
        return p;
    }

    /** A marker line: a warning (host event) whose text names it. */
    private static QmailEvent mark(long ms, String name) {
        return warning(ms, name);
    }

    private static List<String> released(Pipeline p) {
        return p.hostEvents.stream().map(e -> e.text).toList();
    }

    private static void assertNoBufferState(Pipeline p) throws Exception {
        assertEquals(0, p.stageAKeysWith("fifo"), "FIFO map state left behind");
        assertEquals(0, p.stageAKeysWith("reorder"), "stragglers state left behind");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void fifoAndStragglersMergeInTimeThenArrivalOrder(String backend) throws Exception {
        try (Pipeline p = pipeline(withBound(2000), backend)) {
            p.feed(mark(100, "a100"), // FIFO
                    mark(200, "b200"), // FIFO
                    mark(150, "c150"), // straggler
                    mark(200, "d200"), // FIFO (not older than the FIFO tail)
                    mark(150, "e150"), // straggler, same time as c150, arrived later
                    mark(300, "f300"), // FIFO
                    mark(200, "g200"), // straggler, same time as b200 and d200 in the FIFO, arrived later
                    mark(100, "h100"), // straggler, same time as the FIFO head
                    mark(300, "i300"), // FIFO
                    mark(120, "j120"), // straggler
                    mark(200, "k200")); // straggler, after g200
            assertTrue(p.hostEvents.isEmpty(), "all within the bound");
            assertEquals(1, p.stageAKeysWith("fifo"));
            assertEquals(1, p.stageAKeysWith("reorder"));

            p.feed(mark(2150, "l2150")); // releases everything up to 150
            assertEquals(List.of("a100", "h100", "j120", "c150", "e150"), released(p));

            p.feed(mark(2250, "m2250")); // up to 250: the three FIFO lines at 200 first, then the stragglers
            assertEquals(List.of("a100", "h100", "j120", "c150", "e150", "b200", "d200", "g200", "k200"),
                    released(p));
            assertEquals(0, p.stageAKeysWith("reorder"), "every straggler is out");

            p.feed(mark(260, "n260")); // a straggler again (older than the FIFO tail), not late nor due
            assertEquals(1, p.stageAKeysWith("reorder"));
            p.endOfInput();
            assertEquals(List.of("a100", "h100", "j120", "c150", "e150", "b200", "d200", "g200", "k200",
                    "n260", "f300", "i300", "l2150", "m2250"), released(p));
            assertTrue(p.late.isEmpty());
            assertNoBufferState(p);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void checkpointWithFifoAndStragglersRestores(String backend) throws Exception {
        try (Pipeline p = pipeline(withBound(2000), backend)) {
            p.feed(status(0, 0, 0), newMsg(1000, 1), mark(1100, "x1100"), end(1500, 1),
                    info(1005, 1, 10, "a@example.com", 3, 4), // straggler
                    mark(1100, "y1100"), // straggler, after x1100 by arrival
                    newMsg(1600, 2));
            // the FIFO's lines are in memory until a checkpoint writes them
            assertEquals(5, p.fifoLinesInMemory());
            assertEquals(1, p.stageAKeysWith("fifo"));
            assertEquals(0, p.fifoLinesInMemory());
            assertEquals(1, p.stageAKeysWith("reorder"));
            assertTrue(p.stageA.isEmpty());

            p.snapshotAndRestoreStageA();
            assertEquals(1, p.stageAKeysWith("fifo"), "FIFO restored");
            assertEquals(1, p.stageAKeysWith("reorder"), "stragglers restored");

            p.feed(mark(1100, "z1100"), // straggler after the restore (FIFO tail is 1600)
                    end(1700, 2),
                    mark(3200, "w3200")); // releases up to 1200
            assertEquals(List.of(at(1000), at(1005)), p.stageA.stream().map(e -> e.tsNanos).toList());
            assertEquals(List.of(at(0), at(1100), at(1100), at(1100)),
                    p.hostEvents.stream().map(e -> e.tsNanos).toList());
            assertEquals(List.of("x1100", "y1100", "z1100"), released(p).subList(1, 4));
            assertEquals(0, p.stageAKeysWith("reorder"));

            p.feed(mark(3510, "v3510")); // releases up to 1510: end msg 1
            assertEquals(1, p.records.size());
            assertEquals(LifecycleStatus.COMPLETE, p.record(1).status);
            assertEquals(at(1005), p.record(1).infoNanos);

            p.endOfInput();
            assertEquals(LifecycleStatus.COMPLETE, p.record(2).status);
            assertEquals(List.of("x1100", "y1100", "z1100", "w3200", "v3510"), released(p).subList(1, 6));
            assertTrue(p.late.isEmpty());
            assertTrue(p.deadLetters.isEmpty());
            assertNoBufferState(p);
            assertEquals(0, p.stageAKeysWith("host"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void fullyReleasedBufferLeavesNoState(String backend) throws Exception {
        try (Pipeline p = pipeline(withBound(1000), backend)) {
            for (int i = 0; i < 50; i++) p.feed(mark(10L * i, "in" + i));
            p.feed(mark(5, "late-but-not-late")); // straggler
            assertEquals(1, p.stageAKeysWith("fifo"));
            assertEquals(1, p.stageAKeysWith("reorder"));
            p.feed(mark(5000, "far")); // releases all but "far" by host time
            assertEquals(51, p.hostEvents.size());
            assertEquals("late-but-not-late", p.hostEvents.get(1).text);
            assertEquals(2, p.a.numEventTimeTimers(), "buffer-head timer for \"far\" + end-of-input timer");
            p.watermark(Math.floorDiv(at(5000), 1_000_000L)); // the watermark releases the last line
            assertEquals(52, p.hostEvents.size());
            assertNoBufferState(p);
            assertEquals(1, p.stageAKeysWith("host"), "the host itself stays until the end");
            assertEquals(1, p.a.numEventTimeTimers(), "only the end-of-input timer");

            // buffering starts again after a full release
            p.feed(mark(6000, "again"), mark(5900, "before-again"));
            assertEquals(1, p.stageAKeysWith("fifo"));
            p.endOfInput();
            assertEquals(List.of("far", "before-again", "again"), released(p).subList(51, 54));
            assertNoBufferState(p);
            assertEquals(0, p.stageAKeysWith("host"));
            assertEquals(0, p.a.numEventTimeTimers());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void idleEvictionDropsTheBuffer(String backend) throws Exception {
        LifecycleConfig c = withBound(2000);
        try (Pipeline p = pipeline(c, backend)) {
            p.feed(mark(100, "a"), mark(200, "b"), mark(150, "c"));
            p.processingTime(c.hostIdleTtlMillis + 1);
            assertEquals(List.of("a", "c", "b"), released(p));
            assertNoBufferState(p);
            assertEquals(0, p.stageAKeysWith("host"));
        }
    }

    /**
     * Random bounded disorder on two hosts: no line is late (each is at most half the bound older
     * than the newest line of its host), so the released sequence of a host is its lines sorted
     * by time, ties in arrival order; a checkpoint is taken half-way.
     */
    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void randomBoundedDisorderIsSortedStably(String backend) throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Random rnd = new Random(seed);
            try (Pipeline p = pipeline(withBound(1000), backend)) {
                List<QmailEvent> all = new ArrayList<>();
                long[] max = {0, 0};
                for (int i = 0; i < 600; i++) {
                    int h = rnd.nextInt(2);
                    long ms;
                    if (rnd.nextInt(10) < 7) {
                        max[h] += rnd.nextInt(40); // in order, often the same millisecond
                        ms = max[h];
                    } else {
                        ms = Math.max(0, max[h] - rnd.nextInt(500)); // a straggler
                    }
                    QmailEvent e = onHost(mark(ms, "l" + i), "h" + h);
                    all.add(e.copy());
                    p.feed(e);
                    if (i == 300) p.snapshotAndRestoreStageA();
                }
                p.endOfInput();
                assertTrue(p.late.isEmpty());
                for (String host : List.of("h0", "h1")) {
                    List<String> want = all.stream().filter(e -> e.host.equals(host))
                            .sorted(Comparator.comparingLong(e -> e.tsNanos)) // stable: arrival order on ties
                            .map(e -> e.text).toList();
                    List<String> got = p.hostEvents.stream().filter(e -> e.host.equals(host))
                            .map(e -> e.text).toList();
                    assertEquals(want, got, "seed " + seed + " host " + host);
                }
                assertNoBufferState(p);
            }
        }
    }
}
