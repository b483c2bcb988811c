package io.qmailfleet.job.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmailfleet.job.CliArgs;
import org.apache.flink.util.TimeUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The small consumer command that forwards the job's paging stream (the {@code alerts} output) to
 * on-call tools: Prometheus Alertmanager and/or PagerDuty Events v2. Reads the {@code alerts/}
 * folder of a file run (all committed part files, in log-time order; {@code --follow} keeps polling
 * it for new files and for lines appended to those it read; {@link #DEFAULT_INPUT} by default), JSON
 * lines on stdin ({@code --input -}), or the job's {@code <prefix>alerts} Kafka topic
 * ({@code --kafka-bootstrap}): read_committed, in a consumer group ({@code --group-id}) whose offsets
 * are committed only once each event has been accepted, so a restart continues after the last
 * accepted event. Without {@code --follow} the topic is read to its end and the command exits.
 *
 * <p>A line that is not a page is reported on stderr with its position and reason and counted; an
 * event PagerDuty or Alertmanager refuses (400) is reported and not retried; 429, 5xx and connection
 * errors are retried with back-off. From Kafka, an event still not accepted after its retries stops
 * the command (exit 1) before its offset is committed.
 */
public final class AlertForwarder {
    /** The paging stream of a file run with the default {@code --output}: {@code out/alerts}. */
    public static final String DEFAULT_INPUT =
            io.qmailfleet.job.JobOptions.DEFAULT_OUTPUT + "/" + io.qmailfleet.job.sink.Outputs.ALERTS.name();

    /** The Kafka consumer group of the forwarder by default. */
    public static final String DEFAULT_GROUP = "qmail-alert-forwarder";

    static final String USAGE = String.join("\n",
            "forward pages to Alertmanager and/or PagerDuty",
            "  --input DIR|FILE|-                 the job's alerts/ folder, one file, or stdin (-) (default " + DEFAULT_INPUT + ")",
            "  --kafka-bootstrap SERVERS          read the <prefix>alerts topic instead (read_committed)",
            "  --topic-prefix P                   (default " + io.qmailfleet.job.JobOptions.TOPIC_PREFIX.defaultText() + ")",
            "  --group-id ID                      Kafka consumer group; offsets committed once an event is accepted (default "
                    + DEFAULT_GROUP + ")",
            "  --alertmanager URL                 e.g. http://127.0.0.1:9093",
            "  --pagerduty true                   send to PagerDuty Events v2",
            "  --pagerduty-url URL                (default " + PagerDutyClient.DEFAULT_URL + ")",
            "  --pagerduty-routing-key-env NAME   (default " + PagerDutyClient.DEFAULT_KEY_ENV + ")",
            "  --pagerduty-routing-key-file FILE  read the routing key from this file instead",
            "  --follow true                      keep polling the folder (new files, appended lines) or the topic;",
            "                                     re-send active alerts to Alertmanager",
            "  --resend-interval DUR              (default 1m)",
            "  --retries N                        tries per event on 429/5xx/connection errors (default 5)",
            "  --retry-backoff DUR                first back-off, doubled each try (default 1s)");

    private final AlertmanagerClient alertmanager;
    private final PagerDutyClient pagerDuty;
    private final PrintStream err;
    /** Where progress notes go (stdout of the command). */
    PrintStream info = System.out;
    long forwarded;
    long badLines;
    long refused;

    AlertForwarder(AlertmanagerClient alertmanager, PagerDutyClient pagerDuty, PrintStream err) {
        this.alertmanager = alertmanager;
        this.pagerDuty = pagerDuty;
        this.err = err;
    }

    public static void main(String[] args) throws Exception {
        int rc;
        try {
            rc = run(args, System.out, System.err);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            rc = 2;
        }
        System.exit(rc);
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        CliArgs a = CliArgs.parse(args);
        if (a.has("help")) {
            out.println(USAGE);
            return 0;
        }
        String pages = a.get("input", DEFAULT_INPUT);
        HttpPoster poster = new HttpPoster(Integer.parseInt(a.get("retries", "5")),
                TimeUtils.parseDuration(a.get("retry-backoff", "1s")));
        AlertmanagerClient am = a.has("alertmanager") ? new AlertmanagerClient(a.get("alertmanager", null), poster) : null;
        PagerDutyClient pd = Boolean.parseBoolean(a.get("pagerduty", "false"))
                ? new PagerDutyClient(a.get("pagerduty-url", PagerDutyClient.DEFAULT_URL),
                        PagerDutyClient.routingKey(a.get("pagerduty-routing-key-file", null),
                                a.get("pagerduty-routing-key-env", PagerDutyClient.DEFAULT_KEY_ENV)), poster)
                : null;
        if (am == null && pd == null) throw new IllegalArgumentException("give --alertmanager URL and/or --pagerduty true");
        boolean follow = Boolean.parseBoolean(a.get("follow", "false"));
        Duration every = TimeUtils.parseDuration(a.get("resend-interval", "1m"));
        AlertForwarder f = new AlertForwarder(am, pd, err);
        f.info = out;
        if (a.has("kafka-bootstrap")) {
            if (a.has("input")) throw new IllegalArgumentException("give --input or --kafka-bootstrap, not both");
            String topic = a.get("topic-prefix", io.qmailfleet.job.JobOptions.TOPIC_PREFIX.defaultText())
                    + io.qmailfleet.job.sink.Outputs.ALERTS.name();
            boolean done = f.forwardKafka(a.get("kafka-bootstrap", null), topic, a.get("group-id", DEFAULT_GROUP), follow,
                    every);
            out.printf("forwarded %d page events; %d refused, %d unreadable lines%n", f.forwarded, f.refused, f.badLines);
            return done && f.refused + f.badLines == 0 ? 0 : 1;
        }
        if (pages.equals("-")) {
            BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            long n = 0;
            while ((line = r.readLine()) != null) f.forwardLine("stdin:" + (++n), line);
        } else {
            Map<Path, long[]> done = new HashMap<>();
            do {
                f.forwardFiles(Path.of(pages), done, follow);
                if (follow) {
                    Thread.sleep(every.toMillis());
                    if (am != null) f.report("re-send", am.resendActive());
                }
            } while (follow);
        }
        out.printf("forwarded %d page events; %d refused, %d unreadable lines%n", f.forwarded, f.refused, f.badLines);
        return f.refused + f.badLines == 0 ? 0 : 1;
    }

    /** A parsed page and where it came from. */
    private static final class Line {
        final String where;
        final JsonNode page;
        final Instant ts;

        Line(String where, JsonNode page) {
            this.where = where;
            this.page = page;
            this.ts = Instant.parse(page.path("payload").path("timestamp").asText());
        }
    }

    /**
     * Forwards what is new in the committed files under {@code dir} (all of a file not seen before,
     * the lines appended to one that was), all in log-time order. {@code done} holds each file's
     * bytes and lines read so far. {@code follow}: a last line without its newline is still being
     * written and waits for the next call.
     */
    void forwardFiles(Path dir, Map<Path, long[]> done, boolean follow) throws IOException, InterruptedException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(Files::isRegularFile)
                        .filter(p -> !p.getFileName().toString().startsWith(".")) // in-progress part files
                        .sorted().forEach(files::add);
            }
        } else {
            files.add(dir);
        }
        List<Line> lines = new ArrayList<>();
        for (Path p : files) {
            long[] read = done.computeIfAbsent(p, k -> new long[2]); // bytes, lines
            byte[] bytes;
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p)) {
                long size = ch.size();
                if (size < read[0]) {
                    err.println("error: " + p + ": shorter than the " + read[0]
                            + " bytes already read (replaced?); read again from its start");
                    read[0] = 0;
                    read[1] = 0;
                }
                if (size == read[0]) continue;
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(Math.toIntExact(size - read[0]));
                while (buf.hasRemaining() && ch.read(buf, read[0] + buf.position()) >= 0) {
                    // up to the size seen above
                }
                bytes = buf.array();
            }
            int end = bytes.length;
            if (follow) {
                while (end > 0 && bytes[end - 1] != '\n') end--; // a line still being written
            }
            if (end == 0) continue;
            read[0] += end;
            String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
            String[] split = text.split("\n", -1);
            int n = text.endsWith("\n") ? split.length - 1 : split.length;
            for (int i = 0; i < n; i++) {
                read[1]++;
                String t = split[i].endsWith("\r") ? split[i].substring(0, split[i].length() - 1) : split[i];
                Line l = parse(p + ":" + read[1], t);
                if (l != null) lines.add(l);
            }
        }
        // stable: a key's trigger precedes its resolve at the same instant (one file keeps their order)
        lines.sort(Comparator.comparing((Line l) -> l.ts));
        for (Line l : lines) forward(l);
    }

    void forwardLine(String where, String text) throws InterruptedException {
        Line l = parse(where, text);
        if (l != null) forward(l);
    }

    private Line parse(String where, String text) {
        if (text.isBlank()) return null;
        try {
            return new Line(where, PageJson.read(text));
        } catch (IllegalArgumentException e) {
            badLines++;
            err.println("error: " + where + ": not a page event: " + e.getMessage());
            return null;
        }
    }

    /** Sends one page to each tool; false if one of them gave up on it (it may accept it later). */
    private boolean forward(Line l) throws InterruptedException {
        String dk = l.page.path("dedup_key").asText();
        String action = l.page.path("event_action").asText();
        boolean accepted = true;
        if (pagerDuty != null) accepted &= report(l.where + " " + action + " " + dk + " to PagerDuty", pagerDuty.send(l.page));
        if (alertmanager != null) {
            accepted &= report(l.where + " " + action + " " + dk + " to Alertmanager", alertmanager.send(l.page));
        }
        forwarded++;
        return accepted;
    }

    /** Reports a failed post; false if it gave up after its retries (true: accepted, or refused for good). */
    private boolean report(String what, HttpPoster.Result r) {
        if (r == null || r.ok()) return true;
        refused++;
        err.println("error: " + what + " failed: " + r.error);
        return !r.gaveUp();
    }

    /**
     * Forwards the {@code topic}'s pages in each partition's order (a dedup key is the record key,
     * so its trigger and resolve are in one partition, in order), committing each record's offset
     * for {@code group} once every tool has accepted it (or refused it for good). Without
     * {@code follow}, returns at the end of every partition. Returns false if an event was still
     * not accepted after its retries: it and what follows are left uncommitted for the next run.
     */
    boolean forwardKafka(String bootstrap, String topic, String group, boolean follow, Duration resendEvery)
            throws InterruptedException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // few records per poll: each may take a while of HTTP retries before the next poll
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<PartitionInfo> parts = c.partitionsFor(topic, Duration.ofSeconds(60));
            if (parts == null || parts.isEmpty()) throw new IllegalArgumentException("Kafka topic " + topic + " does not exist");
            if (alertmanager != null) {
                // the alerts a run before this one sent and left active: Alertmanager needs them
                // re-sent (and a resolve needs its trigger's startsAt)
                List<TopicPartition> tps = new ArrayList<>();
                for (PartitionInfo pi : parts) tps.add(new TopicPartition(topic, pi.partition()));
                Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new java.util.HashSet<>(tps));
                int active = recallActive(p, tps, committed);
                if (active > 0) {
                    info.println("forwarder: " + active + " alerts still active at group " + group
                            + "'s offsets, re-sent to Alertmanager");
                    report("re-send", alertmanager.resendActive());
                }
            }
            c.subscribe(List.of(topic));
            long nextResend = System.nanoTime() + resendEvery.toNanos();
            while (true) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(500));
                for (TopicPartition tp : records.partitions()) {
                    for (ConsumerRecord<String, String> r : records.records(tp)) {
                        String where = "kafka:" + tp + "@" + r.offset();
                        Line l = null;
                        if (r.value() == null) {
                            badLines++;
                            err.println("error: " + where + ": not a page event: a record without a value");
                        } else {
                            l = parse(where, r.value());
                        }
                        if (l != null && !forward(l)) {
                            err.println("error: " + where + " not accepted; group " + group
                                    + " continues from it on the next run");
                            return false;
                        }
                        c.commitSync(Map.of(tp, new OffsetAndMetadata(r.offset() + 1)));
                    }
                }
                if (follow) {
                    if (alertmanager != null && System.nanoTime() - nextResend >= 0) {
                        report("re-send", alertmanager.resendActive());
                        nextResend = System.nanoTime() + resendEvery.toNanos();
                    }
                } else if (atEnd(c)) {
                    return true;
                }
            }
        }
    }

    /**
     * Reads each partition from its beginning up to the group's committed offset (none: nothing)
     * into the Alertmanager client's active alerts, sending nothing; returns how many are active.
     */
    private int recallActive(Properties group, List<TopicPartition> tps, Map<TopicPartition, OffsetAndMetadata> committed) {
        Properties p = new Properties();
        p.putAll(group);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        Map<TopicPartition, Long> upTo = new HashMap<>();
        for (TopicPartition tp : tps) {
            OffsetAndMetadata o = committed == null ? null : committed.get(tp);
            if (o != null && o.offset() > 0) upTo.put(tp, o.offset());
        }
        if (upTo.isEmpty()) return 0;
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.assign(upTo.keySet());
            c.seekToBeginning(upTo.keySet());
            while (!upTo.isEmpty()) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long end = upTo.get(tp);
                    if (end == null || r.offset() >= end || r.value() == null) continue;
                    try {
                        alertmanager.recall(PageJson.read(r.value()));
                    } catch (IllegalArgumentException notAPage) {
                        // reported when it was read the first time
                    }
                }
                for (TopicPartition tp : new ArrayList<>(upTo.keySet())) {
                    if (c.position(tp) >= upTo.get(tp)) {
                        upTo.remove(tp);
                        c.pause(List.of(tp));
                    }
                }
            }
        }
        return alertmanager.activeCount();
    }

    /** Every partition assigned to the consumer is read to its end (the last stable offset, read_committed). */
    private static boolean atEnd(KafkaConsumer<String, String> c) {
        Set<TopicPartition> assigned = c.assignment();
        if (assigned.isEmpty()) return false; // the group has not assigned the partitions yet
        Map<TopicPartition, Long> end = c.endOffsets(assigned);
        for (TopicPartition tp : assigned) {
            if (c.position(tp) < end.get(tp)) return false;
        }
        return true;
    }
}
