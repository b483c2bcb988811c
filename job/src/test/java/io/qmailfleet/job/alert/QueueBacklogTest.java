package io.qmailfleet.job.alert;

import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.alert.Fleet.Host;
import io.qmailfleet.job.alert.Fleet.Run;
import io.qmailfleet.job.lifecycle.HostSequencer;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import static io.qmailfleet.job.alert.Fleet.DEFER;
import static io.qmailfleet.job.alert.Fleet.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The queue backlog rule ({@code queue_backlog}): messages open on a host longer than
 * {@code --queue-age}, growing. On the whole graph (MiniCluster, parallelism 2) with a synthetic
 * host built from the catalog's line shapes, and on the alert engine's harness fed the same
 * per-message alerts as a live run sees them (a few at a time, the watermark following) and as a
 * backfill does (all at once, then the end of input).
 */
class QueueBacklogTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static final long MIN = 60_000L;
    private static final String[] ARGS = {"--stuck-after", "5m", "--queue-age", "10m", "--queue-age-min", "5",
            "--queue-age-window", "10m", "--queue-age-for", "5m"};

    /**
     * One message a minute to a domain that defers everything, from minute 1 to 20, never ending,
     * while other mail flows; from minute 25 the domain takes them all, one a second.
     */
    private static Host fillingQueue() {
        Host h = new Host("mx1", 0).startup(0);
        List<Long> stuck = new ArrayList<>();
        for (long t = MIN; t <= 20 * MIN; t += MIN) {
            stuck.add(h.message(t, "user" + t / MIN + "@down.example", DEFER));
            h.message(t + 30_000, "ok@up.example", OK);
        }
        for (long t = 21 * MIN; t < 25 * MIN; t += 30_000) h.message(t, "ok@up.example", OK);
        for (int i = 0; i < stuck.size(); i++) {
            long t = 25 * MIN + i * 1000L;
            h.attempt(t, stuck.get(i), "user" + (i + 1) + "@down.example", OK).line(t + 3, "end msg " + stuck.get(i));
        }
        for (long t = 26 * MIN; t <= 30 * MIN; t += MIN) h.message(t, "ok@up.example", OK);
        return h;
    }

    @Test
    void aQueueFillingWithMessagesThatNeverEndPagesOnceAndResolvesWhenTheyAreDelivered() throws Exception {
        Run r = Fleet.run(Fleet.config(ARGS), 2, fillingQueue().raw());
        Map<String, List<String>> byKey = r.byKey();
        assertEquals(Set.of("queue_backlog:mx1", "stuck_messages:mx1:down.example"), byKey.keySet(), r.pages().toString());
        // the 5th message (queued at minute 5) reaches 10 minutes at minute 15; held 5 minutes: minute 20.
        // The 11th of the 15 counted messages ends at 25m + 10 s + 3 ms: 4 left, below the minimum; resolved
        // after --alert-resolve-after (1m)
        assertEquals(List.of("trigger@" + nanos(20 * MIN), "resolve@" + nanos(25 * MIN + 10_003 + MIN)),
                byKey.get("queue_backlog:mx1"), r.pages().toString());
        PageEvent t = r.pages().stream().filter(p -> p.dedupKey.equals("queue_backlog:mx1")).findFirst().orElseThrow();
        assertEquals("warning", t.severity);
        assertEquals("queue_backlog", t.alertClass);
        assertEquals(10, t.count, t.detail); // queued at minutes 1 to 10
        assertEquals("mx1: 10 messages queued longer than 10m", t.summary);
        assertTrue(t.detail.startsWith("10 messages open longer than 10m"), t.detail);
        assertEquals(List.of(), r.open());
        // the per-message alerts the engine read, replayed on its harness live and as a backfill
        List<MessageAlert> alerts = r.sinks.alerts();
        assertTrue(alerts.size() >= 40, alerts.toString());
        List<String> backfill = harness(alerts, alerts.size());
        List<String> live = harness(alerts, 3);
        assertEquals(backfill, live);
        // the engine as the job runs it (its state held in memory between checkpoints), on RocksDB,
        // with a checkpoint and a restore after every few alerts
        assertEquals(live, heldOnRocksDb(alerts, 3));
        assertEquals(r.pages().stream().filter(p -> p.dedupKey.startsWith("queue_backlog"))
                .map(p -> p.eventAction + "@" + p.timestampNanos).collect(Collectors.toList()),
                backfill.stream().filter(s -> s.contains("queue_backlog")).map(s -> s.substring(s.indexOf(' ') + 1))
                        .collect(Collectors.toList()));
    }

    @Test
    void aBacklogBelowTheMinimumOrNoLongerGrowingDoesNotPage() throws Exception {
        // the same queue, with a minimum the backlog never reaches
        Run r = Fleet.run(Fleet.config("--stuck-after", "5m", "--queue-age", "10m", "--queue-age-min", "16",
                "--queue-age-window", "10m", "--queue-age-for", "5m"), 2, fillingQueue().raw());
        assertEquals(Set.of("stuck_messages:mx1:down.example"), r.byKey().keySet(), r.pages().toString());
        // a minimum reached but a hold longer than the growth lasts: growth stops when the domain is
        // taken back at minute 25 (the backlog then falls), so the 15 minutes are never held
        Run held = Fleet.run(Fleet.config("--stuck-after", "5m", "--queue-age", "10m", "--queue-age-min", "5",
                "--queue-age-window", "10m", "--queue-age-for", "15m"), 2, fillingQueue().raw());
        assertEquals(Set.of("stuck_messages:mx1:down.example"), held.byKey().keySet(), held.pages().toString());
    }

    @Test
    void aQueueAgeBelowTheStuckThresholdIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Fleet.config("--stuck-after", "2h", "--queue-age", "1h"));
        assertEquals("--queue-age 1h is below --stuck-after 2h: the backlog is counted on the stuck-message alerts",
                e.getMessage());
        JobConfig dflt = Fleet.config("--stuck-after", "2h");
        assertEquals(java.time.Duration.ofHours(2).toNanos(), new AlertStage().config(dflt).queueAgeNanos);
    }

    /**
     * The engine on its harness, fed the alerts in log-time order {@code chunk} at a time, each
     * chunk in reverse (an arrival order the pages must not depend on), the watermark moved to
     * the chunk's newest alert after it; then the end of input. Pages as {@code key action@nanos}.
     */
    private static List<String> harness(List<MessageAlert> alerts, int chunk) throws Exception {
        AlertConfig cfg = new AlertStage().config(Fleet.config(ARGS));
        var h = new KeyedOneInputStreamOperatorTestHarness<String, Either<QmailEvent, MessageAlert>, PageEvent>(
                new KeyedProcessOperator<>(new AlertEngine(cfg)), new HostSequencer.PagingHost(), Types.STRING);
        h.open();
        List<MessageAlert> sorted = new ArrayList<>(alerts);
        sorted.sort(Comparator.comparingLong(a -> a.atNanos));
        for (int i = 0; i < sorted.size(); i += chunk) {
            List<MessageAlert> part = new ArrayList<>(sorted.subList(i, Math.min(sorted.size(), i + chunk)));
            long newest = part.get(part.size() - 1).atNanos;
            java.util.Collections.reverse(part);
            for (MessageAlert a : part) h.processElement(new StreamRecord<>(Either.Right(a), Math.floorDiv(a.atNanos, 1_000_000L)));
            if (chunk < sorted.size()) {
                // live: the watermark trails the newest alert by a little
                h.processWatermark(new Watermark(Math.floorDiv(newest, 1_000_000L) - 1));
            }
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        List<String> pages = h.extractOutputValues().stream()
                .map(p -> p.dedupKey + " " + p.eventAction + "@" + p.timestampNanos).collect(Collectors.toList());
        h.close();
        return pages;
    }

    /**
     * As {@link #harness}, with the engine in its {@link AlertEngine#operator} on RocksDB: after each
     * chunk its state is written before the barrier, checkpointed, and restored into a new instance.
     */
    private static List<String> heldOnRocksDb(List<MessageAlert> alerts, int chunk) throws Exception {
        AlertConfig cfg = new AlertStage().config(Fleet.config(ARGS));
        List<MessageAlert> sorted = new ArrayList<>(alerts);
        sorted.sort(Comparator.comparingLong(a -> a.atNanos));
        List<String> pages = new ArrayList<>();
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snap = null;
        for (int i = 0; i <= sorted.size(); i += chunk) {
            var h = new KeyedOneInputStreamOperatorTestHarness<String, Either<QmailEvent, MessageAlert>, PageEvent>(
                    AlertEngine.operator(cfg), new HostSequencer.PagingHost(), Types.STRING);
            h.setStateBackend(new org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend());
            if (snap != null) h.initializeState(snap);
            h.open();
            if (i == sorted.size()) {
                h.processWatermark(new Watermark(Long.MAX_VALUE));
            } else {
                List<MessageAlert> part = new ArrayList<>(sorted.subList(i, Math.min(sorted.size(), i + chunk)));
                long newest = part.get(part.size() - 1).atNanos;
                java.util.Collections.reverse(part);
                for (MessageAlert a : part) h.processElement(new StreamRecord<>(Either.Right(a), Math.floorDiv(a.atNanos, 1_000_000L)));
                h.processWatermark(new Watermark(Math.floorDiv(newest, 1_000_000L) - 1));
                assertTrue(((io.qmailfleet.job.lifecycle.WriteBackOperator<?, ?>) h.getOperator()).held() > 0,
                        "the host's state is held in memory");
                h.prepareSnapshotPreBarrier(i);
                assertEquals(0, ((io.qmailfleet.job.lifecycle.WriteBackOperator<?, ?>) h.getOperator()).held());
                snap = h.snapshot(i, 0L);
            }
            h.extractOutputValues().forEach(p -> pages.add(p.dedupKey + " " + p.eventAction + "@" + p.timestampNanos));
            h.close();
            if (i == sorted.size()) break;
            if (i + chunk > sorted.size()) i = sorted.size() - chunk; // the last round ends the input
        }
        return pages;
    }

    private static long nanos(long millisAfterT0) {
        return (Fleet.T0 * 1000 + millisAfterT0) * 1_000_000L;
    }
}
