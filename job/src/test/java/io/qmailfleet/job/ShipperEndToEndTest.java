package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.TestBroker;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rsyslog shipper configuration in {@code deploy/shipper/}, end to end with the real programs:
 * a real {@code rsyslogd} (Debian packages rsyslog and rsyslog-kafka) runs the shipped files,
 * forwarding to a real in-JVM Kafka broker, and the job reads the topic back.
 *
 * <ul>
 *   <li>multilog: the capture's lines are appended to a multilog {@code current} the way multilog
 *       writes them, with its three real rotations ({@code current} renamed to {@code @<stamp>.s},
 *       a new {@code current}); imfile must follow every rotation. The topic then holds exactly the
 *       capture's lines, in order, in one partition, keyed by the host name, and the job's life
 *       cycles from the topic equal its life cycles from the same multilog directory read as files.</li>
 *   <li>syslog: the capture's splogger messages are sent to rsyslog's socket with facility mail
 *       and tag qmail (as splogger does); the job's life cycles from the topic equal those from the
 *       bundled syslog file, but for the host name.</li>
 * </ul>
 *
 * <p>The shipped files are used as they are, but for the broker address, the topic and the
 * multilog path, which are replaced (each must occur exactly once).
 */
class ShipperEndToEndTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long rsyslog may take to forward the whole capture (about a second when idle). */
    private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(120);

    private static KafkaClusterTestKit kafka;
    private static String bootstrap;

    @BeforeAll
    static void startBroker() throws Exception {
        for (String program : List.of("/usr/sbin/rsyslogd", "/usr/bin/logger")) {
            assertTrue(Files.isExecutable(Path.of(program)), program + " is missing: apt-get install rsyslog"
                    + " rsyslog-kafka bsdutils (.ci/run installs them)");
        }
        assertTrue(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so"))
                        || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/rsyslog/omkafka.so"))
                        || Files.exists(Path.of("/usr/lib/rsyslog/omkafka.so")),
                "rsyslog's omkafka module is missing: apt-get install rsyslog-kafka (.ci/run installs it)");
        kafka = TestBroker.start();
        bootstrap = kafka.bootstrapServers();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (kafka != null) kafka.close();
    }

    // =============================================================================================

    @Test
    void multilogWithRotationsThroughImfileGivesTheSameLifeCycles(@TempDir Path tmp) throws Exception {
        String topic = "ship.multilog";
        String host = "mx-ship";
        createTopic(topic, 3);
        Path logDir = Files.createDirectories(tmp.resolve("log/qmail"));
        Path current = logDir.resolve("current");
        Files.createFile(current);

        Path conf = mainConfig(tmp, host, topic, current, false, "20-qmail-multilog.conf");
        try (Rsyslogd rsyslogd = Rsyslogd.start(conf, tmp)) {
            // imfile has `current` open before the first line is written (as on a running system)
            rsyslogd.awaitOpen(current);
            List<Path> files = Capture.multilogFiles();
            for (Path f : files) {
                append(current, Files.readAllLines(f, StandardCharsets.UTF_8));
                if (!f.getFileName().toString().equals("current")) {
                    // multilog's rotation: current becomes @<stamp>.s, a new empty current follows
                    Files.move(current, logDir.resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE);
                    Files.createFile(current);
                    // a current lives while multilog writes up to its size limit (s, 99999 bytes by
                    // default) into it; imfile opens the new one on its creation event. Rotating a
                    // second time before that would be a current that existed for microseconds.
                    rsyslogd.awaitOpen(current);
                }
            }
            List<ConsumerRecord<byte[], byte[]>> records = awaitRecords(topic, 4526, rsyslogd);

            // the topic: exactly the capture's lines, in order, one partition, keyed by host
            List<String> expected = new ArrayList<>();
            for (Path f : files) expected.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            assertEquals(expected, records.stream().map(ShipperEndToEndTest::value).toList());
            assertEquals(Set.of(host), keys(records));
            assertEquals(Set.of(javaProducerPartition(host, 3)), partitions(records),
                    "one partition per host, the one Kafka's Java producer picks for the key");
        }

        // the job on the topic = the job on the multilog directory rsyslog read
        Path fromKafka = tmp.resolve("out-kafka");
        JobExecutionResult r = Main.run(JobConfig.from(CliArgs.parse(new String[] {
                "--kafka-bootstrap", bootstrap, "--input-topic", topic, "--starting-offsets", "earliest",
                "--bounded", "true", "--sink", "files", "--output", fromKafka.toString(), "--events", "false"})));
        assertEquals(4526L, ((Number) r.getAllAccumulatorResults().get("lines-parsed")).longValue());
        Path fromFiles = tmp.resolve("out-files");
        Main.run(JobConfig.from(CliArgs.parse(new String[] {
                "--input", logDir.toString(), "--host", host, "--output", fromFiles.toString(), "--events", "false"})));

        List<String> viaKafka = lifecycles(fromKafka, null);
        assertEquals(539, viaKafka.size());
        for (String l : viaKafka) assertEquals("complete", JSON.readTree(l).get("status").asText(), l);
        assertEquals(lifecycles(fromFiles, null), viaKafka);
        assertEquals(List.of(), jsonLines(fromKafka.resolve("dead-letters")));
        assertEquals(List.of(), jsonLines(fromKafka.resolve("late")));
    }

    @Test
    void spLoggerMessagesThroughTheMailFacilityGiveTheSameLifeCycles(@TempDir Path tmp) throws Exception {
        String topic = "ship.syslog";
        String host = "mx-syslog";
        createTopic(topic, 3);
        // splogger's messages: what follows "qmail: " in the bundled syslog file
        List<String> messages = new ArrayList<>();
        for (String line : Files.readAllLines(Capture.syslogFile(), StandardCharsets.UTF_8)) {
            int at = line.indexOf(" qmail: ");
            assertTrue(at > 0, line);
            messages.add(line.substring(at + " qmail: ".length()));
        }
        Path messagesFile = tmp.resolve("messages.txt");
        Files.write(messagesFile, messages, StandardCharsets.UTF_8);

        Path conf = mainConfig(tmp, host, topic, null, true, "20-qmail-maillog.conf");
        try (Rsyslogd rsyslogd = Rsyslogd.start(conf, tmp)) {
            Path socket = tmp.resolve("log.sock");
            rsyslogd.awaitSocket(socket);
            // one message per line, facility mail, tag qmail: what splogger sends
            Process logger = new ProcessBuilder("/usr/bin/logger", "--socket-errors=on", "-u", socket.toString(),
                    "-p", "mail.info", "-t", "qmail", "-f", messagesFile.toString())
                    .redirectErrorStream(true).start();
            String loggerOut = new String(logger.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, logger.waitFor(), "logger: " + loggerOut);
            // a message of another program or facility is not forwarded
            Process other = new ProcessBuilder("/usr/bin/logger", "-u", socket.toString(), "-p", "mail.info",
                    "-t", "postfix", "not a qmail line").redirectErrorStream(true).start();
            assertEquals(0, other.waitFor());
            List<ConsumerRecord<byte[], byte[]>> records = awaitRecords(topic, messages.size(), rsyslogd);
            assertEquals(messages.size(), records.size());
            assertEquals(Set.of(host), keys(records));
            assertEquals(Set.of(javaProducerPartition(host, 3)), partitions(records));
            for (int i = 0; i < messages.size(); i++) {
                String v = value(records.get(i));
                assertTrue(v.endsWith(" " + host + " qmail: " + messages.get(i)), v);
            }
        }

        Path fromKafka = tmp.resolve("out-kafka");
        Main.run(JobConfig.from(CliArgs.parse(new String[] {
                "--kafka-bootstrap", bootstrap, "--input-topic", topic, "--starting-offsets", "earliest",
                "--bounded", "true", "--sink", "files", "--output", fromKafka.toString(), "--events", "false"})));
        Path fromFile = tmp.resolve("out-file");
        Main.run(JobConfig.from(CliArgs.parse(new String[] {
                "--input", Capture.syslogFile().toString(), "--output", fromFile.toString(), "--events", "false"})));

        List<String> viaKafka = lifecycles(fromKafka, host);
        assertEquals(539, viaKafka.size());
        assertEquals(lifecycles(fromFile, host), viaKafka);
        assertEquals(List.of(), jsonLines(fromKafka.resolve("dead-letters")));
    }

    @Test
    void kcatOneLinerOfTheReadmeSendsTheLinesKeyedByHost(@TempDir Path tmp) throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is missing: apt-get install kcat (.ci/run installs it)");
        String topic = "ship.kcat";
        createTopic(topic, 3);
        String prefix = "tail -n 0 -F /var/log/qmail/current |";
        String oneLiner = Files.readAllLines(Capture.repo().resolve("README.md"), StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError("no kcat line in README.md"));
        StringBuilder cat = new StringBuilder("cat");
        for (Path f : Capture.multilogFiles()) cat.append(" '").append(f).append('\'');
        String command = replaceEach(replaceEach(oneLiner, Map.of("tail -n 0 -F /var/log/qmail/current", cat.toString(),
                "-t qmail.lines", "-t " + topic), 1), Map.of("localhost:9092", bootstrap), 1);
        Process p = new ProcessBuilder("bash", "-o", "pipefail", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), command + "\n" + out);

        Process hostname = new ProcessBuilder("hostname").start();
        String host = new String(hostname.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, hostname.waitFor());
        List<ConsumerRecord<byte[], byte[]>> records = awaitRecords(topic, 4526, null);
        List<String> expected = new ArrayList<>();
        for (Path f : Capture.multilogFiles()) expected.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
        assertEquals(expected, records.stream().map(ShipperEndToEndTest::value).toList());
        assertEquals(Set.of(host), keys(records));
        assertEquals(Set.of(javaProducerPartition(host, 3)), partitions(records));
    }

    // =============================================================================================
    // rsyslogd

    /**
     * The main configuration of the test's rsyslogd: its own work directory and host name, an
     * imuxsock socket in {@code tmp} for the syslog case, and the shipped files with the broker,
     * topic and multilog path replaced.
     */
    private static Path mainConfig(Path tmp, String host, String topic, Path current, boolean socket,
                                   String input) throws IOException {
        Path shipper = Capture.repo().resolve("deploy/shipper");
        Path work = Files.createDirectories(tmp.resolve("rsyslog-work"));
        String output = replaceEach(Files.readString(shipper.resolve("10-qmail-kafka.conf")),
                Map.of("\"localhost:9092\"", "\"" + bootstrap + "\"", "topic=\"qmail.lines\"", "topic=\"" + topic + "\""), 2);
        String in = Files.readString(shipper.resolve(input));
        if (current != null) in = replaceEach(in, Map.of("\"/var/log/qmail/current\"", "\"" + current + "\""), 1);
        Path outputFile = tmp.resolve("10-qmail-kafka.conf");
        Path inputFile = tmp.resolve(input);
        Files.writeString(outputFile, output);
        Files.writeString(inputFile, in);
        StringBuilder c = new StringBuilder();
        c.append("global(workDirectory=\"").append(work).append("\" localHostname=\"").append(host).append("\")\n");
        if (socket) {
            c.append("module(load=\"imuxsock\" SysSock.Use=\"off\")\n");
            c.append("input(type=\"imuxsock\" Socket=\"").append(tmp.resolve("log.sock"))
                    .append("\" RateLimit.Interval=\"0\")\n");
        }
        c.append("include(file=\"").append(outputFile).append("\")\n");
        c.append("include(file=\"").append(inputFile).append("\")\n");
        Path conf = tmp.resolve("rsyslog.conf");
        Files.writeString(conf, c.toString());
        return conf;
    }

    /** Replaces each key, which must occur exactly {@code times} times. */
    private static String replaceEach(String text, Map<String, String> replacements, int times) {
        for (Map.Entry<String, String> e : replacements.entrySet()) {
            int n = text.split(java.util.regex.Pattern.quote(e.getKey()), -1).length - 1;
            assertEquals(times, n, "occurrences of " + e.getKey() + " in the shipped file");
            text = text.replace(e.getKey(), e.getValue());
        }
        return text;
    }

    /** A foreground rsyslogd on a configuration, stopped (SIGTERM, then its queues drain) on close. */
    static final class Rsyslogd implements AutoCloseable {
        final Process process;
        final Path log;

        private Rsyslogd(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static Rsyslogd start(Path conf, Path tmp) throws Exception {
            Path log = tmp.resolve("rsyslogd.out");
            Process check = new ProcessBuilder("/usr/sbin/rsyslogd", "-N1", "-f", conf.toString())
                    .redirectErrorStream(true).start();
            String checkOut = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, check.waitFor(), "rsyslogd -N1 rejects the configuration:\n" + checkOut);
            Process p = new ProcessBuilder("/usr/sbin/rsyslogd", "-n", "-f", conf.toString(),
                    "-i", tmp.resolve("rsyslogd.pid").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new Rsyslogd(p, log);
        }

        String output() {
            try {
                return Files.exists(log) ? Files.readString(log) : "";
            } catch (IOException e) {
                return e.toString();
            }
        }

        void checkAlive() {
            if (!process.isAlive()) fail("rsyslogd exited with " + process.exitValue() + ":\n" + output());
        }

        /** Waits until rsyslogd holds {@code file} open (imfile has started tailing it). */
        void awaitOpen(Path file) throws Exception {
            String target = file.toRealPath().toString();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                checkAlive();
                File[] fds = new File("/proc/" + process.pid() + "/fd").listFiles();
                if (fds != null) {
                    for (File fd : fds) {
                        try {
                            if (Files.readSymbolicLink(fd.toPath()).toString().equals(target)) return;
                        } catch (IOException gone) {
                            // closed meanwhile
                        }
                    }
                }
                Thread.sleep(50);
            }
            fail("rsyslogd did not open " + file + ":\n" + output());
        }

        void awaitSocket(Path socket) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !Files.exists(socket)) {
                checkAlive();
                Thread.sleep(50);
            }
            assertTrue(Files.exists(socket), "rsyslogd did not create " + socket + ":\n" + output());
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

    private static void append(Path file, List<String> lines) throws IOException {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.APPEND)) {
            for (String l : lines) out.write((l + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    // =============================================================================================
    // Kafka and outputs

    private static void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    /**
     * Every record of the topic once {@code expected} have arrived (then a short while more, so
     * any extra record is seen too), in partition and offset order; fails with rsyslogd's output
     * if they do not arrive.
     */
    private static List<ConsumerRecord<byte[], byte[]>> awaitRecords(String topic, int expected, Rsyslogd rsyslogd)
            throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(topic)) tps.add(new TopicPartition(topic, pi.partition()));
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + FORWARD_TIMEOUT.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                if (rsyslogd != null) rsyslogd.checkAlive();
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) out.add(r);
            }
            assertEquals(expected, out.size(), "records forwarded" + (rsyslogd == null ? "" : " by rsyslogd; its output:\n" + rsyslogd.output()));
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofSeconds(1))) out.add(r);
        }
        out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return out;
    }

    private static Set<String> keys(List<ConsumerRecord<byte[], byte[]>> records) {
        Set<String> keys = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) keys.add(r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
        return keys;
    }

    private static Set<Integer> partitions(List<ConsumerRecord<byte[], byte[]>> records) {
        Set<Integer> ps = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) ps.add(r.partition());
        return ps;
    }

    /** The partition Kafka's Java producer (default partitioner, murmur2 of the key) gives a key. */
    private static int javaProducerPartition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static String value(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    private static List<String> jsonLines(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                assertTrue(f.getFileName().toString().endsWith(".jsonl"), "committed part file: " + f);
                lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        }
        return lines;
    }

    /** The life cycles of an output folder, sorted, with the host replaced by {@code host} if given. */
    private static List<String> lifecycles(Path output, String host) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l : jsonLines(output.resolve("lifecycles"))) {
            if (host == null) {
                out.add(l);
            } else {
                ObjectNode n = (ObjectNode) JSON.readTree(l);
                n.put("host", host);
                out.add(JSON.writeValueAsString(n));
            }
        }
        out.sort(null);
        return out;
    }
}
