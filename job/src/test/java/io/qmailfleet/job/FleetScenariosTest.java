package io.qmailfleet.job;

import io.qmailfleet.job.model.AlertKind;
import io.qmailfleet.job.model.LifecycleStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.parse.Tai64n;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Whole-graph scenarios from raw log text (parser and host sequencer with its life cycles,
 * at parallelism 2 on a MiniCluster): several hosts in one stream, disorder within and beyond the
 * bound, a qmail-send crash with a delivery in flight, and a log that ends with messages queued.
 */
class FleetScenariosTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static final long T0 = 1795551251L; // 2026-11-24 20:14:11 UTC

    /** A multilog line stamped {@code millis} ms after T0. */
    static String ml(long millis, String text) {
        long secs = T0 + millis / 1000;
        long nanos = (millis % 1000) * 1_000_000L;
        return Tai64n.label(secs, nanos) + " " + text;
    }

    /** A syslog (splogger) line of {@code host} stamped {@code micros} after T0. */
    static String sl(String host, long micros, String text) {
        return String.format("Nov 24 20:14:11 %s qmail: %d.%06d %s", host, T0 + micros / 1_000_000L, micros % 1_000_000L, text);
    }

    static List<RawLine> raw(String host, List<String> texts) {
        List<RawLine> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) out.add(new RawLine(texts.get(i), host, "test:" + host, i + 1));
        return out;
    }

    static JobConfig config(String... args) {
        return JobConfig.from(CliArgs.parse(args));
    }

    static List<LifecycleRecord> of(CollectingSinks out, String host) {
        return out.lifecycles().stream().filter(r -> r.host.equals(host))
                .sorted(Comparator.comparingLong((LifecycleRecord r) -> r.newNanos).thenComparingLong(r -> r.msgId))
                .collect(Collectors.toList());
    }

    /** A signature of a life cycle that does not depend on the clock: ids, people, outcomes, texts. */
    static String shape(LifecycleRecord r) {
        StringBuilder b = new StringBuilder().append(r.msgId).append(' ').append(r.run).append(' ').append(r.status)
                .append(' ').append(r.sender).append(' ').append(r.qp).append(' ').append(r.bounceQp);
        for (Recipient rc : r.recipients) {
            b.append(" | ").append(rc.channel).append(':').append(rc.address).append('=').append(rc.finalOutcome);
            for (Attempt a : rc.attempts) b.append(' ').append(a.outcome).append('/').append(a.report);
        }
        if (r.bounceOf != null) b.append(" bounceOf=").append(r.bounceOf.msgId);
        return b.toString();
    }

    @Test
    void twoHostsInterleavedInOneSyslogStreamAreRebuiltIndependently() throws Exception {
        // the real syslog capture as host "mail", and the same log as host "mx2" shifted 0.5 s later,
        // merged by time into one stream as a central syslog server would write it
        List<String> mail = Files.readAllLines(Capture.syslogFile(), StandardCharsets.UTF_8);
        List<String[]> merged = new ArrayList<>();
        for (String l : mail) {
            merged.add(new String[] {stamp(l), l});
            String mx2 = l.replace(" mail qmail: ", " mx2 qmail: ");
            String st = stamp(l);
            long micros = Long.parseLong(st.replace(".", "")) + 500_000L;
            String shifted = String.format("%d.%06d", micros / 1_000_000L, micros % 1_000_000L);
            merged.add(new String[] {shifted, mx2.replace("qmail: " + st, "qmail: " + shifted)});
        }
        merged.sort(Comparator.comparing((String[] a) -> a[0]));
        List<String> lines = merged.stream().map(a -> a[1]).collect(Collectors.toList());

        CollectingSinks out = PipelineRunner.runLines(config(), raw(null, lines), 2);
        assertEquals(List.of(), out.deadLetters());
        assertEquals(List.of(), out.late());
        List<LifecycleRecord> a = of(out, "mail");
        List<LifecycleRecord> b = of(out, "mx2");
        assertEquals(539, a.size());
        assertEquals(539, b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(shape(a.get(i)), shape(b.get(i)), "life cycle " + i);
            assertEquals(a.get(i).newNanos + 500_000_000L, b.get(i).newNanos);
        }
    }

    @Test
    void disorderWithinTheBoundIsRepairedAndBeyondItGoesToLate() throws Exception {
        List<String> texts = List.of(
                ml(0, "status: local 0/10 remote 0/20"),
                ml(1000, "new msg 101"),
                ml(1001, "info msg 101: bytes 300 from <alice@example.com> qp 501 uid 1008"),
                ml(1002, "starting delivery 1: msg 101 to remote bob@remote.example.net"),
                ml(1003, "status: local 0/10 remote 1/20"),
                ml(1500, "delivery 1: success: 127.0.0.1_accepted_message./Remote_host_said:_250_ok/"),
                ml(1501, "status: local 0/10 remote 0/20"),
                ml(1502, "end msg 101"),
                ml(9000, "new msg 102"),
                ml(9001, "info msg 102: bytes 301 from <carol@example.com> qp 502 uid 1010"),
                ml(9002, "end msg 102"));
        // shuffle the first message's lines (all within 1.6 s of each other, bound 2 s)
        List<String> shuffled = new ArrayList<>(texts.subList(0, 8));
        java.util.Collections.shuffle(shuffled, new Random(3));
        shuffled.addAll(texts.subList(8, texts.size()));
        // a line 4 s older than lines already released (the host logged at 20 s, so everything up
        // to 18 s is out): beyond the bound, late
        shuffled.add(ml(20000, "status: local 0/10 remote 0/20"));
        shuffled.add(ml(4000, "warning: trouble in select"));
        // but a line older than the newest seen and newer than anything released is merely early
        shuffled.add(ml(19000, "warning: trouble in select (in time)"));

        CollectingSinks out = PipelineRunner.runLines(config("--max-out-of-order", "2s"), raw("mx1", shuffled), 2);
        assertEquals(List.of(), out.deadLetters());
        assertEquals(1, out.late().size());
        assertEquals("trouble in select", out.late().get(0).text);
        assertEquals(4000, (out.late().get(0).tsNanos / 1_000_000L) - T0 * 1000);
        List<LifecycleRecord> recs = of(out, "mx1");
        assertEquals(2, recs.size());
        LifecycleRecord m = recs.get(0);
        assertEquals(101, m.msgId);
        assertEquals(LifecycleStatus.COMPLETE, m.status);
        assertEquals(1, m.run);
        assertEquals(1, m.successes);
        assertEquals(Outcome.SUCCESS, m.recipients.get(0).attempts.get(0).outcome);
    }

    @Test
    void crashWithoutExitingInterruptsTheInFlightDeliveryAndIdsRestart() throws Exception {
        List<String> texts = List.of(
                ml(0, "status: local 0/10 remote 0/20"),
                ml(1000, "new msg 200"),
                ml(1001, "info msg 200: bytes 400 from <alice@example.com> qp 600 uid 1008"),
                ml(1002, "starting delivery 1: msg 200 to remote slow@remote.example.net"),
                ml(1003, "status: local 0/10 remote 1/20"),
                // qmail-send dies here (kill -9): no result, no status: exiting. It starts again:
                ml(60000, "status: local 0/10 remote 0/20"),
                ml(60001, "new msg 201"),
                ml(60002, "info msg 201: bytes 500 from <bob@example.com> qp 601 uid 1009"),
                ml(60003, "starting delivery 1: msg 201 to local carol@example.com"),
                ml(60004, "status: local 1/10 remote 0/20"),
                ml(60005, "delivery 1: success: did_1+0+0/"),
                ml(60006, "status: local 0/10 remote 0/20"),
                ml(60007, "end msg 201"),
                // message 200 is retried by the new run and delivered
                ml(61000, "starting delivery 2: msg 200 to remote slow@remote.example.net"),
                ml(61001, "status: local 0/10 remote 1/20"),
                ml(62000, "delivery 2: success: 127.0.0.1_accepted_message./Remote_host_said:_250_ok/"),
                ml(62001, "status: local 0/10 remote 0/20"),
                ml(62002, "end msg 200"));
        CollectingSinks out = PipelineRunner.runLines(config(), raw("mx1", texts), 2);
        assertEquals(List.of(), out.deadLetters());
        Map<Long, LifecycleRecord> byId = of(out, "mx1").stream().collect(Collectors.toMap(r -> r.msgId, r -> r));
        LifecycleRecord m200 = byId.get(200L);
        LifecycleRecord m201 = byId.get(201L);
        assertNotNull(m200);
        assertNotNull(m201);
        List<Attempt> attempts = m200.recipients.get(0).attempts;
        assertEquals(2, attempts.size());
        assertEquals(Outcome.INTERRUPTED, attempts.get(0).outcome, "the crash interrupted delivery 1 of run 1");
        assertEquals(1, attempts.get(0).run);
        assertEquals(Outcome.SUCCESS, attempts.get(1).outcome);
        assertEquals(2, attempts.get(1).run);
        assertEquals(1, m200.interrupted);
        assertEquals("success", m200.recipients.get(0).finalOutcome);
        // run 2's delivery 1 belongs to message 201, never to 200
        assertEquals(1, m201.recipients.get(0).attempts.size());
        assertEquals(2, m201.run);
        assertEquals(Outcome.SUCCESS, m201.recipients.get(0).attempts.get(0).outcome);
    }

    @Test
    void logEndingWithQueuedMessagesGivesOpenRecordsAndOnlyOldOnesAlert() throws Exception {
        List<String> texts = List.of(
                ml(0, "status: local 0/10 remote 0/20"),
                ml(1000, "new msg 300"),
                ml(1001, "info msg 300: bytes 400 from <alice@example.com> qp 700 uid 1008"),
                ml(1002, "starting delivery 1: msg 300 to remote x@dead.example.org"),
                ml(1003, "status: local 0/10 remote 1/20"),
                ml(2000, "delivery 1: deferral: Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/"),
                ml(2001, "status: local 0/10 remote 0/20"),
                ml(590_000, "new msg 301"),
                ml(590_001, "info msg 301: bytes 410 from <bob@example.com> qp 701 uid 1009"),
                ml(600_000, "status: local 0/10 remote 0/20 exitasap"),
                ml(600_001, "status: exiting"));
        CollectingSinks out = PipelineRunner.runLines(config("--stuck-after", "5m"), raw("mx1", texts), 2);
        Map<Long, LifecycleRecord> byId = of(out, "mx1").stream().collect(Collectors.toMap(r -> r.msgId, r -> r));
        assertEquals(LifecycleStatus.OPEN, byId.get(300L).status);
        assertEquals(LifecycleStatus.OPEN, byId.get(301L).status);
        assertEquals("deferral", byId.get(300L).recipients.get(0).finalOutcome);
        List<MessageAlert> stuck = out.alerts().stream().filter(a -> a.kind == AlertKind.STUCK_MESSAGE).toList();
        assertEquals(1, stuck.size(), "message 300 was ~10 min old at the host's last line, 301 only 10 s");
        assertEquals(300L, stuck.get(0).msgId);
        assertEquals("x@dead.example.org", stuck.get(0).recipients.get(0).address);
        assertEquals(Outcome.DEFERRAL, stuck.get(0).recipients.get(0).attempts.get(0).outcome);
        assertTrue(byId.get(300L).wasStuck);
        assertFalse(byId.get(301L).wasStuck);
    }

    @Test
    void aLogThatStartsMidStreamGivesPartialLifecyclesNotErrors() throws Exception {
        List<String> all = Capture.multilog("mail").stream().map(l -> l.text).collect(Collectors.toList());
        List<String> tail = all.subList(2000, all.size());
        long ends = tail.stream().filter(l -> l.contains(" end msg ")).count();
        java.util.Set<String> born = tail.stream().filter(l -> l.contains(" new msg "))
                .map(l -> l.substring(l.indexOf(" new msg ") + 9)).collect(Collectors.toSet());

        CollectingSinks out = PipelineRunner.runLines(config(), raw("mail", tail), 2);
        List<LifecycleRecord> recs = of(out, "mail");
        assertEquals(ends, recs.stream().filter(r -> r.status == LifecycleStatus.COMPLETE).count(), "one record per end msg");
        for (LifecycleRecord r : recs) {
            boolean bornInTail = r.newNanos >= 0;
            assertEquals(!bornInTail, r.partial, "msg " + r.msgId);
            if (bornInTail) assertTrue(born.contains(Long.toString(r.msgId)), "msg " + r.msgId);
        }
        assertTrue(recs.stream().anyMatch(r -> r.partial), "the tail ends messages born before it");
        // results whose start was cut off cannot be attributed: dead-lettered as unmatched, nothing else
        assertTrue(out.deadLetters().stream().allMatch(d -> d.reason == DeadLetterReason.UNMATCHED_DELIVERY),
                () -> out.deadLetters().toString());
    }

    @Test
    void unmatchedAndBrokenLinesAreDeadLetteredWithReasons() throws Exception {
        List<String> texts = List.of(
                ml(0, "delivery 7: success: did_1+0+0/"), // its start was before the log began
                sl("mx1", 1_000_000, "new msg 400"),
                ml(2000, "end msg 400"),
                "garbage that is no log line",
                "");
        CollectingSinks out = PipelineRunner.runLines(config(), raw("mx1", texts), 2);
        Map<DeadLetterReason, Long> reasons = out.deadLetters().stream()
                .collect(Collectors.groupingBy(d -> d.reason, Collectors.counting()));
        assertEquals(1L, reasons.get(DeadLetterReason.UNMATCHED_DELIVERY));
        assertEquals(1L, reasons.get(DeadLetterReason.EMPTY));
        assertEquals(1L, reasons.get(DeadLetterReason.UNRECOGNISED));
        assertEquals(1, of(out, "mx1").size());
    }

    private static String stamp(String syslogLine) {
        int q = syslogLine.indexOf("qmail: ") + 7;
        int end = q;
        while (end < syslogLine.length() && (Character.isDigit(syslogLine.charAt(end)) || syslogLine.charAt(end) == '.')) end++;
        return syslogLine.substring(q, end);
    }

}
