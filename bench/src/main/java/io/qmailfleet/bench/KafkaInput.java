package io.qmailfleet.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The input of a Kafka backfill benchmark case: a real Kafka broker in its own JVM
 * ({@code deploy/local-broker.sh}, so its CPU is never counted in a run's process CPU time), and
 * the generated fleet produced to a topic, each line keyed by its host as a shipper sends it.
 */
final class KafkaInput implements AutoCloseable {
    private final Path script;
    private final Map<String, String> env;
    private final String bootstrap;
    private final int partitions;
    /** The broker's work dir, where local-broker.sh keeps its pid ({@code broker.pid}). */
    private final Path dir;

    private KafkaInput(Path script, Map<String, String> env, String bootstrap, int partitions, Path dir) {
        this.script = script;
        this.env = env;
        this.bootstrap = bootstrap;
        this.partitions = partitions;
        this.dir = dir;
    }

    /**
     * The broker JVM's CPU time so far (user and system, ns, from {@code /proc/<pid>/stat}); -1
     * where it cannot be read (no {@code /proc}, no pid file). Read before and after a run, it gives
     * the broker's share of the run, which the run's own CPU time leaves out.
     */
    long brokerCpuNanos() {
        return cpuNanosOfPidFile(dir.resolve("broker.pid"));
    }

    /** The CPU time (ns) of the process whose pid {@code pidFile} holds; -1 where it cannot be read. */
    static long cpuNanosOfPidFile(Path pidFile) {
        try {
            String pid = Files.readString(pidFile).trim();
            return ThreadCpu.procCpuNanos(Files.readString(Path.of("/proc", pid, "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Starts the broker with its work dir {@code dir} on {@code port}. */
    static KafkaInput start(Path dir, int port, int partitions) throws IOException, InterruptedException {
        Path script = CaptureFiles.repo().resolve("deploy/local-broker.sh");
        Map<String, String> env = Map.of("KAFKA_WORK", dir.toAbsolutePath().toString(), "KAFKA_PORT", Integer.toString(port));
        String out = run(script, env, "start");
        String bootstrap = out.lines().reduce((a, b) -> b).orElse("").trim();
        if (!bootstrap.matches("[0-9.]+:[0-9]+")) throw new IllegalStateException("local-broker.sh start printed: " + out);
        System.out.println("# Kafka broker (its own JVM, deploy/local-broker.sh) at " + bootstrap);
        return new KafkaInput(script, env, bootstrap, partitions, dir);
    }

    String bootstrap() {
        return bootstrap;
    }

    /**
     * Creates {@code topic} and produces every line of the fleet's hosts ({@code <fleet>/<host>/current})
     * keyed by host, host after host; returns the number of lines once all are acknowledged.
     */
    long produce(Path fleet, String topic) throws Exception {
        return produce(fleet, topic, false);
    }

    /**
     * The same; {@code interleaved}: the hosts' lines merged by their TAI64N labels (each host's in
     * its own order, the earliest line of any host next), as shippers on each host fill a topic live.
     */
    long produce(Path fleet, String topic, boolean interleaved) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
            return -1; // produced by an earlier size loop of the same run: the topic is complete
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "600000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "120000");
        AtomicReference<Exception> failed = new AtomicReference<>();
        long n = 0;
        List<Path> hosts;
        try (Stream<Path> s = Files.list(fleet)) {
            hosts = s.filter(Files::isDirectory).sorted().toList();
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Lines> sources = new ArrayList<>();
            try {
                for (Path host : hosts) sources.add(new Lines(host));
                // host after host: each host's lines to the end; interleaved: the earliest head next
                for (Lines next; (next = next(sources, interleaved)) != null; n++) {
                    producer.send(new ProducerRecord<>(topic, next.key, next.line.getBytes(StandardCharsets.UTF_8)),
                            (md, e) -> { if (e != null) failed.compareAndSet(null, e); });
                    next.advance();
                }
            } finally {
                for (Lines l : sources) l.reader.close();
            }
            producer.flush();
        }
        if (failed.get() != null) throw new IllegalStateException("producing the input failed", failed.get());
        return n;
    }

    /** One host's {@code current} file, read a line ahead. */
    static final class Lines {
        final byte[] key;
        final BufferedReader reader;
        String line;

        Lines(Path host) throws IOException {
            key = host.getFileName().toString().getBytes(StandardCharsets.UTF_8);
            reader = Files.newBufferedReader(host.resolve("current"), StandardCharsets.UTF_8);
            advance();
        }

        void advance() throws IOException {
            line = reader.readLine();
        }
    }

    /**
     * The host whose line goes next, null when every host's lines are sent: the first host with
     * lines left, or interleaved the one whose next line's label (multilog {@code @} + 24 hex digits,
     * which sort as the times they stand for) is earliest.
     */
    static Lines next(List<Lines> sources, boolean interleaved) {
        Lines best = null;
        for (Lines l : sources) {
            if (l.line == null) continue;
            if (!interleaved) return l;
            if (best == null || label(l.line).compareTo(label(best.line)) < 0) best = l;
        }
        return best;
    }

    private static String label(String line) {
        return line.length() >= 25 ? line.substring(0, 25) : line;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(script, env, "stop");
    }

    /** Runs local-broker.sh with a command; its stderr goes to ours, its stdout is returned. */
    private static String run(Path script, Map<String, String> env, String command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), command).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().putAll(env);
        Process proc = pb.start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            out = String.join("\n", r.lines().toList());
        }
        int code = proc.waitFor();
        if (code != 0) throw new IllegalStateException("deploy/local-broker.sh " + command + " failed (exit " + code + ")");
        return out;
    }
}
