package io.qmailfleet.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.model.ReasonCount;
import io.qmailfleet.job.model.StatsRecord;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real capture through the whole job: the sums of a bounded run's stats windows equal
 * qmailanalog's zsenders, zrecipients, zrhosts and zoverall on the same log, field by field
 * (lower-cased where matchup lower-cases), the normalised reasons account for every line of
 * zdeferrals and zfailures, and the ddelay quantiles fall where zddist puts them.
 */
class QmailanalogStatsTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static CollectingSinks run(String window, int parallelism) throws Exception {
        JobConfig cfg = new JobConfig();
        cfg.inputs = List.of(Capture.multilogDir().toString());
        cfg.host = "mail";
        cfg.options.set(StatsOptions.WINDOW.configOption(), window);
        return PipelineRunner.runFiles(cfg, parallelism);
    }

    /** The latest record of each (key, window): later revisions replace earlier ones. */
    static List<StatsRecord> latest(List<StatsRecord> records) {
        Map<String, StatsRecord> m = new HashMap<>();
        for (StatsRecord r : records) {
            String k = r.dimension + "|" + r.key + "|" + r.windowStart;
            StatsRecord old = m.get(k);
            if (old == null || r.revision > old.revision) m.put(k, r);
        }
        return new ArrayList<>(m.values());
    }

    /** Sums a run's windows per key (the key mapped by {@code key}). */
    static Map<String, StatsRecord> sumByKey(List<StatsRecord> records, java.util.function.Function<StatsRecord, String> key) {
        Map<String, StatsRecord> m = new TreeMap<>();
        for (StatsRecord r : latest(records)) {
            StatsRecord s = m.computeIfAbsent(key.apply(r), k -> Measures.empty(r.dimension, k, 0, 0));
            Measures.merge(s, r);
        }
        return m;
    }

    private static List<String> body(String file, String headerStart) throws Exception {
        List<String> lines = Files.readAllLines(Capture.qmailanalog(file), StandardCharsets.UTF_8);
        int i = 0;
        while (!lines.get(i).startsWith(headerStart)) i++;
        return lines.subList(i + 1, lines.size());
    }

    @Test
    void oneWindowAndMinuteWindowsBothSumToQmailanalog() throws Exception {
        for (String window : List.of("all", "1m")) {
            CollectingSinks out = run(window, 2);
            checkSenders(out.stats("senders"));
            checkRecipients(out.stats("recipients"));
            checkDomains(out.stats("domains"));
            checkOverall(out.stats("hosts"));
            checkReasons(out.stats("hosts"));
            checkDdist(out.stats("hosts"), window);
            checkSchema(out);
            if (window.equals("1m")) {
                assertTrue(latest(out.stats("hosts")).size() > 5, "several minute windows");
            }
        }
    }

    private static void checkSchema(CollectingSinks out) {
        com.networknt.schema.JsonSchema schema = io.qmailfleet.job.testutil.Schemas.load("stats.schema.json");
        for (String o : StatsStage.outputNames()) {
            List<StatsRecord> rs = out.stats(o);
            assertFalse(rs.isEmpty(), o);
            for (StatsRecord r : rs) {
                String json = StatsJson.record(r);
                assertEquals(java.util.Set.of(), io.qmailfleet.job.testutil.Schemas.validate(schema, json), json);
            }
        }
    }

    private static void checkSenders(List<StatsRecord> records) throws Exception {
        // zsenders splits a sender by the uid that queued it: add those lines up per sender
        Map<String, long[]> want = new TreeMap<>();
        Map<String, Double> wantX = new TreeMap<>();
        for (String l : body("zsenders.txt", "mess ")) {
            String[] f = l.trim().split("\\s+");
            String sender = f[7].substring(f[7].indexOf('/') + 1);
            sender = sender.substring(1, sender.length() - 1);
            long[] v = want.computeIfAbsent(sender, k -> new long[6]);
            for (int i = 0; i < 6; i++) v[i] += Long.parseLong(f[i]);
            wantX.merge(sender, Double.parseDouble(f[6]), Double::sum);
        }
        Map<String, StatsRecord> got = sumByKey(records, r -> r.key.toLowerCase(Locale.ROOT));
        assertEquals(want.keySet(), got.keySet());
        for (Map.Entry<String, long[]> e : want.entrySet()) {
            StatsRecord r = got.get(e.getKey());
            long[] v = e.getValue();
            String k = e.getKey();
            assertEquals(v[0], r.messages, k + " mess");
            assertEquals(v[1], r.bytes, k + " bytes");
            assertEquals(v[2], r.successBytes, k + " sbytes");
            assertEquals(v[3], r.recipientBytes, k + " rbytes");
            assertEquals(v[4], r.recipients, k + " recips");
            assertEquals(v[5], r.attempts, k + " tries");
            assertEquals(wantX.get(k), r.xdelay, 1e-5, k + " xdelay");
        }
        // the null sender and the double-bounce sender stay distinct keys
        assertTrue(got.containsKey("") && got.containsKey("#@[]"));
    }

    private static void checkPerRecipient(String file, List<StatsRecord> records,
                                          java.util.function.Function<StatsRecord, String> key) throws Exception {
        Map<String, String[]> want = new TreeMap<>();
        for (String l : body(file, "sbytes ")) {
            String[] f = l.trim().split("\\s+");
            want.put(f[4], f);
        }
        Map<String, StatsRecord> got = sumByKey(records, key);
        assertEquals(want.keySet(), got.keySet(), file);
        for (Map.Entry<String, String[]> e : want.entrySet()) {
            StatsRecord r = got.get(e.getKey());
            String[] f = e.getValue();
            assertEquals(Long.parseLong(f[0]), r.successBytes, e.getKey() + " sbytes");
            assertEquals(Long.parseLong(f[1]), r.messages, e.getKey() + " mess");
            assertEquals(Long.parseLong(f[2]), r.attempts, e.getKey() + " tries");
            assertEquals(Double.parseDouble(f[3]), r.xdelay, 0.0051, e.getKey() + " xdelay");
        }
    }

    private static void checkRecipients(List<StatsRecord> records) throws Exception {
        checkPerRecipient("zrecipients.txt", records, r -> r.channel + "." + r.key.toLowerCase(Locale.ROOT));
    }

    private static void checkDomains(List<StatsRecord> records) throws Exception {
        checkPerRecipient("zrhosts.txt", records, r -> r.key);
    }

    private static Map<String, String> overall() throws Exception {
        Map<String, String> m = new HashMap<>();
        for (String l : Files.readAllLines(Capture.qmailanalog("zoverall.txt"), StandardCharsets.UTF_8)) {
            int c = l.lastIndexOf(": ");
            if (c > 0) m.put(l.substring(0, c).trim(), l.substring(c + 2).trim());
        }
        return m;
    }

    private static void checkOverall(List<StatsRecord> records) throws Exception {
        Map<String, String> z = overall();
        Map<String, StatsRecord> got = sumByKey(records, r -> r.key);
        assertEquals(List.of("mail"), new ArrayList<>(got.keySet()));
        StatsRecord h = got.get("mail");
        assertEquals(Long.parseLong(z.get("Completed messages")), h.messages);
        assertEquals(Long.parseLong(z.get("Recipients for completed messages")), h.recipients);
        assertEquals(Long.parseLong(z.get("Total delivery attempts for completed messages")), h.attempts);
        assertEquals(Long.parseLong(z.get("Bytes in completed messages")), h.bytes);
        assertEquals(Long.parseLong(z.get("Bytes weighted by success")), h.successBytes);
        assertEquals(Double.parseDouble(z.get("Average message qtime (s)")), h.qtime / h.messages, 1e-4);
        assertEquals(Long.parseLong(z.get("Total delivery attempts")), h.successes + h.failures + h.deferrals);
        assertEquals(Long.parseLong(z.get("success")), h.successes);
        assertEquals(Long.parseLong(z.get("failure")), h.failures);
        assertEquals(Long.parseLong(z.get("deferral")), h.deferrals);
        assertEquals(Double.parseDouble(z.get("Total ddelay (s)")), h.ddelay, 1e-5);
        assertEquals(Double.parseDouble(z.get("Total xdelay (s)")), h.xdelay, 1e-5);
        assertEquals(Double.parseDouble(z.get("Time span (days)")), (h.lastNanos - h.firstNanos) / 1e9 / 86400, 1e-7);
        assertEquals(539, h.accepted, "every message's info msg was counted");
        assertEquals(0, h.interrupted);
    }

    private static final Pattern REASON_LINE = Pattern.compile("^\\s*(\\d+)\\s+(\\d+\\.\\d+)(?:\\s\\s(.*))?$");

    /** zdeferrals / zfailures grouped by the normalised reason of each line: key -> attempts. */
    private static Map<String, Long> zReasons(String file) throws Exception {
        Map<String, Long> m = new TreeMap<>();
        for (String l : body(file, "del ")) {
            Matcher x = REASON_LINE.matcher(l);
            assertTrue(x.matches(), l);
            // the z scripts turned every _ of the logged text into a space (the log itself has none)
            String raw = x.group(3) == null ? "" : x.group(3).replace(' ', '_');
            m.merge(Reasons.of(raw).key(), Long.parseLong(x.group(1)), Long::sum);
        }
        return m;
    }

    private static Map<String, Long> ours(List<ReasonCount> reasons, Map<String, Long> into) {
        for (ReasonCount c : reasons) into.merge(c.key(), c.count, Long::sum);
        return into;
    }

    private static void checkReasons(List<StatsRecord> hosts) throws Exception {
        Map<String, Long> deferrals = new TreeMap<>();
        Map<String, Long> failures = new TreeMap<>();
        for (StatsRecord r : latest(hosts)) {
            assertEquals(0, r.otherDeferrals);
            assertEquals(0, r.otherFailures);
            ours(r.deferralReasons, deferrals);
            ours(r.failureReasons, failures);
        }
        Map<String, Long> zd = zReasons("zdeferrals.txt");
        Map<String, Long> zf = zReasons("zfailures.txt");
        assertEquals(zd, deferrals);
        assertEquals(zf, failures);
        assertEquals(77L, zd.values().stream().mapToLong(Long::longValue).sum());
        assertEquals(105L, zf.values().stream().mapToLong(Long::longValue).sum());
        // 451 4.2.1 <addr>: mailbox temporarily unavailable, for many addresses, is one reason
        assertTrue(deferrals.containsKey(Reasons.MAILBOX_UNAVAILABLE + " 451 4.2.1"), deferrals.toString());
        assertTrue(failures.containsKey(Reasons.MAILBOX_UNAVAILABLE + " 550 5.1.1"), failures.toString());
        assertTrue(zd.size() < 15 && zf.size() < 15, "few reasons: " + zd + " " + zf);
        assertFalse(deferrals.keySet().stream().anyMatch(k -> k.startsWith(Reasons.OTHER)), deferrals.toString());
    }

    private static void checkDdist(List<StatsRecord> hosts, String window) throws Exception {
        TreeMap<Integer, Double> doneby = new TreeMap<>();
        for (String l : body("zddist.txt", "doneby ")) {
            String[] f = l.trim().split("\\s+");
            doneby.put(Integer.parseInt(f[2]), Double.parseDouble(f[0]));
        }
        if (!window.equals("all")) return; // quantiles of one window only
        StatsRecord h = latest(hosts).get(0);
        assertEquals(519, h.ddelayCount);
        // KLL's rank error is about 1.3 % at k = 200: the quantile lies within two percentiles of zddist's
        for (int[] p : new int[][] {{50, 0}, {90, 0}, {99, 0}}) {
            double q = p[0] == 50 ? h.ddelayP50 : p[0] == 90 ? h.ddelayP90 : h.ddelayP99;
            double lo = doneby.floorEntry(p[0] - 2).getValue();
            double hi = doneby.ceilingEntry(Math.min(100, p[0] + 2)).getValue();
            assertTrue(q >= lo - 0.005 && q <= hi + 0.005, "p" + p[0] + " " + q + " not in [" + lo + ", " + hi + "]");
        }
        assertEquals(doneby.get(100), h.ddelayMax, 0.005);
    }
}
