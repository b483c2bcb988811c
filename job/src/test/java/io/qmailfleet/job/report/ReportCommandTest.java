package io.qmailfleet.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.Main;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real job on the bundled capture (one stats window over the whole input, and one-minute
 * windows), then {@code report} over its output folder: the overall section equals qmailanalog's
 * zoverall, the delay distribution zddist, the reasons add up to zdeferrals and zfailures, the
 * alerts are the run's alert records, and alert records are found by their shape in either
 * folder name.
 */
class ReportCommandTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @TempDir
    static Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, Path> RUNS = new LinkedHashMap<>();

    @BeforeAll
    static void runJob() throws Exception {
        for (String window : List.of("all", "1m")) {
            Path out = tmp.resolve("out-" + window);
            Main.run(JobConfig.from(CliArgs.parse(new String[] {
                    "--input", Capture.multilogDir().toString(), "--host", "mail", "--output", out.toString(),
                    "--stats-window", window, "--stuck-after", "60s", "--events", "false", "--quiet"})));
            RUNS.put(window, out);
        }
    }

    record Result(int code, String out, String err) {}

    static Result report(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = ReportCommand.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** The lines of one "== title ==" section of the text report. */
    static List<String> section(String report, String titleStart) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String l : report.split("\n", -1)) {
            if (l.startsWith("== ")) {
                in = l.startsWith("== " + titleStart);
                continue;
            }
            if (in) out.add(l);
        }
        assertFalse(out.isEmpty(), "section " + titleStart);
        return out;
    }

    static Map<String, String> labelled(List<String> lines) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : lines) {
            int c = l.lastIndexOf(": ");
            if (c > 0) m.put(l.substring(0, c), l.substring(c + 2).trim());
        }
        return m;
    }

    @Test
    void overallSectionEqualsZoverall() throws Exception {
        Map<String, String> z = labelled(Files.readAllLines(Capture.qmailanalog("zoverall.txt"), StandardCharsets.UTF_8));
        assertEquals(17, z.size());
        for (Map.Entry<String, Path> run : RUNS.entrySet()) {
            Result r = report("--output", run.getValue().toString());
            assertEquals(0, r.code(), r.err());
            Map<String, String> got = labelled(section(r.out(), "Overall"));
            for (Map.Entry<String, String> e : z.entrySet()) {
                String want = e.getValue();
                String have = got.get(e.getKey());
                String what = run.getKey() + " windows: " + e.getKey();
                if (!want.contains(".")) {
                    assertEquals(want, have, what);
                } else {
                    // as printed, to its last digit; the sums of seconds (ddelay, xdelay: printed to the
                    // microsecond) within 5 us, as the stats outputs keep them to the microsecond
                    int decimals = want.length() - want.indexOf('.') - 1;
                    double tolerance = Math.max(5e-6, 1.01 * Math.pow(10, -decimals));
                    assertEquals(Double.parseDouble(want), Double.parseDouble(have), tolerance, what + " = " + have);
                }
            }
        }
    }

    /**
     * doneby for each pct equals zddist's; avg is the mean ddelay of those deliveries, which at
     * 100% is zoverall's average ddelay per success (zddist's own avg column runs slightly higher).
     */
    @Test
    void delayDistributionEqualsZddist() throws Exception {
        List<String> z = Files.readAllLines(Capture.qmailanalog("zddist.txt"), StandardCharsets.UTF_8);
        List<String> want = z.subList(z.indexOf("doneby   avg  pct") + 1, z.size()).stream()
                .filter(l -> !l.isBlank()).map(ReportCommandTest::donebyAndPct).toList();
        assertEquals(91, want.size());
        for (Path out : RUNS.values()) {
            List<String> got = section(report("--output", out.toString()).out(), "Delay distribution");
            got = got.subList(got.indexOf("doneby   avg  pct") + 1, got.size()).stream().filter(l -> !l.isBlank()).toList();
            assertEquals(want, got.stream().map(ReportCommandTest::donebyAndPct).toList());
            assertEquals("8.38", got.get(got.size() - 1).trim().split("\\s+")[1], "average ddelay per success (zoverall: 8.380708)");
        }
    }

    static String donebyAndPct(String l) {
        String[] f = l.trim().split("\\s+");
        return f[0] + " " + f[2];
    }

    @Test
    void reasonsSendersDomainsAndAlerts() throws Exception {
        Path out = RUNS.get("1m");
        String text = report("--output", out.toString(), "--top", "5").out();
        assertEquals(77, sumFirstColumn(section(text, "Deferral reasons")));
        assertEquals(105, sumFirstColumn(section(text, "Failure reasons")));
        assertTrue(section(text, "Deferral reasons").stream().anyMatch(l -> l.contains("mailbox_unavailable 451 4.2.1")), text);
        List<String> senders = section(text, "Senders, top 5");
        assertEquals(5, senders.stream().filter(l -> l.trim().endsWith(">")).count(), String.join("\n", senders));
        List<String> hosts = section(text, "Hosts");
        assertTrue(hosts.get(1).startsWith("mail "), hosts.toString());

        // every stuck message of the capture raised and resolved, as in the alert records
        long stuckRecords = lines(out.resolve(Outputs.MESSAGE_ALERTS.name())).stream().filter(l -> l.contains("\"kind\":\"stuck_message\"")).count();
        assertTrue(stuckRecords > 0);
        List<String> alerts = section(text, "Alerts");
        assertTrue(alerts.contains(String.format("%-40s raised %d, resolved %d", "mail stuck_message", stuckRecords, stuckRecords)),
                String.join("\n", alerts));
    }

    /**
     * Both alert outputs reach the report: the per-message alerts of message-alerts/ and the paging
     * events of alerts/ (the capture's three qmail-send {@code alert:} lines page, each resolved).
     */
    @Test
    void pagingEventsAndMessageAlertsBothReachTheReport() throws Exception {
        Path out = RUNS.get("all");
        List<JsonNode> pages = new ArrayList<>();
        for (String l : lines(out.resolve(Outputs.ALERTS.name()))) pages.add(JSON.readTree(l));
        long triggers = pages.stream().filter(p -> p.path("event_action").asText().equals("trigger")
                && p.path("payload").path("class").asText().equals("qmail_alert")).count();
        long resolves = pages.stream().filter(p -> p.path("event_action").asText().equals("resolve")
                && p.path("payload").path("class").asText().equals("qmail_alert")).count();
        assertEquals(3, triggers, "the capture's alert: lines page");
        assertEquals(triggers, resolves);
        List<String> alerts = section(report("--output", out.toString()).out(), "Alerts");
        assertTrue(alerts.contains(String.format("%-40s raised %d, resolved %d", "mail qmail_alert", triggers, resolves)),
                String.join("\n", alerts));
        long stuck = lines(out.resolve(Outputs.MESSAGE_ALERTS.name())).stream()
                .filter(l -> l.contains("\"kind\":\"stuck_message\"")).count();
        assertTrue(stuck > 0);
        assertTrue(alerts.contains(String.format("%-40s raised %d, resolved %d", "mail stuck_message", stuck, stuck)),
                String.join("\n", alerts));
    }

    @Test
    void badArgumentsAndEmptyFolders() throws Exception {
        assertEquals(2, report("--output", tmp.resolve("nope").toString()).code());
        assertEquals(2, report("--bogus").code());
        assertEquals(2, report("--top", "x").code());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Result r = report("--output", empty.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: nothing to report"), r.err());
        Path bad = Files.createDirectories(tmp.resolve("bad/hosts"));
        Files.writeString(bad.resolve("part-0.jsonl"), "{\"record\":\"stats\"\n");
        r = report("--output", bad.getParent().toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("part-0.jsonl:1 is not JSON"), r.err());
    }

    /**
     * The HTML page in real headless Chromium: it renders, every chart is an SVG with its marks,
     * the page's script ran to its end and nothing reached the console (no uncaught error); a
     * screenshot is not blank. A copy of each page and screenshot is kept under target/report-test/.
     */
    @Test
    void htmlRendersInHeadlessChromiumWithItsChartsAndNoConsoleErrors() throws Exception {
        Chromium.requireInstalled();
        Path keep = Files.createDirectories(Path.of("target", "report-test"));
        for (Map.Entry<String, Path> run : RUNS.entrySet()) {
            Path html = tmp.resolve("report-" + run.getKey() + ".html");
            Result r = report("--output", run.getValue().toString(), "--html", html.toString(), "--quiet");
            assertEquals(0, r.code(), r.err());
            assertEquals("", r.out(), "--quiet: no text report");
            String page = Files.readString(html);
            // self-contained: nothing is loaded from anywhere
            for (String ref : List.of("src=", "href=", "@import", "url(", "http://", "https://")) {
                assertFalse(page.contains(ref), "the page refers to " + ref);
            }

            Chromium.Run dom = Chromium.run(tmp, html, "--virtual-time-budget=5000", "--dump-dom");
            assertEquals(0, dom.code(), dom.stderr());
            String d = dom.stdout();
            assertTrue(d.contains("data-ready=\"1\""), "the page's script ran to its end");
            assertFalse(d.contains("data-errors=\""), "no script error: " + d.substring(0, Math.min(400, d.length())));
            for (String line : dom.stderr().split("\n")) {
                assertFalse(line.contains("CONSOLE") || line.contains("Uncaught"), "console message: " + line);
            }
            assertTrue(d.contains("data-charts=\"8\""), "eight SVG charts counted by the page itself: traffic of the one host and seven others");
            for (String chart : List.of("traffic", "delay-histogram", "delay-distribution", "senders", "domains", "deferral-reasons",
                    "failure-reasons", "alert-timeline")) {
                int at = d.indexOf("data-chart=\"" + chart + "\"");
                assertTrue(at > 0, "chart " + chart);
                String svg = d.substring(at, d.indexOf("</svg>", at));
                assertTrue(svg.contains("<rect") || svg.contains("<path") || svg.contains("<circle"), chart + " has marks");
            }
            // traffic: one bar per outcome with attempts in a bin; the alert timeline: a bar per stuck
            // message and per page, raised to resolved
            String timeline = d.substring(d.indexOf("data-chart=\"alert-timeline\""));
            timeline = timeline.substring(0, timeline.indexOf("</svg>"));
            long stuck = lines(run.getValue().resolve(Outputs.MESSAGE_ALERTS.name())).stream().filter(l -> l.contains("\"kind\":\"stuck_message\"")).count();
            long pages = lines(run.getValue().resolve(Outputs.ALERTS.name())).stream().filter(l -> l.contains("\"event_action\":\"trigger\"")).count();
            assertTrue(pages >= 3, "the capture's alert: lines page");
            assertEquals(stuck + pages, timeline.split("<rect", -1).length - 1, "one bar per stuck message and per page, raised to resolved");
            assertFalse(timeline.contains("<circle"), "every resolution met the alert it resolves");
            assertTrue(timeline.contains("mail · stuck_message (" + stuck + ")"), timeline);

            Path png = tmp.resolve("report-" + run.getKey() + ".png");
            Chromium.Run shot = Chromium.run(tmp, html, "--hide-scrollbars", "--window-size=1280,2600", "--screenshot=" + png);
            assertEquals(0, shot.code(), shot.stderr());
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
            assertEquals(1280, img.getWidth());
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            long background = 0;
            int bg = img.getRGB(img.getWidth() - 1, img.getHeight() - 1);
            for (int y = 0; y < img.getHeight(); y += 3) {
                for (int x = 0; x < img.getWidth(); x += 3) {
                    int c = img.getRGB(x, y);
                    colours.add(c);
                    if (c == bg) background++;
                }
            }
            assertTrue(colours.size() > 50, "a screenshot with text and charts, not blank: " + colours.size() + " colours");
            assertTrue(background < (long) (img.getWidth() / 3) * (img.getHeight() / 3) * 0.9, "mostly not background");
            // the chart colours are on the screen
            for (String c : List.of(Html.SUCCESS, Html.DEFERRAL, Html.FAILURE)) {
                assertTrue(colours.contains(0xff000000 | Integer.parseInt(c.substring(1), 16)), "colour " + c + " painted");
            }
            Files.writeString(keep.resolve("report-" + run.getKey() + ".txt"), report("--output", run.getValue().toString()).out());
            Files.copy(html, keep.resolve(html.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(png, keep.resolve(png.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static long sumFirstColumn(List<String> lines) {
        long s = 0;
        for (String l : lines) {
            String t = l.trim();
            if (t.isEmpty() || !Character.isDigit(t.charAt(0))) continue;
            s += Long.parseLong(t.split("\\s+")[0]);
        }
        return s;
    }

    static List<String> lines(Path folder) throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path f : s.sorted().toList()) if (!f.getFileName().toString().startsWith(".")) out.addAll(Files.readAllLines(f));
        }
        return out;
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
