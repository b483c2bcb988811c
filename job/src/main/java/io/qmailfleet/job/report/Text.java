package io.qmailfleet.job.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The text report: the sections a qmailanalog user knows (zoverall, zsenders, zrhosts,
 * zdeferrals/zfailures, zddist) with their numbers formatted as those scripts print them, plus per
 * host and alerts.
 */
final class Text {
    private Text() {}

    /** awk's default number output ({@code %.6g}, trailing zeros dropped), as qmailanalog's averages print. */
    static String g6(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return "0";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        BigDecimal b = new BigDecimal(v).round(new MathContext(6, RoundingMode.HALF_EVEN)).stripTrailingZeros();
        return b.toPlainString();
    }

    static String f6(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    static String duration(double seconds) {
        if (seconds < 60) return String.format(Locale.ROOT, "%.1f s", seconds);
        if (seconds < 3600) return String.format(Locale.ROOT, "%.1f min", seconds / 60);
        if (seconds < 86400) return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
        return String.format(Locale.ROOT, "%.1f d", seconds / 86400);
    }

    static double spanSeconds(ReportData.Sum s) {
        if (s.first == null || s.last == null) return 0;
        return (s.last.getEpochSecond() - s.first.getEpochSecond()) + (s.last.getNano() - s.first.getNano()) / 1e9;
    }

    /** zoverall's lines, label and value. */
    static List<String[]> overall(ReportData.Sum f) {
        List<String[]> l = new ArrayList<>();
        double span = spanSeconds(f);
        long tries = f.attemptsEnded();
        l.add(new String[] {"Completed messages", Long.toString(f.messages)});
        l.add(new String[] {"Recipients for completed messages", Long.toString(f.recipients)});
        l.add(new String[] {"Total delivery attempts for completed messages", Long.toString(f.attempts)});
        l.add(new String[] {"Average delivery attempts per completed message", f.messages == 0 ? "0" : g6((double) f.attempts / f.messages)});
        l.add(new String[] {"Bytes in completed messages", Long.toString(f.bytes)});
        l.add(new String[] {"Bytes weighted by success", Long.toString(f.successBytes)});
        l.add(new String[] {"Average message qtime (s)", f.messages == 0 ? "0" : g6(f.qtime / f.messages)});
        l.add(null);
        l.add(new String[] {"Total delivery attempts", Long.toString(tries)});
        l.add(new String[] {"  success", Long.toString(f.successes)});
        l.add(new String[] {"  failure", Long.toString(f.failures)});
        l.add(new String[] {"  deferral", Long.toString(f.deferrals)});
        l.add(new String[] {"Total ddelay (s)", f6(f.ddelay)});
        l.add(new String[] {"Average ddelay per success (s)", f.successes == 0 ? "0" : f6(f.ddelay / f.successes)});
        l.add(new String[] {"Total xdelay (s)", f6(f.xdelay)});
        l.add(new String[] {"Average xdelay per delivery attempt (s)", tries == 0 ? "0" : f6(f.xdelay / tries)});
        l.add(new String[] {"Time span (days)", g6(span / 86400)});
        l.add(new String[] {"Average concurrency", span == 0 ? "0" : g6(f.xdelay / span)});
        return l;
    }

    /** zddist's lines: for pct 10..100, the ddelay within which the first pct% of successes happened and their average. */
    static List<double[]> ddist(List<Double> sorted) {
        List<double[]> out = new ArrayList<>();
        int n = sorted.size();
        if (n == 0) return out;
        double[] prefix = new double[n + 1];
        for (int i = 0; i < n; i++) prefix[i + 1] = prefix[i] + sorted.get(i);
        for (int pct = 10; pct <= 100; pct++) {
            int i = (int) Math.ceil(n * pct / 100.0);
            if (i < 1) i = 1;
            out.add(new double[] {sorted.get(i - 1), prefix[i] / i, pct});
        }
        return out;
    }

    /** The p-th quantile (nearest rank) of sorted values. */
    static double quantile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) return 0;
        int i = (int) Math.ceil(sorted.size() * p / 100.0);
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i - 1)));
    }

    static <T> List<T> top(Iterable<T> all, ToLongFunction<T> by, int n) {
        List<T> l = new ArrayList<>();
        all.forEach(l::add);
        l.sort(Comparator.comparingLong(by).reversed());
        return l.size() > n ? l.subList(0, n) : l;
    }

    static List<ReportData.Reason> reasons(Map<String, ReportData.Reason> m) {
        List<ReportData.Reason> l = new ArrayList<>(m.values());
        l.sort(Comparator.comparingLong((ReportData.Reason r) -> r.count).reversed().thenComparing(ReportData.Reason::key));
        return l;
    }

    private static void header(StringBuilder b, String title) {
        b.append('\n').append("== ").append(title).append(" ==\n");
    }

    static String report(ReportData d, String source, int topN) {
        StringBuilder b = new StringBuilder();
        ReportData.Sum f = d.fleet;
        b.append("qmail fleet report of ").append(source).append('\n');
        b.append("hosts: ").append(d.hosts.isEmpty() ? "none" : String.join(", ", d.hosts.keySet()))
                .append("; ").append(f.first == null ? "no deliveries" : f.first + " .. " + f.last)
                .append("; stats windows: ").append(d.wholeInputWindow ? "one over the whole input" : d.windows.size() + "")
                .append("; life cycles: ").append(d.lifecycles).append('\n');

        header(b, "Overall (zoverall)");
        for (String[] l : overall(f)) b.append(l == null ? "" : l[0] + ": " + l[1]).append('\n');
        b.append("Messages accepted (info msg): ").append(f.accepted).append('\n');
        b.append("Interrupted attempts: ").append(f.interrupted).append('\n');
        b.append("Bounces: ").append(f.bounces).append(", double bounces: ").append(f.doubleBounces)
                .append(", triple bounces discarded: ").append(f.tripleBounces).append('\n');

        header(b, "Hosts");
        b.append(String.format(Locale.ROOT, "%-20s %8s %8s %8s %8s %8s %8s %12s %10s %9s %9s %9s%n",
                "host", "accepted", "messages", "attempts", "success", "deferral", "failure", "bytes", "avg qtime", "ddelay50", "ddelay90", "ddelay99"));
        for (ReportData.Sum h : d.hosts.values()) {
            List<Double> dd = d.ddelays.getOrDefault(h.key, List.of());
            b.append(String.format(Locale.ROOT, "%-20s %8d %8d %8d %8d %8d %8d %12d %10.2f %9.2f %9.2f %9.2f%n",
                    h.key, h.accepted, h.messages, h.attemptsEnded(), h.successes, h.deferrals, h.failures, h.bytes,
                    h.messages == 0 ? 0 : h.qtime / h.messages, quantile(dd, 50), quantile(dd, 90), quantile(dd, 99)));
        }

        header(b, "Senders, top " + topN + " by messages (zsenders)");
        b.append(String.format(Locale.ROOT, "%6s %9s %9s %9s %6s %6s %10s %6s %6s  %s%n",
                "mess", "bytes", "sbytes", "rbytes", "recips", "tries", "xdelay", "defer", "fail", "sender"));
        for (ReportData.Sum s : top(d.senders.values(), x -> x.messages, topN)) {
            b.append(String.format(Locale.ROOT, "%6d %9d %9d %9d %6d %6d %10.2f %6d %6d  <%s>%n", s.messages, s.bytes,
                    s.successBytes, s.recipientBytes, s.recipients, s.attempts, s.xdelay, s.deferrals, s.failures, s.key));
        }
        if (d.senders.size() > topN) b.append("(").append(d.senders.size() - topN).append(" more senders)\n");

        header(b, "Recipient domains, top " + topN + " by attempts (zrhosts)");
        b.append(String.format(Locale.ROOT, "%9s %6s %6s %10s %6s %6s  %s%n", "sbytes", "mess", "tries", "xdelay", "defer", "fail", "domain"));
        for (ReportData.Sum s : top(d.domains.values(), x -> x.attempts, topN)) {
            b.append(String.format(Locale.ROOT, "%9d %6d %6d %10.2f %6d %6d  %s%n", s.successBytes, s.messages, s.attempts,
                    s.xdelay, s.deferrals, s.failures, s.key));
        }
        if (d.domains.size() > topN) b.append("(").append(d.domains.size() - topN).append(" more domains)\n");

        reasonSection(b, "Deferral reasons (zdeferrals)", reasons(f.deferralReasons), f.otherDeferrals);
        reasonSection(b, "Failure reasons (zfailures)", reasons(f.failureReasons), f.otherFailures);

        header(b, "Delay distribution of successful deliveries (zddist)");
        b.append("The first pct% of successful deliveries all happened within doneby seconds; avg is their average ddelay.\n");
        b.append("doneby   avg  pct\n");
        for (double[] l : ddist(d.fleetDdelays)) {
            b.append(String.format(Locale.ROOT, "%6.2f %5.2f %3d%n", l[0], l[1], (int) l[2]));
        }

        header(b, "Alerts");
        if (d.alerts.isEmpty()) b.append("none\n");
        Map<String, long[]> byKind = new java.util.TreeMap<>();
        for (ReportData.AlertEvent a : d.alerts) byKind.computeIfAbsent(a.host() + " " + a.kind(), k -> new long[2])[a.resolves() ? 1 : 0]++;
        for (Map.Entry<String, long[]> e : byKind.entrySet()) {
            b.append(String.format(Locale.ROOT, "%-40s raised %d, resolved %d%n", e.getKey(), e.getValue()[0], e.getValue()[1]));
        }
        for (ReportData.AlertEvent a : d.alerts) b.append(a.at()).append("  ").append(a.text()).append('\n');
        return b.toString();
    }

    private static void reasonSection(StringBuilder b, String title, List<ReportData.Reason> rs, long other) {
        header(b, title);
        b.append(String.format(Locale.ROOT, "%6s %10s  %-30s %s%n", "del", "xdelay", "reason", "example"));
        for (ReportData.Reason r : rs) {
            b.append(String.format(Locale.ROOT, "%6d %10.2f  %-30s %s%n", r.count, r.xdelay, r.label(), r.example));
        }
        if (other > 0) b.append(String.format(Locale.ROOT, "%6d %10s  %s%n", other, "", "(other reasons, not itemised)"));
        if (rs.isEmpty() && other == 0) b.append("none\n");
    }
}
