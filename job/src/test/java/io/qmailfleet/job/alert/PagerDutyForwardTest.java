package io.qmailfleet.job.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarder against a local HTTP receiver standing in for PagerDuty's Events API v2: the exact
 * JSON it posts, retries on 429 and 5xx, none on 400, and the routing key never printed.
 */
class PagerDutyForwardTest {
    private static final String KEY = "R0UTINGKEY0123456789abcdef012345";

    @TempDir
    Path tmp;
    HttpServer server;
    final List<String> bodies = new ArrayList<>();
    final List<String> paths = new ArrayList<>();
    final Deque<Integer> statuses = new ArrayDeque<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            synchronized (bodies) {
                bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                paths.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("Content-Type"));
            }
            Integer st = statuses.poll();
            int code = st == null ? 202 : st;
            byte[] resp = (code == 202 ? "{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\"x\"}"
                    : "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\"}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, resp.length);
            ex.getResponseBody().write(resp);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v2/enqueue";
    }

    private int forward(ByteArrayOutputStream out, ByteArrayOutputStream err, PageEvent... pages) throws Exception {
        Path file = tmp.resolve("pages.jsonl");
        StringBuilder b = new StringBuilder();
        for (PageEvent p : pages) b.append(PageJson.page(p)).append('\n');
        Files.writeString(file, b.toString());
        Path keyFile = tmp.resolve("routing-key");
        Files.writeString(keyFile, KEY + "\n");
        return AlertForwarder.run(new String[] {"--input", file.toString(), "--pagerduty", "true",
                "--pagerduty-url", url(), "--pagerduty-routing-key-file", keyFile.toString(),
                "--retries", "4", "--retry-backoff", "1ms"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void postsTheExactEventWithItsRoutingKeyAndRetries429And5xx() throws Exception {
        statuses.add(500);
        statuses.add(429);
        statuses.add(503);
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int rc = forward(out, err, PageJsonTest.sample(PageEvent.TRIGGER), PageJsonTest.sample(PageEvent.RESOLVE));
        assertEquals(0, rc, err.toString());
        String trigger = "{\"routing_key\":\"" + KEY + "\",\"event_action\":\"trigger\","
                + "\"dedup_key\":\"stuck_messages:mx1:down.example\",\"payload\":{"
                + "\"summary\":\"mx1: 3 messages stuck in the queue for down.example\",\"source\":\"mx1\","
                + "\"severity\":\"error\",\"timestamp\":\"2026-11-24T20:20:11Z\",\"component\":\"qmail-send\","
                + "\"group\":\"mx1\",\"class\":\"stuck_messages\",\"custom_details\":{\"host\":\"mx1\","
                + "\"domain\":\"down.example\",\"count\":3,\"threshold\":\"queued longer than PT5M\","
                + "\"first_seen\":\"2026-11-24T20:19:11Z\",\"last_seen\":\"2026-11-24T20:20:11Z\","
                + "\"examples\":[\"msg 1000 from <alice@example.com> queued since 2026-11-24T20:14:11Z\"],"
                + "\"detail\":\"3 still open of 3 seen since 2026-11-24T20:19:11Z\"}}}";
        // 500, 429, 503, then accepted: four identical posts of the trigger, then the resolve once
        assertEquals(List.of(trigger, trigger, trigger, trigger, trigger.replace("\"trigger\"", "\"resolve\"")), bodies);
        assertTrue(paths.stream().allMatch(p -> p.equals("POST /v2/enqueue application/json")), paths.toString());
        assertFalse(out.toString().contains(KEY) || err.toString().contains(KEY));
        assertTrue(out.toString().contains("forwarded 2 page events; 0 refused"), out.toString());
    }

    @Test
    void aRefusedEventIsReportedAndNotRetried() throws Exception {
        statuses.add(400);
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int rc = forward(out, err, PageJsonTest.sample(PageEvent.TRIGGER));
        assertEquals(1, rc);
        assertEquals(1, bodies.size());
        assertTrue(err.toString().contains("HTTP 400"), err.toString());
        assertFalse(out.toString().contains(KEY) || err.toString().contains(KEY));
    }

    @Test
    void aLineThatIsNotAPageIsReportedWithItsPosition() throws Exception {
        Path file = tmp.resolve("bad.jsonl");
        Files.writeString(file, PageJson.page(PageJsonTest.sample(PageEvent.TRIGGER)) + "\n{\"event_action\":\"ack\"}\n");
        Path keyFile = tmp.resolve("k");
        Files.writeString(keyFile, KEY);
        var err = new ByteArrayOutputStream();
        int rc = AlertForwarder.run(new String[] {"--input", file.toString(), "--pagerduty", "true", "--pagerduty-url", url(),
                "--pagerduty-routing-key-file", keyFile.toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, rc);
        assertEquals(1, bodies.size());
        assertTrue(err.toString().contains(file + ":2: not a page event: event_action must be trigger or resolve"), err.toString());
    }
}
