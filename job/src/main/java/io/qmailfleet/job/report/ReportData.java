package io.qmailfleet.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a report shows, computed from a run's output records: the stats outputs ({@code hosts},
 * {@code senders}, {@code domains}; the latest revision of each key and window, then summed over
 * windows), the life cycles (delays of each successful delivery, and traffic over time when the
 * stats have one window over the whole input) and the alert records.
 */
final class ReportData {
    /** Reads every record of one output (a folder's files, or a topic's range); empty when it has none. */
    interface Source {
        List<JsonNode> read(String output) throws IOException;
    }

    /** Measures of one key summed over its windows (stats.schema.json field meanings). */
    static final class Sum {
        final String key;
        long messages, bytes, successBytes, recipientBytes, recipients, attempts;
        long accepted, successes, deferrals, failures, interrupted, bounces, doubleBounces, tripleBounces;
        double xdelay, qtime, ddelay;
        Instant first, last;
        final Map<String, Reason> deferralReasons = new HashMap<>();
        final Map<String, Reason> failureReasons = new HashMap<>();
        long otherDeferrals, otherFailures;

        Sum(String key) {
            this.key = key;
        }

        long attemptsEnded() {
            return successes + deferrals + failures;
        }

        void add(JsonNode r) {
            messages += r.path("messages").asLong();
            bytes += r.path("bytes").asLong();
            successBytes += r.path("success_bytes").asLong();
            recipientBytes += r.path("recipient_bytes").asLong();
            recipients += r.path("recipients").asLong();
            attempts += r.path("attempts").asLong();
            accepted += r.path("accepted").asLong();
            successes += r.path("successes").asLong();
            deferrals += r.path("deferrals").asLong();
            failures += r.path("failures").asLong();
            interrupted += r.path("interrupted").asLong();
            bounces += r.path("bounces").asLong();
            doubleBounces += r.path("double_bounces").asLong();
            tripleBounces += r.path("triple_bounces").asLong();
            xdelay += r.path("xdelay").asDouble();
            qtime += r.path("qtime").asDouble();
            ddelay += r.path("ddelay").asDouble();
            Instant f = time(r, "first");
            Instant l = time(r, "last");
            if (f != null && (first == null || f.isBefore(first))) first = f;
            if (l != null && (last == null || l.isAfter(last))) last = l;
            reasons(r.path("deferral_reasons"), deferralReasons);
            reasons(r.path("failure_reasons"), failureReasons);
            otherDeferrals += r.path("other_deferrals").asLong();
            otherFailures += r.path("other_failures").asLong();
        }

        private static void reasons(JsonNode list, Map<String, Reason> into) {
            for (JsonNode c : list) {
                Reason x = new Reason(c.path("category").asText(""), c.path("code").asText(""), c.path("enhanced").asText(""));
                Reason r = into.computeIfAbsent(x.key(), k -> x);
                r.count += c.path("count").asLong();
                r.xdelay += c.path("xdelay").asDouble();
                if (r.example == null || r.example.isEmpty()) r.example = c.path("example").asText("");
            }
        }
    }

    /** A normalised deferral or failure reason with its attempts and their xdelay. */
    static final class Reason {
        final String category, code, enhanced;
        long count;
        double xdelay;
        String example;

        Reason(String category, String code, String enhanced) {
            this.category = category;
            this.code = code;
            this.enhanced = enhanced;
        }

        String key() {
            return category + " " + code + " " + enhanced;
        }

        String label() {
            return (category + " " + code + " " + enhanced).trim().replaceAll("\\s+", " ");
        }
    }

    /** Attempts that ended in one time bin on one host. */
    static final class Bin {
        long accepted, successes, deferrals, failures;

        long attempts() {
            return successes + deferrals + failures;
        }
    }

    /** A per-message alert or a page, for the timeline and the alerts section. */
    record AlertEvent(Instant at, String host, String kind, boolean resolves, String key, String text) {}

    final Map<String, Sum> hosts = new TreeMap<>();
    final Map<String, Sum> senders = new TreeMap<>();
    final Map<String, Sum> domains = new TreeMap<>();
    final Sum fleet = new Sum("fleet");
    /** Distinct window starts of the stats (one, the epoch, for --stats-window all). */
    final TreeSet<String> windows = new TreeSet<>();
    boolean wholeInputWindow;
    /** host -> bin start -> counts. */
    final Map<String, TreeMap<Instant, Bin>> traffic = new TreeMap<>();
    long binSeconds;
    /** host -> ddelay (s) of every successful delivery, sorted. */
    final Map<String, List<Double>> ddelays = new TreeMap<>();
    final List<Double> fleetDdelays = new ArrayList<>();
    long lifecycles;
    final List<AlertEvent> alerts = new ArrayList<>();

    static Instant time(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull() || v.asText().isEmpty()) return null;
        return Instant.parse(v.asText());
    }

    /** The latest revision of each (key, window) of one stats output. */
    static List<JsonNode> latest(List<JsonNode> records) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (JsonNode r : records) {
            if (!"stats".equals(r.path("record").asText())) continue;
            String k = r.path("key").asText() + "|" + r.path("channel").asText("") + "|" + r.path("window_start").asText();
            JsonNode old = m.get(k);
            if (old == null || r.path("revision").asLong() > old.path("revision").asLong()) m.put(k, r);
        }
        return new ArrayList<>(m.values());
    }

    static ReportData load(Source src) throws IOException {
        ReportData d = new ReportData();
        List<JsonNode> hostRecords = latest(src.read("hosts"));
        for (JsonNode r : hostRecords) {
            d.hosts.computeIfAbsent(r.path("key").asText(), Sum::new).add(r);
            d.fleet.add(r);
            d.windows.add(r.path("window_start").asText());
            if (r.path("window_end").isNull()) d.wholeInputWindow = true;
        }
        for (JsonNode r : latest(src.read("senders"))) d.senders.computeIfAbsent(r.path("key").asText(), Sum::new).add(r);
        for (JsonNode r : latest(src.read("domains"))) d.domains.computeIfAbsent(r.path("key").asText(), Sum::new).add(r);

        // life cycles: the newest record of each (host, msg, new); a relay update repeats a life cycle
        Map<String, JsonNode> lcs = new LinkedHashMap<>();
        for (JsonNode r : src.read("lifecycles")) {
            String id = r.path("host").asText() + "|" + r.path("msg_id").asLong() + "|" + r.path("new").asText();
            if (!lcs.containsKey(id) || r.path("relay_update").asBoolean(false)) lcs.put(id, r);
        }
        d.lifecycles = lcs.size();
        for (JsonNode lc : lcs.values()) {
            Instant born = time(lc, "info");
            if (born == null) born = time(lc, "new");
            String host = lc.path("host").asText();
            for (JsonNode rc : lc.path("recipients")) {
                for (JsonNode a : rc.path("attempts")) {
                    Instant end = time(a, "end");
                    if (born != null && end != null && "success".equals(a.path("outcome").asText())) {
                        double s = (end.getEpochSecond() - born.getEpochSecond()) + (end.getNano() - born.getNano()) / 1e9;
                        d.ddelays.computeIfAbsent(host, k -> new ArrayList<>()).add(s);
                        d.fleetDdelays.add(s);
                    }
                }
            }
        }
        for (List<Double> l : d.ddelays.values()) l.sort(null);
        d.fleetDdelays.sort(null);

        boolean windowed = !d.wholeInputWindow && d.windows.size() > 1;
        if (windowed) d.trafficFromWindows(hostRecords);
        else d.trafficFromLifecycles(lcs.values());

        for (String folder : AlertFolders.FOLDERS) {
            for (JsonNode r : src.read(folder)) d.alert(r);
        }
        d.alerts.sort(Comparator.comparing(AlertEvent::at, Comparator.nullsLast(Comparator.naturalOrder())));
        return d;
    }

    private void trafficFromWindows(List<JsonNode> hostRecords) {
        for (JsonNode r : hostRecords) {
            Instant s = time(r, "window_start");
            Instant e = time(r, "window_end");
            if (e != null && binSeconds == 0) binSeconds = e.getEpochSecond() - s.getEpochSecond();
            Bin b = traffic.computeIfAbsent(r.path("key").asText(), k -> new TreeMap<>()).computeIfAbsent(s, k -> new Bin());
            b.accepted += r.path("accepted").asLong();
            b.successes += r.path("successes").asLong();
            b.deferrals += r.path("deferrals").asLong();
            b.failures += r.path("failures").asLong();
        }
    }

    /** Bins of a round size giving at most about 60 bins over the life cycles' span. */
    private void trafficFromLifecycles(Iterable<JsonNode> lcs) {
        Instant lo = null, hi = null;
        for (JsonNode lc : lcs) {
            for (String f : new String[] {"info", "end"}) {
                Instant t = time(lc, f);
                if (t == null) continue;
                if (lo == null || t.isBefore(lo)) lo = t;
                if (hi == null || t.isAfter(hi)) hi = t;
            }
        }
        if (lo == null) return;
        long span = Math.max(1, hi.getEpochSecond() - lo.getEpochSecond());
        binSeconds = 86400;
        for (long s : new long[] {10, 30, 60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400}) {
            if (span / s <= 60) {
                binSeconds = s;
                break;
            }
        }
        for (JsonNode lc : lcs) {
            String host = lc.path("host").asText();
            TreeMap<Instant, Bin> bins = traffic.computeIfAbsent(host, k -> new TreeMap<>());
            Instant info = time(lc, "info");
            if (info != null) bins.computeIfAbsent(bin(info), k -> new Bin()).accepted++;
            for (JsonNode rc : lc.path("recipients")) {
                for (JsonNode a : rc.path("attempts")) {
                    Instant end = time(a, "end");
                    if (end == null) continue;
                    Bin b = bins.computeIfAbsent(bin(end), k -> new Bin());
                    switch (a.path("outcome").asText()) {
                        case "success" -> b.successes++;
                        case "deferral" -> b.deferrals++;
                        case "failure" -> b.failures++;
                        default -> { }
                    }
                }
            }
        }
    }

    private Instant bin(Instant t) {
        return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), binSeconds) * binSeconds);
    }

    private void alert(JsonNode r) {
        if (AlertFolders.isMessageAlert(r)) {
            String kind = r.path("kind").asText();
            String host = r.path("host").asText();
            String key = host + " msg " + r.path("msg_id").asLong()
                    + (kind.startsWith("hung") ? " delivery " + r.path("delivery_id").asLong() : "");
            StringBuilder text = new StringBuilder(kind).append(' ').append(key);
            if (r.hasNonNull("sender")) text.append(" from <").append(r.path("sender").asText()).append('>');
            if (r.hasNonNull("recipient")) text.append(" to ").append(r.path("recipient").asText());
            if (r.hasNonNull("age_ms")) text.append(", age ").append(Text.duration(r.path("age_ms").asLong() / 1000.0));
            if (r.hasNonNull("resolution")) text.append(", ").append(r.path("resolution").asText());
            // a message id is unique only with its new msg time (qmail reuses ids)
            alerts.add(new AlertEvent(time(r, "at"), host, kind.replace("_resolved", kind.startsWith("stuck") ? "_message" : "_delivery"),
                    kind.endsWith("_resolved"), key + " " + r.path("new").asText(""), text.toString()));
        } else if (AlertFolders.isPage(r)) {
            JsonNode p = r.path("payload");
            String host = p.path("custom_details").path("host").asText(p.path("source").asText());
            boolean resolve = "resolve".equals(r.path("event_action").asText());
            alerts.add(new AlertEvent(time(p, "timestamp"), host, p.path("class").asText("page"), resolve,
                    r.path("dedup_key").asText(), (resolve ? "resolved: " : p.path("severity").asText("") + ": ") + p.path("summary").asText()));
        }
    }
}
