package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.LifecycleStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.QmailEvent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.junit.jupiter.api.Test;

/**
 * real-capture-1 through both stages on the RocksDB state backend (the production backend): the
 * same 539 life cycles as the heap run that {@link RealCaptureTest} checks field by field against
 * {@code lifecycles.json}, also when the capture arrives locally out of order (so the stragglers
 * part of the reorder buffer is used on RocksDB too).
 */
class RealCaptureRocksDbTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<QmailEvent> captureEvents() {
        List<QmailEvent> events = RealCaptureTest.captureEvents();
        assertEquals(4526, events.size());
        return events;
    }

    private static List<QmailEvent> copies(List<QmailEvent> events) {
        return events.stream().map(QmailEvent::copy).toList();
    }

    /** Runs the events through both stages; returns the records as sorted JSON strings. */
    private static List<String> run(List<QmailEvent> events, boolean rocksDb) throws Exception {
        try (Pipeline p = new Pipeline(new LifecycleConfig(), JoinedLineParser.qmailLineParser(),
                rocksDb ? new EmbeddedRocksDBStateBackend() : null)) {
            assertEquals(rocksDb, p.stageABackendClass().startsWith("RocksDB"), p.stageABackendClass());
            p.feed(events.toArray(new QmailEvent[0]));
            p.endOfInput();
            assertTrue(p.deadLetters.isEmpty(), () -> "dead letters: " + p.deadLetters);
            assertTrue(p.late.isEmpty());
            for (String s : List.of("host", "fifo", "reorder", "deliveries", "openMessages", "links", "openByQp")) {
                assertEquals(0, p.stageAKeysWith(s), "stage A state left: " + s);
            }
            assertEquals(0, p.stageAKeysWith("lifecycles"));
            List<String> out = new ArrayList<>();
            for (LifecycleRecord r : p.records) {
                assertEquals(LifecycleStatus.COMPLETE, r.status);
                out.add(JSON.writeValueAsString(r));
            }
            out.sort(null); // emission order of independent messages is not part of the contract
            return out;
        }
    }

    @Test
    void captureOnRocksDbGivesTheHeapRecords() throws Exception {
        List<QmailEvent> events = captureEvents();
        List<String> heap = run(copies(events), false);
        List<String> rocks = run(copies(events), true);

        JsonNode truth = JSON.readTree(Capture.lifecyclesJson().toFile());
        assertEquals(539, truth.size());
        assertEquals(truth.size(), rocks.size());
        assertEquals(heap, rocks);

        // and they are the life cycles of the ground truth (by message id and birth time)
        Set<String> got = new HashSet<>();
        for (String r : rocks) {
            JsonNode n = JSON.readTree(r);
            got.add(n.get("msgId").asLong() + "@" + n.get("newNanos").asLong() / 1_000);
        }
        for (JsonNode t : truth) {
            long micros = new BigDecimal(t.get("new").asText()).movePointRight(6).longValue();
            boolean found = false;
            for (long d = -1; d <= 1 && !found; d++) found = got.contains(t.get("msgid").asLong() + "@" + (micros + d));
            assertTrue(found, "no record for lifecycle " + t.get("index"));
        }
    }

    @Test
    void locallyDisorderedCaptureOnRocksDbGivesTheSameRecords() throws Exception {
        List<QmailEvent> events = captureEvents();
        List<String> heapInOrder = run(copies(events), false);

        // swap disjoint neighbours less than 1 s apart (never two lines of the same time, whose
        // arrival order is their order): sorting by time inside the 2 s bound restores the log
        List<QmailEvent> shuffled = new ArrayList<>(copies(events));
        Random rnd = new Random(42);
        int swaps = 0;
        for (int i = 0; i + 1 < shuffled.size(); i++) {
            long a = shuffled.get(i).tsNanos;
            long b = shuffled.get(i + 1).tsNanos;
            if (b > a && b - a < 1_000_000_000L && rnd.nextInt(4) == 0) {
                QmailEvent x = shuffled.get(i);
                shuffled.set(i, shuffled.get(i + 1));
                shuffled.set(i + 1, x);
                swaps++;
                i++;
            }
        }
        assertTrue(swaps > 500, "swaps: " + swaps);
        assertEquals(heapInOrder, run(shuffled, true));
    }

    /**
     * The capture on RocksDB with a checkpoint and a restore every 500 lines (what the operator
     * holds in memory is written before each barrier, then a fresh instance reads the checkpoint),
     * and with so small a limit on what it holds that it is written in between too: the records of
     * the heap run, and nothing held in memory after a checkpoint.
     */
    @Test
    void checkpointsAndTheMemoryLimitOnRocksDbGiveTheHeapRecords() throws Exception {
        List<QmailEvent> events = captureEvents();
        List<String> heap = run(copies(events), false);
        Map<Integer, Integer> mostHeld = new HashMap<>();
        for (int limit : new int[] {0, 40, 1_000_000}) {
            int[] most = {0};
            try (Pipeline p = new Pipeline(new LifecycleConfig(), JoinedLineParser.qmailLineParser(),
                    new EmbeddedRocksDBStateBackend(), s -> s.holdAtMost(limit, 8))) {
                List<QmailEvent> lines = copies(events);
                for (int i = 0; i < lines.size(); i++) {
                    p.feed(lines.get(i));
                    most[0] = Math.max(most[0], p.entriesInMemory());
                    if (i % 500 == 499) {
                        p.snapshotAndRestoreStageA();
                        assertEquals(0, p.entriesInMemory(), "held after a checkpoint at line " + i);
                    }
                }
                p.endOfInput();
                assertTrue(p.deadLetters.isEmpty(), () -> "dead letters: " + p.deadLetters);
                List<String> out = new ArrayList<>();
                for (LifecycleRecord r : p.records) out.add(JSON.writeValueAsString(r));
                out.sort(null);
                assertEquals(heap, out, "records with the limit at " + limit);
                assertEquals(0, p.stageAKeysWith("lifecycles"));
                assertEquals(0, p.stageAKeysWith("openMessages"));
            }
            mostHeld.put(limit, most[0]);
        }
        // the limit writes what is held between checkpoints (a line that releases a burst of new
        // messages from the reorder buffer adds hundreds of entries at once, so it is not a hard cap)
        assertTrue(mostHeld.get(0) < mostHeld.get(1_000_000), mostHeld::toString);
        assertTrue(mostHeld.get(40) < mostHeld.get(1_000_000), mostHeld::toString);
    }
}
