package io.qmailfleet.job.alert;

import static io.qmailfleet.job.alert.Fleet.DEFER;
import static io.qmailfleet.job.alert.Fleet.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.alert.Fleet.Host;
import io.qmailfleet.job.alert.Fleet.Run;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The paging rules on the whole graph (parser, host sequencer with its life cycles, alert engine) on
 * a MiniCluster at parallelism 2: the real capture, and fleet scenarios built from the catalog's
 * line shapes.
 */
class AlertScenariosTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static final long MIN = 60_000L;

    private static List<PageEvent> of(Run r, String action) {
        return r.pages().stream().filter(p -> p.eventAction.equals(action)).collect(Collectors.toList());
    }

    /** Every trigger has exactly one resolve after it, or its key is listed open at the end. */
    private static void resolvedOnceOrOpen(Run r) {
        for (Map.Entry<String, List<String>> e : r.byKey().entrySet()) {
            List<String> seq = e.getValue();
            for (int i = 0; i < seq.size(); i++) {
                String expected = i % 2 == 0 ? "trigger@" : "resolve@";
                assertTrue(seq.get(i).startsWith(expected), e.getKey() + ": " + seq);
            }
            boolean open = seq.size() % 2 == 1;
            assertEquals(open, r.open().contains(e.getKey()), e.getKey() + " " + seq + " open=" + r.open());
        }
    }

    /** On both state backends: a key's fields set with its activation are in its pages (RocksDB keeps no object). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void theCapturesThreeAlertLinesPageCriticalAndNothingElsePages(String backend) throws Exception {
        JobConfig cfg = Fleet.config("--input", Capture.multilogDir().toString(), "--host", "mail",
                "--state-backend", backend);
        Run r = Fleet.runFiles(cfg, 2);
        List<PageEvent> triggers = of(r, PageEvent.TRIGGER);
        assertEquals(Set.of("qmail_alert:mail:unable-to-reread-control-locals",
                        "qmail_alert:mail:unable-to-reread-control-virtualdomains",
                        "qmail_alert:mail:oh-no-lost-spawn-connection-dying"),
                triggers.stream().map(p -> p.dedupKey).collect(Collectors.toSet()), r.pages().toString());
        assertEquals(3, triggers.size());
        for (PageEvent p : triggers) {
            assertEquals("critical", p.severity);
            assertEquals("qmail_alert", p.alertClass);
            assertEquals("mail", p.source);
            assertTrue(p.summary.startsWith("mail: qmail-send alert: "), p.summary);
            assertEquals(1, p.count);
            assertEquals("any alert: line", p.threshold, p.toString());
        }
        assertTrue(r.pages().stream().allMatch(p -> p.alertClass.equals("qmail_alert")), r.pages().toString());
        resolvedOnceOrOpen(r);
        // qmail-send went on delivering after each of them
        assertEquals(3, of(r, PageEvent.RESOLVE).size(), r.pages() + " open " + r.open());
    }

    @Test
    void twoIdenticalAlertLinesTenSecondsApartPageOnce() throws Exception {
        Host h = new Host("mx1", 0).startup(0);
        h.message(1000, "bob@example.net", OK);
        h.line(5000, "alert: unable to reread control/locals");
        h.line(15000, "alert: unable to reread control/locals");
        h.message(20000, "carol@example.net", OK);
        h.message(3 * MIN, "dave@example.net", OK);
        Run r = Fleet.run(Fleet.config(), 2, h.raw());
        assertEquals(Map.of("qmail_alert:mx1:unable-to-reread-control-locals",
                        List.of("trigger@" + nanos(5000), "resolve@" + nanos(3 * MIN + 1))),
                r.byKey(), r.pages().toString());
        PageEvent t = r.pages().get(0);
        assertEquals(1, t.count);
        PageEvent resolve = r.pages().get(1);
        assertEquals(2, resolve.count);
        assertEquals("resolved: mx1: qmail-send alert: unable to reread control/locals", resolve.summary);
        assertEquals(List.of("alert: unable to reread control/locals"), resolve.examples);
    }

    @Test
    void aCrashPagesAsErrorAndResolvesWhenTheNewRunDelivers() throws Exception {
        Host h = new Host("mx1", 0).startup(0);
        h.message(1000, "bob@example.net", OK);
        // a delivery starts and qmail-send dies without a word
        h.line(2000, "new msg 7").line(2000, "info msg 7: bytes 300 from <alice@example.com> qp 30001 uid 1008")
                .line(2001, "starting delivery 9: msg 7 to remote zed@example.net")
                .line(2001, "status: local 0/10 remote 1/20");
        h.startup(MIN);
        h.delivery = 1;
        h.attempt(2 * MIN, 7, "zed@example.net", OK);
        h.line(2 * MIN + 3, "end msg 7");
        h.message(5 * MIN, "erin@example.net", OK);
        Run r = Fleet.run(Fleet.config(), 2, h.raw());
        assertEquals(Map.of("qmail_crash:mx1", List.of("trigger@" + nanos(MIN), "resolve@" + nanos(2 * MIN + 2))),
                r.byKey(), r.pages().toString());
        PageEvent t = r.pages().get(0);
        assertEquals("error", t.severity);
        assertTrue(t.detail.contains("remote 1"), t.detail);
    }

    @Test
    void aHostWhoseClockIsAMonthOffRaisesNoSilenceAlertForAnyone() throws Exception {
        Host normal = new Host("mx1", 0).startup(0);
        Host ahead = new Host("mx2", 31L * 24 * 3600).startup(0);
        for (long t = MIN; t < 120 * MIN; t += 5 * MIN) {
            normal.message(t, "bob@example.net", OK);
            ahead.message(t, "bob@example.net", OK);
        }
        Run r = Fleet.run(Fleet.config(), 2, Fleet.all(normal, ahead));
        assertEquals(List.of(), r.pages());
        assertEquals(2 * 24, r.sinks.lifecycles().size());
    }

    @Test
    void aGapInAHostsOwnLogTimePagesSilenceAndItsNextLineResolves() throws Exception {
        Host quiet = new Host("mx1", 0).startup(0);
        Host busy = new Host("mx2", 0).startup(0);
        quiet.message(MIN, "bob@example.net", OK);
        quiet.message(50 * MIN, "bob@example.net", OK);
        for (long t = MIN; t < 60 * MIN; t += 5 * MIN) busy.message(t, "bob@example.net", OK);
        Run r = Fleet.run(Fleet.config("--silent-after", "30m"), 2, Fleet.all(quiet, busy));
        assertEquals(Map.of("host_silent:mx1", List.of("trigger@" + nanos(MIN + 2 + 30 * MIN), "resolve@" + nanos(50 * MIN + 1))),
                r.byKey(), r.pages().toString());
        resolvedOnceOrOpen(r);
    }

    @Test
    void aDomainOutagePagesOncePerHostAndDomainWithACount() throws Exception {
        Host a = new Host("mx1", 0).startup(0);
        Host b = new Host("mx2", 0).startup(0);
        long[] ids = new long[3];
        long[] idsB = new long[3];
        for (int i = 0; i < 3; i++) {
            ids[i] = a.message(i * 1000, "user" + i + "@down.example", DEFER);
            idsB[i] = b.message(i * 1000, "user" + i + "@down.example", DEFER);
        }
        for (long t = MIN; t <= 12 * MIN; t += MIN) {
            a.message(t, "ok@up.example", OK);
            b.message(t, "ok@up.example", OK);
        }
        for (int i = 0; i < 3; i++) {
            a.attempt(13 * MIN + i * 1000, ids[i], "user" + i + "@down.example", OK).line(13 * MIN + i * 1000 + 3, "end msg " + ids[i]);
            b.attempt(13 * MIN + i * 1000, idsB[i], "user" + i + "@down.example", OK).line(13 * MIN + i * 1000 + 3, "end msg " + idsB[i]);
        }
        a.message(14 * MIN, "ok@up.example", OK);
        b.message(14 * MIN, "ok@up.example", OK);
        Run r = Fleet.run(Fleet.config("--stuck-after", "5m"), 2, Fleet.all(a, b));
        Map<String, List<String>> byKey = r.byKey();
        assertEquals(new TreeSet<>(Set.of("stuck_messages:mx1:down.example", "stuck_messages:mx2:down.example")),
                new TreeSet<>(byKey.keySet()), r.pages().toString());
        for (List<String> seq : byKey.values()) assertEquals(2, seq.size(), seq.toString());
        resolvedOnceOrOpen(r);
        for (PageEvent p : of(r, PageEvent.RESOLVE)) {
            assertEquals(3, p.count, p.toString());
            assertEquals("down.example", p.domain);
        }
    }

    @Test
    void aChannelAtItsLimitForLongPagesOnceDespiteDipsAndResolvesWithHysteresis() throws Exception {
        Host h = new Host("mx1", 0).startup(0);
        for (long t = 1000; t <= 4 * MIN; t += 30_000) {
            h.line(t, "status: local 0/10 remote 20/20");
            h.line(t + 10_000, "status: local 0/10 remote 19/20"); // not below the clear level: no flap
        }
        h.line(5 * MIN, "status: local 0/10 remote 5/20");
        h.line(7 * MIN, "status: local 0/10 remote 4/20");
        Run r = Fleet.run(Fleet.config("--saturation-for", "2m"), 2, h.raw());
        assertEquals(Map.of("queue_saturated:mx1:remote", List.of("trigger@" + nanos(1000 + 4 * 30_000),
                "resolve@" + nanos(7 * MIN))), r.byKey(), r.pages().toString());
        assertEquals("warning", r.pages().get(0).severity);
        // the detail says since when, as every status line while it lasts rewrites it
        assertEquals("saturated since " + io.qmailfleet.job.sink.JsonLines.iso(nanos(1000)) + "; last remote 20/20",
                r.pages().get(0).detail, r.pages().toString());
    }

    @Test
    void atMostNTriggersPerDedupKeyPerHour() throws Exception {
        Host h = new Host("mx1", 0).startup(0);
        for (int i = 0; i < 6; i++) {
            h.line(i * 5 * MIN + 1000, "alert: unable to reread control/virtualdomains");
            h.message(i * 5 * MIN + 2000, "bob@example.net", OK);
        }
        h.message(40 * MIN, "bob@example.net", OK);
        Run r = Fleet.run(Fleet.config("--alert-resolve-after", "0s", "--max-triggers-per-hour", "2"), 2, h.raw());
        List<String> seq = r.byKey().get("qmail_alert:mx1:unable-to-reread-control-virtualdomains");
        assertEquals(4, seq.size(), String.valueOf(seq));
        resolvedOnceOrOpen(r);
    }

    @Test
    void warningsPagePerHostAndKindAndEndAfterTheQuietTime() throws Exception {
        Host h = new Host("mx1", 0).startup(0);
        h.line(1000, "warning: unable to stat todo/1459633; will try again later");
        h.line(2000, "warning: unable to stat todo/1459640; will try again later");
        h.line(3000, "warning: trouble in select");
        h.message(30 * MIN, "bob@example.net", OK);
        Run r = Fleet.run(Fleet.config("--warning-quiet", "15m"), 2, h.raw());
        Map<String, List<String>> byKey = new TreeMap<>(r.byKey());
        assertEquals(List.of("qmail_warning:mx1:trouble-in-select",
                "qmail_warning:mx1:unable-to-stat-todo-<id>-will-try-again-later"), List.copyOf(byKey.keySet()));
        PageEvent stat = r.pages().stream().filter(p -> p.dedupKey.contains("stat") && p.eventAction.equals("trigger"))
                .findFirst().orElseThrow();
        assertEquals("warning", stat.severity);
        resolvedOnceOrOpen(r);
        assertEquals(List.of(), r.open());
    }

    /**
     * tcpserver's lines of the same host pass through the host sequencer to the host events as they
     * come, and page nothing: its warning is not qmail-send's, its full concurrency not qmail-send's
     * queue.
     */
    @Test
    void tcpserverLinesReachTheHostEventsAndPageNothing() throws Exception {
        Host h = new Host("mx1", 0).startup(0);
        for (int i = 0; i < 40; i++) h.line(1000 + i, "tcpserver: status: " + (i + 1) + "/40");
        h.line(2000, "tcpserver: warning: dropping connection, unable to read tcp.smtp.cdb: file does not exist");
        h.line(3000, "warning: trouble in select");
        h.message(30 * MIN, "bob@example.net", OK);
        for (int i = 0; i < 20; i++) h.line(30 * MIN + 1000 + i * 60_000L, "tcpserver: status: 40/40");
        Run r = Fleet.run(Fleet.config("--warning-quiet", "15m", "--saturation-for", "1m"), 2, h.raw());
        assertEquals(List.of("qmail_warning:mx1:trouble-in-select"), List.copyOf(new TreeMap<>(r.byKey()).keySet()),
                r.pages().toString());
        List<QmailEvent> events = r.sinks.hostEvents();
        assertEquals(60, events.stream().filter(e -> e.type == EventType.TCP_STATUS).count());
        assertEquals(1, events.stream().filter(e -> e.type == EventType.TCP_WARNING).count());
        assertEquals(1, events.stream().filter(e -> e.type == EventType.WARNING).count());
        assertTrue(events.stream().anyMatch(e -> e.type == EventType.STATUS), "qmail-send's status lines too");
    }

    @Test
    void theSameInputGivesTheSamePagesAtAnyParallelism() throws Exception {
        JobConfig cfg = Fleet.config("--input", Capture.multilogDir().toString(), "--host", "mail",
                "--stuck-after", "60s", "--hung-after", "30s");
        Run one = Fleet.runFiles(cfg, 1);
        Run two = Fleet.runFiles(cfg, 2);
        assertTrue(one.byKey().keySet().stream().anyMatch(k -> k.startsWith("stuck_messages:")), one.byKey().toString());
        assertEquals(new TreeMap<>(one.byKey()), new TreeMap<>(two.byKey()));
        resolvedOnceOrOpen(one);
    }

    @Test
    void theRocksDbBackendGivesTheSamePagesAsTheHeap() throws Exception {
        String[] args = {"--input", Capture.multilogDir().toString(), "--host", "mail", "--stuck-after", "60s",
                "--hung-after", "30s", "--alert-resolve-after", "5m"};
        Run heap = Fleet.runFiles(Fleet.config(args), 2);
        JobConfig rocks = Fleet.config(args);
        rocks.stateBackend = "rocksdb";
        Run onDisk = Fleet.runFiles(rocks, 2);
        assertEquals(new TreeMap<>(heap.byKey()), new TreeMap<>(onDisk.byKey()));
        assertEquals(new TreeSet<>(heap.open()), new TreeSet<>(onDisk.open()));
        resolvedOnceOrOpen(onDisk);
    }

    private static long nanos(long millisAfterT0) {
        return (Fleet.T0 * 1000 + millisAfterT0) * 1_000_000L;
    }
}
