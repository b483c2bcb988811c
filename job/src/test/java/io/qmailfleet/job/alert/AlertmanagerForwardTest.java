package io.qmailfleet.job.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import io.qmailfleet.job.testutil.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarder against a real Prometheus Alertmanager (Debian's {@code prometheus-alertmanager},
 * started here on 127.0.0.1 with a temporary config and storage): the real capture's pages are
 * read back from its API v2, firing, then gone once resolved; the same from the job's alerts Kafka
 * topic (the in-JVM broker), and from a folder that grows while the forwarder follows it. Each test
 * uses its own hosts and resolves every alert it raised.
 */
class AlertmanagerForwardTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @TempDir
    static Path tmp;
    static Process alertmanager;
    static String base;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    static Path binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : List.of("prometheus-alertmanager", "alertmanager")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        throw new AssertionError("prometheus-alertmanager is not installed (apt-get install -y prometheus-alertmanager;"
                + " .ci/run installs it)");
    }

    @BeforeAll
    static void startAlertmanager() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path cfg = tmp.resolve("alertmanager.yml");
        Files.writeString(cfg, "route:\n  receiver: blackhole\nreceivers:\n- name: blackhole\n");
        base = "http://127.0.0.1:" + port;
        alertmanager = new ProcessBuilder(binary().toString(), "--config.file=" + cfg,
                "--storage.path=" + tmp.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("alertmanager.log").toFile()).start();
        for (int i = 0; ; i++) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) break;
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            if (!alertmanager.isAlive() || i > 600) {
                throw new AssertionError("alertmanager did not start: " + Files.readString(tmp.resolve("alertmanager.log")));
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stopAlertmanager() throws Exception {
        if (alertmanager != null) {
            alertmanager.destroy();
            alertmanager.waitFor();
        }
    }

    static JsonNode alerts() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v2/alerts")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static int forward(Path pages) throws Exception {
        var err = new ByteArrayOutputStream();
        int rc = AlertForwarder.run(new String[] {"--input", pages.toString(), "--alertmanager", base},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString());
        return rc;
    }

    @Test
    void theCapturesAlertsFireInAlertmanagerAndAreResolved() throws Exception {
        JobConfig cfg = Fleet.config("--input", Capture.multilogDir().toString(), "--host", "mail");
        List<PageEvent> pages = Fleet.runFiles(cfg, 2).pages();
        Path triggers = tmp.resolve("triggers.jsonl");
        Path resolves = tmp.resolve("resolves.jsonl");
        Files.writeString(triggers, pages.stream().filter(p -> p.eventAction.equals(PageEvent.TRIGGER))
                .map(PageJson::page).collect(Collectors.joining("\n", "", "\n")));
        Files.writeString(resolves, pages.stream().filter(p -> p.eventAction.equals(PageEvent.RESOLVE))
                .map(PageJson::page).collect(Collectors.joining("\n", "", "\n")));

        forward(triggers);
        Map<String, JsonNode> firing = new TreeMap<>();
        for (JsonNode a : alerts()) firing.put(a.path("labels").path("kind").asText(), a);
        assertEquals(List.of("oh-no-lost-spawn-connection-dying", "unable-to-reread-control-locals",
                "unable-to-reread-control-virtualdomains"), List.copyOf(firing.keySet()));
        for (JsonNode a : firing.values()) {
            assertEquals("active", a.path("status").path("state").asText());
            assertEquals("qmail_alert", a.path("labels").path("alertname").asText());
            assertEquals("mail", a.path("labels").path("host").asText());
            assertEquals("critical", a.path("labels").path("severity").asText());
            assertTrue(a.path("annotations").path("summary").asText().startsWith("mail: qmail-send alert: "));
            assertTrue(a.path("startsAt").asText().startsWith("2026-11-24T20:"), a.toString());
        }
        JsonNode locals = firing.get("unable-to-reread-control-locals");
        assertEquals("qmail_alert:mail:unable-to-reread-control-locals", locals.path("annotations").path("dedup_key").asText());
        assertEquals("2026-11-24T20:15:36.148Z", locals.path("startsAt").asText());

        // sent again while active (as Alertmanager expects): the same alerts, still firing from the same start
        AlertmanagerClient again = new AlertmanagerClient(base, new HttpPoster(3, java.time.Duration.ofMillis(10)));
        for (String line : Files.readAllLines(triggers)) assertTrue(again.send(PageJson.read(line)).ok());
        assertEquals(3, again.activeCount());
        assertTrue(again.resendActive().ok());
        assertEquals(3, alerts().size());
        assertEquals("2026-11-24T20:15:36.148Z", alerts().findValues("startsAt").stream().map(JsonNode::asText)
                .sorted().findFirst().orElseThrow());

        forward(resolves);
        assertEquals(0, alerts().size(), alerts().toString());
    }

    /** A qmail_alert page of {@code host} and {@code kind}, {@code secs} after the capture's first line. */
    static String page(String action, String host, String kind, long secs) {
        PageEvent p = new PageEvent();
        long ts = (Fleet.T0 + secs) * 1_000_000_000L;
        p.eventAction = action;
        p.dedupKey = "qmail_alert:" + host + ":" + kind;
        p.summary = (action.equals(PageEvent.RESOLVE) ? "resolved: " : "") + host + ": qmail-send alert: " + kind;
        p.source = host;
        p.severity = "critical";
        p.timestampNanos = ts;
        p.component = "qmail-send";
        p.group = host;
        p.alertClass = "qmail_alert";
        p.host = host;
        p.kind = kind;
        p.count = 1;
        p.firstSeenNanos = ts;
        p.lastSeenNanos = ts;
        return PageJson.page(p);
    }

    /** The kinds of the active alerts of {@code host} in Alertmanager. */
    static Set<String> active(String host) throws Exception {
        Set<String> kinds = new TreeSet<>();
        for (JsonNode a : alerts()) {
            if (a.path("labels").path("host").asText().equals(host)) kinds.add(a.path("labels").path("kind").asText());
        }
        return kinds;
    }

    /** Waits (up to a minute) until {@code host}'s active alerts are {@code kinds}. */
    static void awaitActive(String host, Set<String> kinds) throws Exception {
        for (int i = 0; i < 600 && !active(host).equals(kinds); i++) Thread.sleep(100);
        assertEquals(kinds, active(host));
    }

    static final class Forwarded {
        int rc;
        String out;
        String err;
    }

    static Forwarded forwarder(String... args) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        Forwarded f = new Forwarded();
        f.rc = AlertForwarder.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        f.out = out.toString(StandardCharsets.UTF_8);
        f.err = err.toString(StandardCharsets.UTF_8);
        return f;
    }

    static void produce(String bootstrap, String topic, String txn, List<String> pages, boolean commit) throws Exception {
        Properties p = TestBroker.patient(new Properties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txn);
        try (KafkaProducer<String, String> prod = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            prod.initTransactions();
            prod.beginTransaction();
            for (String page : pages) prod.send(new ProducerRecord<>(topic, PageJson.read(page).path("dedup_key").asText(), page));
            if (commit) {
                prod.commitTransaction();
            } else {
                prod.flush();
                prod.abortTransaction();
            }
        }
    }

    @Test
    void theAlertsTopicIsForwardedCommittedOnlyOnceAcceptedAndARestartContinuesThere() throws Exception {
        String host = "kafka-mx";
        List<String> kinds = List.of("unable-to-reread-control-locals", "unable-to-reread-control-virtualdomains",
                "oh-no-lost-spawn-connection-dying");
        try (KafkaClusterTestKit kafka = TestBroker.start()) {
            String bootstrap = kafka.bootstrapServers();
            String topic = "t1.alerts";
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            }
            List<String> triggers = new ArrayList<>();
            for (int i = 0; i < kinds.size(); i++) triggers.add(page(PageEvent.TRIGGER, host, kinds.get(i), 10 + i));
            produce(bootstrap, topic, "alerts-test", triggers, true);
            // an aborted transaction's page is never read (read_committed)
            produce(bootstrap, topic, "alerts-test", List.of(page(PageEvent.TRIGGER, host, "aborted", 20)), false);
            String[] common = {"--kafka-bootstrap", bootstrap, "--topic-prefix", "t1.", "--group-id", "forwarder-test",
                    "--retries", "2", "--retry-backoff", "10ms"};

            // Alertmanager unreachable: the first event is not accepted, nothing is committed
            int closed;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                closed = s.getLocalPort();
            }
            Forwarded down = forwarder(concat(common, "--alertmanager", "http://127.0.0.1:" + closed));
            assertEquals(1, down.rc, down.out + down.err);
            assertTrue(down.err.contains("not accepted; group forwarder-test continues from it on the next run"), down.err);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                assertEquals(Map.of(), admin.listConsumerGroupOffsets("forwarder-test").partitionsToOffsetAndMetadata().get()
                        .entrySet().stream().filter(e -> e.getValue() != null)
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
            }

            // reachable: every committed trigger fires, and the run ends at the end of the topic
            Forwarded up = forwarder(concat(common, "--alertmanager", base));
            assertEquals(0, up.rc, up.out + up.err);
            assertEquals("forwarded 3 page events; 0 refused, 0 unreadable lines\n", up.out);
            assertEquals(new TreeSet<>(kinds), active(host));
            JsonNode locals = alerts().findParents("labels").stream()
                    .filter(a -> a.path("labels").path("kind").asText().equals(kinds.get(0))
                            && a.path("labels").path("host").asText().equals(host))
                    .findFirst().orElseThrow();
            assertEquals("2026-11-24T20:14:21.000Z", locals.path("startsAt").asText());

            // the job goes on: a restart of the forwarder forwards only what came since, the resolves
            List<String> resolves = new ArrayList<>();
            for (int i = 0; i < kinds.size(); i++) resolves.add(page(PageEvent.RESOLVE, host, kinds.get(i), 100 + i));
            produce(bootstrap, topic, "alerts-test", resolves, true);
            Forwarded again = forwarder(concat(common, "--alertmanager", base));
            assertEquals(0, again.rc, again.out + again.err);
            // what the run before left active is recalled from the topic up to the group's offsets
            // and sent again (Alertmanager drops an alert not re-sent within its resolve_timeout)
            assertEquals("forwarder: 3 alerts still active at group forwarder-test's offsets, re-sent to Alertmanager\n"
                    + "forwarded 3 page events; 0 refused, 0 unreadable lines\n", again.out);
            assertEquals(Set.of(), active(host), alerts().toString());
            Forwarded nothing = forwarder(concat(common, "--alertmanager", base));
            assertEquals("forwarded 0 page events; 0 refused, 0 unreadable lines\n", nothing.out);
        }
    }

    @Test
    void followForwardsFilesAndLinesAddedWhileItRuns() throws Exception {
        String host = "follow-mx";
        Path dir = Files.createDirectories(tmp.resolve("follow"));
        Path first = dir.resolve("part-0-0");
        Files.writeString(first, page(PageEvent.TRIGGER, host, "a", 10) + "\n");
        var err = new ByteArrayOutputStream();
        Thread t = new Thread(() -> {
            try {
                AlertForwarder.run(new String[] {"--input", dir.toString(), "--alertmanager", base, "--follow", "true",
                        "--resend-interval", "100ms"}, new PrintStream(new ByteArrayOutputStream()),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
            } catch (InterruptedException stopped) {
                // the end of the test
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, "forwarder");
        t.start();
        try {
            awaitActive(host, Set.of("a"));
            // half a line appended (still being written), then a new file: the new file is forwarded,
            // the half line waits
            String b = page(PageEvent.TRIGGER, host, "b", 20);
            Files.writeString(first, b.substring(0, 40), java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(dir.resolve("part-0-1"), page(PageEvent.RESOLVE, host, "a", 30) + "\n");
            awaitActive(host, Set.of());
            // the rest of the line
            Files.writeString(first, b.substring(40) + "\n", java.nio.file.StandardOpenOption.APPEND);
            awaitActive(host, Set.of("b"));
            Files.writeString(first, page(PageEvent.RESOLVE, host, "b", 40) + "\n", java.nio.file.StandardOpenOption.APPEND);
            awaitActive(host, Set.of());
        } finally {
            t.interrupt();
            t.join();
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
