package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.LifecycleStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole job on the real capture, in both formats, against the ground truth
 * (real-capture-1/lifecycles.json, 539 life cycles) and against qmailanalog's matchup output.
 */
class CaptureTruthTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void multilogLifecyclesEqualGroundTruth() throws Exception {
        JobConfig cfg = new JobConfig();
        cfg.inputs = List.of(Capture.multilogDir().toString());
        cfg.host = "mail";
        CollectingSinks out = PipelineRunner.runFiles(cfg, 2);
        // multilog stamps are the ground truth's own clock: equal to the float's precision
        compareWithTruth(out, 1_000L);
        compareWithMatchup(out.lifecycles());
    }

    @Test
    void multilogOnTheRocksDbStateBackendGivesTheSameTruth() throws Exception {
        JobConfig cfg = new JobConfig();
        cfg.inputs = List.of(Capture.multilogDir().toString());
        cfg.host = "mail";
        cfg.stateBackend = "rocksdb";
        compareWithTruth(PipelineRunner.runFiles(cfg, 2), 1_000L);
    }

    @Test
    void multilogOnRocksDbWithTimersOnTheHeapGivesTheSameTruth() throws Exception {
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {"--input", Capture.multilogDir().toString(),
                "--host", "mail", "--state-backend", "rocksdb", "--rocksdb-timers", "heap"}));
        compareWithTruth(PipelineRunner.runFiles(cfg, 2), 1_000L);
    }

    @Test
    void syslogLifecyclesEqualGroundTruth() throws Exception {
        JobConfig cfg = new JobConfig();
        cfg.inputs = List.of(Capture.syslogFile().toString());
        CollectingSinks out = PipelineRunner.runFiles(cfg, 2);
        // splogger stamps a line when it flushes it, multilog when it reads its first byte: the two
        // clocks differ by scheduling jitter only
        compareWithTruth(out, 50_000_000L);
    }

    private static double secs(long nanos) {
        return nanos / 1e9;
    }

    private static void compareWithTruth(CollectingSinks out, long toleranceNanos) throws IOException {
        assertEquals(List.of(), out.deadLetters(), "no dead letters on the real capture");
        assertEquals(List.of(), out.late(), "no late lines on the real capture");
        JsonNode truth = JSON.readTree(Capture.lifecyclesJson().toFile());
        List<LifecycleRecord> got = new ArrayList<>(out.lifecycles());
        assertEquals(truth.size(), got.size(), "one record per life cycle");
        assertEquals(539, got.size());

        // ids are reused: pair the n-th life cycle of an id in the truth with our n-th, by birth
        got.sort(Comparator.comparingLong((LifecycleRecord r) -> r.newNanos));
        Map<String, List<LifecycleRecord>> byId = new HashMap<>();
        for (LifecycleRecord r : got) byId.computeIfAbsent(Long.toString(r.msgId), k -> new ArrayList<>()).add(r);
        Map<String, Integer> used = new HashMap<>();
        LifecycleRecord[] matched = new LifecycleRecord[truth.size()];
        for (JsonNode t : truth) {
            String id = t.get("msgid").asText();
            int n = used.merge(id, 1, Integer::sum) - 1;
            List<LifecycleRecord> rs = byId.get(id);
            assertNotNull(rs, "life cycle of msg " + id);
            LifecycleRecord r = rs.get(n);
            matched[t.get("index").asInt()] = r;
            String what = "truth #" + t.get("index").asInt() + " msg " + id;

            assertEquals("mail", r.host, what);
            assertEquals(LifecycleStatus.COMPLETE, r.status, what);
            assertEquals(false, r.partial, what);
            assertEquals(t.get("qmail_send_run").asInt(), r.run, what + " run");
            assertEquals(t.get("qp").asLong(), r.qp, what + " qp");
            assertEquals(t.get("uid").asLong(), r.uid, what + " uid");
            assertEquals(t.get("sender").asText(), r.sender, what + " sender");
            assertEquals(t.get("bytes").asLong(), r.bytes, what + " bytes");
            assertEquals(t.get("new").asDouble(), secs(r.newNanos), toleranceNanos / 1e9, what + " new");
            assertEquals(t.get("info").asDouble(), secs(r.infoNanos), toleranceNanos / 1e9, what + " info");
            assertEquals(t.get("end").asDouble(), secs(r.endNanos), toleranceNanos / 1e9, what + " end");
            assertEquals(t.get("triple_bounce_discarded").asBoolean(), r.tripleBounceDiscarded, what + " triple");
            JsonNode bq = t.get("bounce_msg_qp");
            assertEquals(bq.isNull() ? -1L : bq.asLong(), r.bounceQp, what + " bounce qp");

            JsonNode rcpts = t.get("recipients");
            assertEquals(rcpts.size(), r.recipients.size(), what + " recipients");
            int nk = 0, nz = 0, nd = 0;
            for (JsonNode tr : rcpts) {
                Recipient rr = r.recipient(tr.get("recipient").asText(), tr.get("channel").asText());
                assertNotNull(rr, what + " recipient " + tr.get("recipient").asText());
                JsonNode attempts = tr.get("attempts");
                assertEquals(attempts.size(), rr.attempts.size(), what + " attempts of " + rr.address);
                for (int i = 0; i < attempts.size(); i++) {
                    JsonNode ta = attempts.get(i);
                    Attempt a = rr.attempts.get(i);
                    assertEquals(ta.get("result").asText(), a.outcome.json(), what + " attempt " + i + " of " + rr.address);
                    assertEquals(ta.get("text").asText(), a.report, what + " report " + i + " of " + rr.address);
                    assertEquals(ta.get("done").asDouble(), secs(a.endNanos), toleranceNanos / 1e9, what + " done");
                    assertTrue(a.startNanos > 0 && a.startNanos <= a.endNanos, what + " start before end");
                    switch (a.outcome) {
                        case SUCCESS: nk++; break;
                        case DEFERRAL: nz++; break;
                        case FAILURE: nd++; break;
                        default: throw new AssertionError(what + ": no attempt is interrupted in this capture");
                    }
                }
                assertEquals(attempts.get(attempts.size() - 1).get("result").asText(), rr.finalOutcome, what + " final");
            }
            assertEquals(nk, r.successes, what);
            assertEquals(nz, r.deferrals, what);
            assertEquals(nd, r.failures, what);
        }

        // bounce links, both ways, by (msg id, birth) of the other life cycle
        int bounces = 0;
        for (JsonNode t : truth) {
            LifecycleRecord r = matched[t.get("index").asInt()];
            JsonNode of = t.get("is_bounce_of_lifecycle_index");
            if (of.isNull()) {
                assertEquals(null, r.bounceOf, "truth #" + t.get("index") + " is no bounce");
            } else {
                bounces++;
                LifecycleRecord orig = matched[of.asInt()];
                assertNotNull(r.bounceOf, "truth #" + t.get("index") + " is a bounce");
                assertEquals(orig.msgId, r.bounceOf.msgId);
                assertEquals(orig.newNanos, r.bounceOf.birthNanos);
                assertEquals(orig.bounceQp, r.bounceOf.qp);
                assertEquals(orig.bounceQp, r.qp, "a bounce's qp is its original's bounce qp");
            }
            JsonNode to = t.get("bounce_lifecycle_index");
            if (!to.isNull()) {
                LifecycleRecord b = matched[to.asInt()];
                assertEquals(r.msgId, b.bounceOf.msgId);
            }
        }
        assertEquals(97, bounces);

        // the one forwarded copy (S1e, ~alias/.qmail-postmaster = &alice), linked by did_0+1+0/qp_N/
        List<LifecycleRecord> copies = got.stream().filter(r -> r.forwardOf != null).toList();
        assertEquals(1, copies.size());
        LifecycleRecord copy = copies.get(0);
        assertEquals(1001L, copy.uid, "the alias user queued the copy");
        LifecycleRecord forwarder = got.stream().filter(r -> r.msgId == copy.forwardOf.msgId
                && r.newNanos == copy.forwardOf.birthNanos).findFirst().orElseThrow();
        Recipient via = forwarder.recipients.stream().filter(x -> x.address.equals(copy.forwardOf.recipient)).findFirst().orElseThrow();
        assertEquals(copy.qp, via.forwardQp);
    }

    /** matchup's "%d.%09d" stamps, exactly. */
    private static long exactNanos(String stamp) {
        int dot = stamp.indexOf('.');
        String frac = (stamp.substring(dot + 1) + "000000000").substring(0, 9);
        return Long.parseLong(stamp.substring(0, dot)) * 1_000_000_000L + Long.parseLong(frac);
    }

    /**
     * qmailanalog's matchup on the same log: one m line per message (birth = info time, nk nd nz),
     * one d line per delivery. Senders and recipients are lower-cased there (we keep them as logged).
     */
    private static void compareWithMatchup(List<LifecycleRecord> got) throws IOException {
        List<String> lines = Files.readAllLines(Capture.qmailanalog("matchup.out"));
        Map<String, LifecycleRecord> byQpBirth = new HashMap<>();
        for (LifecycleRecord r : got) byQpBirth.put(r.qp + "@" + r.infoNanos, r);
        int m = 0, d = 0, k = 0, z = 0, dd = 0;
        for (String line : lines) {
            String[] f = line.split(" ", -1);
            if (f[0].equals("m")) {
                m++;
                long birthNanos = exactNanos(f[1]);
                // m <birth> <done> <bytes> <nk> <nd> <nz> <sender> <qp> <uid>
                LifecycleRecord r = byQpBirth.get(f[8] + "@" + birthNanos);
                assertNotNull(r, "matchup m line " + line);
                assertEquals(Double.parseDouble(f[2]), secs(r.endNanos), 1e-6, line);
                assertEquals(Long.parseLong(f[3]), r.bytes, line);
                assertEquals(Integer.parseInt(f[4]), r.successes, line);
                assertEquals(Integer.parseInt(f[5]), r.failures, line);
                assertEquals(Integer.parseInt(f[6]), r.deferrals, line);
                assertEquals(f[7], ("<" + r.sender + ">").toLowerCase(Locale.ROOT), "sender of " + line);
                assertEquals(Long.parseLong(f[9]), r.uid, line);
            } else if (f[0].equals("d")) {
                d++;
                switch (f[1]) {
                    case "k": k++; break;
                    case "z": z++; break;
                    case "d": dd++; break;
                    default: throw new AssertionError(line);
                }
            }
        }
        assertEquals(got.size(), m, "matchup m lines = our life cycles");
        int attempts = got.stream().mapToInt(r -> r.successes + r.deferrals + r.failures).sum();
        assertEquals(d, attempts, "matchup d lines = our attempts");
        assertEquals(k, got.stream().mapToInt(r -> r.successes).sum());
        assertEquals(z, got.stream().mapToInt(r -> r.deferrals).sum());
        assertEquals(dd, got.stream().mapToInt(r -> r.failures).sum());
    }
}
