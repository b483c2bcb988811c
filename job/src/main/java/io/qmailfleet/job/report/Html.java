package io.qmailfleet.job.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The HTML report: one self-contained page (inline CSS, inline SVG charts drawn here, a small
 * inline script for sortable tables), so it opens from a file or a mail attachment with no network.
 * Charts: traffic per host over time, the delay distribution, top senders, top domains, deferral
 * and failure reasons, the alert timeline. Every chart is an {@code <svg class="chart">} with a
 * {@code data-chart} name; bars and marks carry {@code <title>} tooltips.
 */
final class Html {
    private Html() {}

    static final String SUCCESS = "#2e7d32", DEFERRAL = "#f0a800", FAILURE = "#c62828", ACCEPTED = "#1565c0";
    private static final DateTimeFormatter HM = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DHM = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter FULL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static final String CSS = """
            :root{--fg:#1d2733;--muted:#5b6776;--line:#d8dee6;--bg:#f6f8fa}
            *{box-sizing:border-box}
            body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
            header{background:#1d2733;color:#fff;padding:18px 28px}
            header h1{margin:0 0 4px;font-size:22px;font-weight:600}
            header p{margin:0;color:#c9d3de;font-size:13px}
            main{max-width:1180px;margin:0 auto;padding:18px 28px 40px}
            section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:16px 0}
            h2{font-size:17px;margin:0 0 10px;font-weight:600}
            h3{font-size:14px;margin:14px 0 4px;font-weight:600;color:var(--muted)}
            .kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
            .kpi{border:1px solid var(--line);border-radius:6px;padding:8px 12px}
            .kpi b{display:block;font-size:22px;font-weight:600}
            .kpi span{color:var(--muted);font-size:12px}
            .grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
            @media (max-width:900px){.grid2{grid-template-columns:1fr}}
            table{border-collapse:collapse;width:100%;font-size:13px}
            th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
            th{background:var(--bg);cursor:pointer;user-select:none}
            td.l,th.l{text-align:left}
            td.ex{text-align:left;white-space:normal;color:var(--muted);font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
            .legend{font-size:12px;color:var(--muted);margin:4px 0}
            .legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
            svg.chart{display:block;width:100%;height:auto;font:11px system-ui,"DejaVu Sans",sans-serif}
            svg.chart text{fill:#3c4856}
            svg.chart .axis{stroke:#9aa5b1;stroke-width:1}
            svg.chart .grid{stroke:#e6eaef;stroke-width:1}
            svg.chart rect.bar:hover,svg.chart circle:hover{opacity:.75}
            summary{cursor:pointer;color:var(--muted);margin:8px 0}
            pre{background:var(--bg);padding:10px;border-radius:6px;overflow:auto;font-size:12px}
            .none{color:var(--muted);font-style:italic}
            """;

    private static final String SCRIPT = """
            (function(){
              document.querySelectorAll('table.sortable').forEach(function(t){
                t.querySelectorAll('th').forEach(function(th,i){
                  th.addEventListener('click',function(){
                    var body=t.tBodies[0], rows=Array.prototype.slice.call(body.rows);
                    var asc=th.dataset.dir!=='asc'; th.dataset.dir=asc?'asc':'desc';
                    rows.sort(function(a,b){
                      var x=a.cells[i].dataset.v||a.cells[i].textContent, y=b.cells[i].dataset.v||b.cells[i].textContent;
                      var nx=parseFloat(x), ny=parseFloat(y);
                      var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);
                      return asc?c:-c;
                    });
                    rows.forEach(function(r){body.appendChild(r);});
                  });
                });
              });
              document.body.setAttribute('data-charts', String(document.querySelectorAll('svg.chart').length));
              document.body.setAttribute('data-ready', '1');
            })();
            """;

    static String page(ReportData d, String source, int topN) {
        StringBuilder b = new StringBuilder(64 * 1024);
        ReportData.Sum f = d.fleet;
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n")
                .append("<title>qmail fleet report</title>\n")
                // errors of the page's own script end up in the DOM (and in the console)
                .append("<script>window.__errors=[];window.addEventListener('error',function(e){window.__errors.push(String(e.message));")
                .append("document.documentElement.setAttribute('data-errors',window.__errors.join(' | '));});</script>\n")
                .append("<style>").append(CSS).append("</style></head><body>\n");
        b.append("<header><h1>qmail fleet report</h1><p>").append(esc(source)).append(" &middot; hosts: ")
                .append(esc(d.hosts.isEmpty() ? "none" : String.join(", ", d.hosts.keySet())));
        if (f.first != null) b.append(" &middot; ").append(FULL.format(f.first)).append(" &ndash; ").append(FULL.format(f.last)).append(" UTC");
        b.append("</p></header>\n<main>\n");

        // overall
        b.append("<section id=\"overall\"><h2>Overall</h2><div class=\"kpis\">");
        kpi(b, Long.toString(f.messages), "completed messages");
        kpi(b, Long.toString(f.accepted), "messages accepted");
        kpi(b, Long.toString(f.successes), "successful deliveries");
        kpi(b, Long.toString(f.deferrals), "deferrals");
        kpi(b, Long.toString(f.failures), "failures");
        kpi(b, f.messages == 0 ? "-" : Text.duration(f.qtime / f.messages), "average qtime");
        kpi(b, f.successes == 0 ? "-" : Text.duration(f.ddelay / f.successes), "average ddelay");
        kpi(b, Long.toString(d.alerts.stream().filter(a -> !a.resolves()).count()), "alerts raised");
        b.append("</div><h3>As qmailanalog's zoverall prints it</h3><pre>");
        for (String[] l : Text.overall(f)) b.append(l == null ? "" : esc(l[0] + ": " + l[1])).append('\n');
        b.append("</pre></section>\n");

        // traffic per host
        b.append("<section id=\"traffic\"><h2>Traffic per host over time</h2>");
        legend(b, new String[] {"success", "deferral", "failure", "accepted"}, new String[] {SUCCESS, DEFERRAL, FAILURE, ACCEPTED});
        b.append("<p class=\"legend\">delivery attempts ended per ").append(binLabel(d.binSeconds))
                .append(" (bars, by outcome); messages accepted (line)</p>");
        if (d.traffic.isEmpty()) b.append("<p class=\"none\">no deliveries</p>");
        for (Map.Entry<String, TreeMap<Instant, ReportData.Bin>> e : d.traffic.entrySet()) {
            b.append("<h3>").append(esc(e.getKey())).append("</h3>");
            traffic(b, e.getKey(), e.getValue(), d.binSeconds);
        }
        b.append("</section>\n");

        // hosts table
        b.append("<section id=\"hosts\"><h2>Per host</h2><table class=\"sortable\"><thead><tr><th class=\"l\">host</th><th>accepted</th>")
                .append("<th>messages</th><th>attempts</th><th>success</th><th>deferral</th><th>failure</th><th>bytes</th>")
                .append("<th>avg qtime (s)</th><th>ddelay p50</th><th>p90</th><th>p99</th></tr></thead><tbody>");
        for (ReportData.Sum h : d.hosts.values()) {
            List<Double> dd = d.ddelays.getOrDefault(h.key, List.of());
            b.append("<tr><td class=\"l\">").append(esc(h.key)).append("</td>");
            for (long v : new long[] {h.accepted, h.messages, h.attemptsEnded(), h.successes, h.deferrals, h.failures, h.bytes}) td(b, Long.toString(v));
            td(b, String.format(Locale.ROOT, "%.2f", h.messages == 0 ? 0 : h.qtime / h.messages));
            for (int p : new int[] {50, 90, 99}) td(b, String.format(Locale.ROOT, "%.2f", Text.quantile(dd, p)));
            b.append("</tr>");
        }
        b.append("</tbody></table></section>\n");

        // delay distribution
        b.append("<section id=\"delays\"><h2>Delay distribution of successful deliveries</h2><div class=\"grid2\"><div>")
                .append("<h3>ddelay (queued to delivered), deliveries per range</h3>");
        delayHistogram(b, d.fleetDdelays);
        b.append("</div><div><h3>the first pct% of deliveries were done within (zddist)</h3>");
        delayCurve(b, d.fleetDdelays);
        b.append("</div></div></section>\n");

        // senders and domains
        b.append("<section id=\"senders\"><h2>Top senders</h2>");
        legend(b, new String[] {"success", "deferral", "failure"}, new String[] {SUCCESS, DEFERRAL, FAILURE});
        List<String> labels = new ArrayList<>();
        List<long[]> values = new ArrayList<>();
        List<ReportData.Sum> topSenders = Text.top(d.senders.values(), x -> x.messages, topN);
        for (ReportData.Sum s : topSenders) {
            labels.add(s.key.isEmpty() ? "<> (bounces)" : "<" + s.key + ">");
            values.add(new long[] {s.successes, s.deferrals, s.failures});
        }
        hbars(b, "senders", labels, values, new String[] {"success", "deferral", "failure"}, new String[] {SUCCESS, DEFERRAL, FAILURE},
                "attempts of the " + topSenders.size() + " senders with the most messages");
        b.append("<table class=\"sortable\"><thead><tr><th class=\"l\">sender</th><th>messages</th><th>accepted</th><th>bytes</th>")
                .append("<th>recipients</th><th>tries</th><th>deferral</th><th>failure</th><th>xdelay (s)</th></tr></thead><tbody>");
        for (ReportData.Sum s : topSenders) {
            b.append("<tr><td class=\"l\">").append(esc("<" + s.key + ">")).append("</td>");
            for (long v : new long[] {s.messages, s.accepted, s.bytes, s.recipients, s.attempts, s.deferrals, s.failures}) td(b, Long.toString(v));
            td(b, String.format(Locale.ROOT, "%.2f", s.xdelay));
            b.append("</tr>");
        }
        b.append("</tbody></table></section>\n");

        b.append("<section id=\"domains\"><h2>Top recipient domains</h2>");
        legend(b, new String[] {"success", "deferral", "failure"}, new String[] {SUCCESS, DEFERRAL, FAILURE});
        labels = new ArrayList<>();
        values = new ArrayList<>();
        for (ReportData.Sum s : Text.top(d.domains.values(), x -> x.attempts, topN)) {
            labels.add(s.key.isEmpty() ? "(none)" : s.key);
            values.add(new long[] {s.successes, s.deferrals, s.failures});
        }
        hbars(b, "domains", labels, values, new String[] {"success", "deferral", "failure"}, new String[] {SUCCESS, DEFERRAL, FAILURE},
                "delivery attempts per recipient domain");
        b.append("</section>\n");

        // reasons
        b.append("<section id=\"reasons\"><h2>Deferral and failure reasons</h2><div class=\"grid2\"><div><h3>deferrals</h3>");
        reasons(b, "deferral-reasons", Text.reasons(f.deferralReasons), DEFERRAL);
        b.append("</div><div><h3>failures</h3>");
        reasons(b, "failure-reasons", Text.reasons(f.failureReasons), FAILURE);
        b.append("</div></div><table class=\"sortable\"><thead><tr><th class=\"l\">kind</th><th>attempts</th><th>xdelay (s)</th>")
                .append("<th class=\"l\">reason</th><th class=\"l\">example</th></tr></thead><tbody>");
        for (String kind : new String[] {"deferral", "failure"}) {
            for (ReportData.Reason r : Text.reasons(kind.equals("deferral") ? f.deferralReasons : f.failureReasons)) {
                b.append("<tr><td class=\"l\">").append(kind).append("</td>");
                td(b, Long.toString(r.count));
                td(b, String.format(Locale.ROOT, "%.2f", r.xdelay));
                b.append("<td class=\"l\">").append(esc(r.label())).append("</td><td class=\"ex\">").append(esc(r.example)).append("</td></tr>");
            }
        }
        b.append("</tbody></table></section>\n");

        // alerts
        b.append("<section id=\"alerts\"><h2>Alert timeline</h2>");
        timeline(b, d);
        if (!d.alerts.isEmpty()) {
            b.append("<details><summary>").append(d.alerts.size()).append(" alert records</summary>");
            b.append("<table class=\"sortable\"><thead><tr><th class=\"l\">time (UTC)</th><th class=\"l\">host</th><th class=\"l\">alert</th></tr></thead><tbody>");
            for (ReportData.AlertEvent a : d.alerts) {
                b.append("<tr><td class=\"l\">").append(a.at() == null ? "" : esc(FULL.format(a.at()))).append("</td><td class=\"l\">")
                        .append(esc(a.host())).append("</td><td class=\"ex\">").append(esc(a.text())).append("</td></tr>");
            }
            b.append("</tbody></table></details>");
        }
        b.append("</section>\n");

        b.append("</main>\n<script>").append(SCRIPT).append("</script>\n</body></html>\n");
        return b.toString();
    }

    static String binLabel(long seconds) {
        if (seconds % 86400 == 0) return seconds / 86400 + " d";
        if (seconds % 3600 == 0) return seconds / 3600 + " h";
        if (seconds % 60 == 0) return seconds / 60 + " min";
        return seconds + " s";
    }

    private static void kpi(StringBuilder b, String value, String label) {
        b.append("<div class=\"kpi\"><b>").append(esc(value)).append("</b><span>").append(esc(label)).append("</span></div>");
    }

    private static void td(StringBuilder b, String v) {
        b.append("<td>").append(esc(v)).append("</td>");
    }

    private static void legend(StringBuilder b, String[] names, String[] colors) {
        b.append("<div class=\"legend\">");
        for (int i = 0; i < names.length; i++) b.append("<i style=\"background:").append(colors[i]).append("\"></i>").append(esc(names[i]));
        b.append("</div>");
    }

    /** A round step for an axis from 0 to max with about 4 ticks. */
    static double step(double max) {
        if (max <= 0) return 1;
        double raw = max / 4;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) if (raw <= m * p) return Math.max(m * p, 1e-9);
        return 10 * p;
    }

    private static String fmtTick(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "");
    }

    private static void traffic(StringBuilder b, String host, TreeMap<Instant, ReportData.Bin> bins, long binSeconds) {
        int w = 1100, h = 190, left = 44, right = 22, top = 10, bottom = 26;
        if (bins.isEmpty() || binSeconds <= 0) {
            b.append("<p class=\"none\">no traffic</p>");
            return;
        }
        long first = bins.firstKey().getEpochSecond(), last = bins.lastKey().getEpochSecond();
        int n = (int) ((last - first) / binSeconds) + 1;
        long max = 1;
        for (ReportData.Bin x : bins.values()) max = Math.max(max, Math.max(x.attempts(), x.accepted));
        double st = step(max), ymax = Math.ceil(max / st) * st;
        double pw = w - left - right, ph = h - top - bottom, bw = pw / n;
        b.append("<svg class=\"chart\" data-chart=\"traffic\" data-host=\"").append(esc(host)).append("\" viewBox=\"0 0 ")
                .append(w).append(' ').append(h).append("\" role=\"img\" aria-label=\"traffic of ").append(esc(host)).append("\">");
        for (double y = 0; y <= ymax + 1e-9; y += st) {
            double py = top + ph - y / ymax * ph;
            b.append("<line class=\"grid\" x1=\"").append(left).append("\" x2=\"").append(w - right).append("\" y1=\"").append(num(py))
                    .append("\" y2=\"").append(num(py)).append("\"/><text x=\"").append(left - 4).append("\" y=\"").append(num(py + 4))
                    .append("\" text-anchor=\"end\">").append(fmtTick(y)).append("</text>");
        }
        boolean days = last - first > 86400;
        // a label every k bins, k bins being a whole number of minutes, on times that are multiples of it
        int labelEvery = Math.max(1, (int) Math.ceil(n / 12.0));
        while (binSeconds < 60 && (labelEvery * binSeconds) % 60 != 0) labelEvery++;
        long labelSeconds = labelEvery * binSeconds;
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Instant t = Instant.ofEpochSecond(first + i * binSeconds);
            ReportData.Bin x = bins.getOrDefault(t, new ReportData.Bin());
            double x0 = left + i * bw + Math.min(1, bw * 0.1), bwid = Math.max(1, bw - 2 * Math.min(1, bw * 0.1));
            double y = top + ph;
            String tip = (days ? DHM : HM).format(t) + ": " + x.successes + " success, " + x.deferrals + " deferral, " + x.failures
                    + " failure, " + x.accepted + " accepted";
            long[] vals = {x.successes, x.deferrals, x.failures};
            String[] cols = {SUCCESS, DEFERRAL, FAILURE};
            for (int k = 0; k < 3; k++) {
                if (vals[k] == 0) continue;
                double hh = vals[k] / ymax * ph;
                y -= hh;
                b.append("<rect class=\"bar\" x=\"").append(num(x0)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(bwid))
                        .append("\" height=\"").append(num(hh)).append("\" fill=\"").append(cols[k]).append("\"><title>").append(esc(tip))
                        .append("</title></rect>");
            }
            line.append(i == 0 ? "M" : "L").append(num(left + (i + 0.5) * bw)).append(',').append(num(top + ph - x.accepted / ymax * ph));
            if (t.getEpochSecond() % labelSeconds == 0) {
                b.append("<text x=\"").append(num(left + (i + 0.5) * bw)).append("\" y=\"").append(h - 8).append("\" text-anchor=\"middle\">")
                        .append((days ? DHM : HM).format(t)).append("</text>");
            }
        }
        b.append("<path d=\"").append(line).append("\" fill=\"none\" stroke=\"").append(ACCEPTED).append("\" stroke-width=\"1.5\"/>");
        b.append("<line class=\"axis\" x1=\"").append(left).append("\" x2=\"").append(w - right).append("\" y1=\"").append(top + ph)
                .append("\" y2=\"").append(top + ph).append("\"/></svg>");
    }

    static final double[] DELAY_EDGES = {0.1, 1, 5, 10, 30, 60, 300, 1800, 3600, 6 * 3600};
    static final String[] DELAY_LABELS = {"<0.1s", "0.1-1s", "1-5s", "5-10s", "10-30s", "30-60s", "1-5m", "5-30m", "30m-1h", "1-6h", ">6h"};

    private static void delayHistogram(StringBuilder b, List<Double> sorted) {
        long[] counts = new long[DELAY_LABELS.length];
        for (double v : sorted) {
            int i = 0;
            while (i < DELAY_EDGES.length && v >= DELAY_EDGES[i]) i++;
            counts[i]++;
        }
        int w = 540, h = 230, left = 40, right = 8, top = 10, bottom = 30;
        long max = 1;
        for (long c : counts) max = Math.max(max, c);
        double st = step(max), ymax = Math.ceil(max / st) * st, pw = w - left - right, ph = h - top - bottom, bw = pw / counts.length;
        b.append("<svg class=\"chart\" data-chart=\"delay-histogram\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" role=\"img\" aria-label=\"ddelay histogram\">");
        for (double y = 0; y <= ymax + 1e-9; y += st) {
            double py = top + ph - y / ymax * ph;
            b.append("<line class=\"grid\" x1=\"").append(left).append("\" x2=\"").append(w - right).append("\" y1=\"").append(num(py))
                    .append("\" y2=\"").append(num(py)).append("\"/><text x=\"").append(left - 4).append("\" y=\"").append(num(py + 4))
                    .append("\" text-anchor=\"end\">").append(fmtTick(y)).append("</text>");
        }
        for (int i = 0; i < counts.length; i++) {
            double hh = counts[i] / ymax * ph;
            b.append("<rect class=\"bar\" x=\"").append(num(left + i * bw + 3)).append("\" y=\"").append(num(top + ph - hh))
                    .append("\" width=\"").append(num(bw - 6)).append("\" height=\"").append(num(hh)).append("\" fill=\"").append(ACCEPTED)
                    .append("\"><title>").append(DELAY_LABELS[i]).append(": ").append(counts[i]).append(" deliveries</title></rect>");
            b.append("<text x=\"").append(num(left + (i + 0.5) * bw)).append("\" y=\"").append(h - 12).append("\" text-anchor=\"middle\">")
                    .append(esc(DELAY_LABELS[i])).append("</text>");
        }
        b.append("<line class=\"axis\" x1=\"").append(left).append("\" x2=\"").append(w - right).append("\" y1=\"").append(top + ph)
                .append("\" y2=\"").append(top + ph).append("\"/></svg>");
    }

    private static void delayCurve(StringBuilder b, List<Double> sorted) {
        List<double[]> dd = Text.ddist(sorted);
        int w = 540, h = 230, left = 48, right = 22, top = 10, bottom = 30;
        double max = 0;
        for (double[] l : dd) max = Math.max(max, l[0]);
        double st = step(max), ymax = Math.max(st, Math.ceil(max / st) * st), pw = w - left - right, ph = h - top - bottom;
        b.append("<svg class=\"chart\" data-chart=\"delay-distribution\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" role=\"img\" aria-label=\"ddelay by percentile\">");
        for (double y = 0; y <= ymax + 1e-9; y += st) {
            double py = top + ph - y / ymax * ph;
            b.append("<line class=\"grid\" x1=\"").append(left).append("\" x2=\"").append(w - right).append("\" y1=\"").append(num(py))
                    .append("\" y2=\"").append(num(py)).append("\"/><text x=\"").append(left - 4).append("\" y=\"").append(num(py + 4))
                    .append("\" text-anchor=\"end\">").append(fmtTick(y)).append("s</text>");
        }
        StringBuilder path = new StringBuilder();
        for (double[] l : dd) {
            double px = left + (l[2] - 10) / 90 * pw, py = top + ph - l[0] / ymax * ph;
            path.append(path.length() == 0 ? "M" : "L").append(num(px)).append(',').append(num(py));
            if (((int) l[2]) % 10 == 0 || l[2] >= 99) {
                b.append("<circle cx=\"").append(num(px)).append("\" cy=\"").append(num(py)).append("\" r=\"3\" fill=\"").append(ACCEPTED)
                        .append("\"><title>").append((int) l[2]).append("% within ").append(String.format(Locale.ROOT, "%.2f", l[0]))
                        .append(" s (average ").append(String.format(Locale.ROOT, "%.2f", l[1])).append(" s)</title></circle>");
            }
        }
        for (int p = 10; p <= 100; p += 10) {
            b.append("<text x=\"").append(num(left + (p - 10) / 90.0 * pw)).append("\" y=\"").append(h - 12).append("\" text-anchor=\"middle\">")
                    .append(p).append("%</text>");
        }
        if (path.length() > 0) b.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(ACCEPTED).append("\" stroke-width=\"2\"/>");
        b.append("<line class=\"axis\" x1=\"").append(left).append("\" x2=\"").append(w - right).append("\" y1=\"").append(top + ph)
                .append("\" y2=\"").append(top + ph).append("\"/></svg>");
    }

    /** Horizontal stacked bars, one row per label. */
    private static void hbars(StringBuilder b, String name, List<String> labels, List<long[]> values, String[] series, String[] colors, String aria) {
        int rowH = 22, labelW = 300, w = 1100, right = 60, top = 6;
        int h = top + Math.max(1, labels.size()) * rowH + 6;
        long max = 1;
        for (long[] v : values) {
            long s = 0;
            for (long x : v) s += x;
            max = Math.max(max, s);
        }
        double pw = w - labelW - right;
        b.append("<svg class=\"chart\" data-chart=\"").append(esc(name)).append("\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" role=\"img\" aria-label=\"").append(esc(aria)).append("\">");
        if (labels.isEmpty()) b.append("<text x=\"10\" y=\"18\">none</text>");
        for (int i = 0; i < labels.size(); i++) {
            double y = top + i * rowH;
            String label = labels.get(i).length() > 46 ? labels.get(i).substring(0, 45) + "…" : labels.get(i);
            b.append("<text x=\"").append(labelW - 8).append("\" y=\"").append(num(y + 15)).append("\" text-anchor=\"end\"><title>")
                    .append(esc(labels.get(i))).append("</title>").append(esc(label)).append("</text>");
            double x = labelW;
            long total = 0;
            for (int k = 0; k < series.length; k++) {
                long v = values.get(i)[k];
                total += v;
                if (v == 0) continue;
                double ww = v / (double) max * pw;
                b.append("<rect class=\"bar\" x=\"").append(num(x)).append("\" y=\"").append(num(y + 3)).append("\" width=\"").append(num(ww))
                        .append("\" height=\"").append(rowH - 6).append("\" fill=\"").append(colors[k]).append("\"><title>")
                        .append(esc(labels.get(i) + ": " + v + " " + series[k])).append("</title></rect>");
                x += ww;
            }
            b.append("<text x=\"").append(num(x + 5)).append("\" y=\"").append(num(y + 15)).append("\">").append(total).append("</text>");
        }
        b.append("</svg>");
    }

    private static void reasons(StringBuilder b, String name, List<ReportData.Reason> rs, String color) {
        List<String> labels = new ArrayList<>();
        List<long[]> values = new ArrayList<>();
        for (ReportData.Reason r : rs.size() > 10 ? rs.subList(0, 10) : rs) {
            labels.add(r.label());
            values.add(new long[] {r.count});
        }
        hbarsNarrow(b, name, labels, values, color);
    }

    private static void hbarsNarrow(StringBuilder b, String name, List<String> labels, List<long[]> values, String color) {
        int rowH = 22, labelW = 250, w = 540, right = 40, top = 6;
        int h = top + Math.max(1, labels.size()) * rowH + 6;
        long max = 1;
        for (long[] v : values) max = Math.max(max, v[0]);
        double pw = w - labelW - right;
        b.append("<svg class=\"chart\" data-chart=\"").append(esc(name)).append("\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" role=\"img\" aria-label=\"").append(esc(name)).append("\">");
        if (labels.isEmpty()) b.append("<text x=\"10\" y=\"18\">none</text>");
        for (int i = 0; i < labels.size(); i++) {
            double y = top + i * rowH, ww = values.get(i)[0] / (double) max * pw;
            String label = labels.get(i).length() > 38 ? labels.get(i).substring(0, 37) + "…" : labels.get(i);
            b.append("<text x=\"").append(labelW - 8).append("\" y=\"").append(num(y + 15)).append("\" text-anchor=\"end\">").append(esc(label))
                    .append("</text><rect class=\"bar\" x=\"").append(labelW).append("\" y=\"").append(num(y + 3)).append("\" width=\"")
                    .append(num(Math.max(1, ww))).append("\" height=\"").append(rowH - 6).append("\" fill=\"").append(color).append("\"><title>")
                    .append(esc(labels.get(i) + ": " + values.get(i)[0])).append("</title></rect><text x=\"").append(num(labelW + ww + 5))
                    .append("\" y=\"").append(num(y + 15)).append("\">").append(values.get(i)[0]).append("</text>");
        }
        b.append("</svg>");
    }

    /**
     * One lane per host and alert kind; an alert is a bar from when it was raised to when it was
     * resolved (to the end of the report when it never was), a resolve without a raise a dot.
     */
    private static void timeline(StringBuilder b, ReportData d) {
        Instant lo = d.fleet.first, hi = d.fleet.last;
        for (ReportData.AlertEvent a : d.alerts) {
            if (a.at() == null) continue;
            if (lo == null || a.at().isBefore(lo)) lo = a.at();
            if (hi == null || a.at().isAfter(hi)) hi = a.at();
        }
        Map<String, List<Instant>> lanes = new LinkedHashMap<>();
        Map<String, Instant> open = new LinkedHashMap<>();
        Map<String, String> openLane = new LinkedHashMap<>();
        Map<String, String> tips = new LinkedHashMap<>();
        List<Object[]> marks = new ArrayList<>();
        for (ReportData.AlertEvent a : d.alerts) {
            if (a.at() == null) continue;
            String lane = a.host() + " · " + a.kind();
            List<Instant> raised = lanes.computeIfAbsent(lane, k -> new ArrayList<>());
            if (!a.resolves()) raised.add(a.at());
            String k = a.kind() + "|" + a.key();
            if (!a.resolves()) {
                if (!open.containsKey(k)) {
                    open.put(k, a.at());
                    openLane.put(k, lane);
                    tips.put(k, a.text());
                }
            } else if (open.containsKey(k)) {
                marks.add(new Object[] {lane, open.remove(k), a.at(), tips.remove(k) + " — " + a.text()});
                openLane.remove(k);
            } else {
                marks.add(new Object[] {lane, a.at(), a.at(), a.text()});
            }
        }
        for (Map.Entry<String, Instant> e : open.entrySet()) marks.add(new Object[] {openLane.get(e.getKey()), e.getValue(), null, tips.get(e.getKey()) + " (not resolved)"});
        // each lane packs its alerts into rows so that overlapping ones sit one above the other
        List<String> laneNames = new ArrayList<>(lanes.keySet());
        Map<Object[], Integer> row = new java.util.IdentityHashMap<>();
        int[] rows = new int[laneNames.size()];
        marks.sort(java.util.Comparator.comparing((Object[] m) -> (Instant) m[1]));
        Map<String, List<Instant>> rowEnds = new LinkedHashMap<>();
        for (Object[] m : marks) {
            List<Instant> ends = rowEnds.computeIfAbsent((String) m[0], k -> new ArrayList<>());
            Instant s = (Instant) m[1];
            Instant e = m[2] == null ? Instant.MAX : (Instant) m[2];
            int r = 0;
            while (r < ends.size() && !ends.get(r).isBefore(s)) r++;
            if (r == ends.size()) ends.add(e);
            else ends.set(r, e);
            row.put(m, r);
            int li = laneNames.indexOf((String) m[0]);
            rows[li] = Math.max(rows[li], r + 1);
        }
        int rowH = 7, labelW = 250, w = 1100, right = 24, top = 8, bottom = 26;
        double[] laneY = new double[laneNames.size() + 1];
        laneY[0] = top;
        for (int i = 0; i < laneNames.size(); i++) laneY[i + 1] = laneY[i] + Math.max(1, rows[i]) * rowH + 14;
        int h = (int) Math.ceil(laneY[laneNames.size()]) + bottom;
        b.append("<svg class=\"chart\" data-chart=\"alert-timeline\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" role=\"img\" aria-label=\"alert timeline\">");
        if (lanes.isEmpty() || lo == null) {
            b.append("<text x=\"10\" y=\"22\">no alerts in these outputs</text></svg>");
            return;
        }
        double span = Math.max(1, hi.getEpochSecond() - lo.getEpochSecond() + (hi.getNano() - lo.getNano()) / 1e9);
        double pw = w - labelW - right;
        final Instant lo0 = lo;
        java.util.function.Function<Instant, Double> xOf = t -> labelW + ((t.getEpochSecond() - lo0.getEpochSecond())
                + (t.getNano() - lo0.getNano()) / 1e9) / span * pw;
        for (int i = 0; i < laneNames.size(); i++) {
            b.append("<line class=\"grid\" x1=\"").append(labelW).append("\" x2=\"").append(w - right).append("\" y1=\"").append(num(laneY[i + 1]))
                    .append("\" y2=\"").append(num(laneY[i + 1])).append("\"/><text x=\"").append(labelW - 8).append("\" y=\"")
                    .append(num((laneY[i] + laneY[i + 1]) / 2 + 4)).append("\" text-anchor=\"end\">").append(esc(laneNames.get(i)))
                    .append(" (").append(lanes.get(laneNames.get(i)).size()).append(")</text>");
        }
        for (Object[] m : marks) {
            int i = laneNames.indexOf((String) m[0]);
            double y = laneY[i] + 7 + row.get(m) * rowH;
            Instant s = (Instant) m[1];
            Instant e = (Instant) m[2];
            String color = ((String) m[0]).contains("stuck") || ((String) m[0]).contains("hung") ? DEFERRAL : FAILURE;
            double x0 = xOf.apply(s);
            if (e != null && e.equals(s)) {
                b.append("<circle cx=\"").append(num(x0)).append("\" cy=\"").append(num(y + rowH / 2.0 - 0.5)).append("\" r=\"3\" fill=\"").append(color)
                        .append("\"><title>").append(esc((String) m[3])).append("</title></circle>");
                continue;
            }
            double x1 = e == null ? w - right : xOf.apply(e);
            b.append("<rect class=\"bar\" x=\"").append(num(x0)).append("\" y=\"").append(num(y)).append("\" width=\"")
                    .append(num(Math.max(3, x1 - x0))).append("\" height=\"").append(rowH - 2).append("\" rx=\"2\" fill=\"").append(color)
                    .append("\" fill-opacity=\"").append(e == null ? "0.45" : "0.85").append("\"><title>").append(esc((String) m[3]))
                    .append("</title></rect>");
        }
        double axisY = laneY[laneNames.size()];
        boolean days = span > 86400;
        for (int k = 0; k <= 6; k++) {
            Instant t = lo.plusMillis((long) (span * 1000 * k / 6));
            b.append("<text x=\"").append(num(labelW + pw * k / 6)).append("\" y=\"").append(num(axisY + 16)).append("\" text-anchor=\"middle\">")
                    .append((days ? DHM : HM).format(t)).append("</text>");
        }
        b.append("<line class=\"axis\" x1=\"").append(labelW).append("\" x2=\"").append(w - right).append("\" y1=\"").append(num(axisY))
                .append("\" y2=\"").append(num(axisY)).append("\"/></svg>");
    }
}
