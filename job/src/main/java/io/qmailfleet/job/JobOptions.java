package io.qmailfleet.job;

import static io.qmailfleet.job.options.JobOption.positive;

import io.qmailfleet.job.options.JobOption;
import io.qmailfleet.job.options.OptionGroup;
import io.qmailfleet.job.options.Options;
import io.qmailfleet.job.sink.KafkaOutputs;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * Every option of the job, each defined once. {@link #GROUPS} is the registry: the core's options
 * are defined here; a stage defines its options and their {@link OptionGroup} in its own package
 * and returns the group from {@link Stage#options()}, so it joins the registry with the stage's entry
 * in {@link Stages#ALL}. The usage text ({@code --help}) is generated from it and the README's
 * option list is checked against it.
 *
 * <p>A stage's options, e.g. in {@code stats/StatsOptions.java}:
 * <pre>{@code
 * public static final JobOption<Duration> WINDOW = JobOption.duration("stats-window", Duration.ofMinutes(5))
 *         .check(JobOption.positive(), "must be > 0").help("tumbling event-time window of the aggregates");
 * public static final OptionGroup GROUP = new OptionGroup("Statistics", WINDOW);
 * }</pre>
 * then {@code StatsStage.options()} returns {@code StatsOptions.GROUP}, the stage reads
 * {@code cfg.get(StatsOptions.WINDOW)} in {@link Stage#config}, and the README's option list gets
 * the line {@code --help} prints.
 */
public final class JobOptions {
    private JobOptions() {}

    public static final String DEFAULT_SAMPLE = "samples/fleet";
    public static final String DEFAULT_OUTPUT = "out";
    /**
     * Checkpoint interval of a live (unbounded Kafka) run without a cluster setting: exactly-once
     * output, alerts included, becomes visible only when a checkpoint completes, so this is what an
     * alert waits at most before it can page anyone. Each checkpoint costs a state snapshot and one
     * Kafka transaction commit per sink subtask (see the README).
     */
    public static final Duration DEFAULT_LIVE_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    /**
     * A backfill's default: its output has no reader waiting, while every heap checkpoint copies all
     * state (in a backfill, every fleet roll-up window still waiting for other hosts' parts), so the
     * checkpoints only bound the work redone after a failure (BENCHMARKS.md: on 13.6 M lines, 2
     * to 16 % less CPU than at 30 s).
     */
    public static final Duration DEFAULT_BOUNDED_CHECKPOINT_INTERVAL = Duration.ofMinutes(2);
    /**
     * How far the wall clock may advance a quiet host's log clock in a live run: a host that logged
     * nothing for up to this long still has its last lines released and its deadlines raised on time.
     */
    public static final Duration DEFAULT_LIVE_CLOCK_CAP = Duration.ofMinutes(1);

    // input
    public static final JobOption<List<String>> INPUT = JobOption.list("input", "PATH[,PATH...]")
            .defaultText(DEFAULT_SAMPLE + " without --kafka-bootstrap")
            .help("log files or directories (repeatable); multilog dirs, logrotate files, .gz/.bz2/.xz");
    public static final JobOption<Duration> WATCH = JobOption.duration("watch", null)
            .check(positive(), "must be > 0").defaultText("read the inputs once")
            .help("keep running and pick up new files in the inputs every DUR (rotated multilog/logrotate files);"
                    + " files are read once, when they appear");
    public static final JobOption<String> HOST = JobOption.string("host", "NAME", null)
            .help("host of lines that do not name one (else the first directory level under an input directory)");
    public static final JobOption<List<String>> KNOWN_HOSTS = JobOption.list("known-hosts", "H[,H...]")
            .check(l -> !l.isEmpty() && l.stream().noneMatch(String::isBlank), "needs host names")
            .defaultText("every host").help("accept lines of these hosts only; others are dead-lettered UNKNOWN_HOST");

    // Kafka
    public static final JobOption<String> KAFKA_BOOTSTRAP = JobOption.string("kafka-bootstrap", "SERVERS", null)
            .help("read lines from Kafka (unless --input is given); one record per line");
    public static final JobOption<String> INPUT_TOPIC = JobOption.string("input-topic", "TOPIC", "qmail.lines")
            .help("record header 'host', else the record key, is the host");
    public static final JobOption<String> GROUP_ID = JobOption.string("group-id", "ID", "qmail-fleet")
            .help("consumer group of the input topic");
    public static final JobOption<String> STARTING_OFFSETS = JobOption.choice("starting-offsets", "committed",
            "committed", "earliest", "latest").help("where to start; committed falls back to earliest");
    public static final JobOption<Boolean> BOUNDED = JobOption.bool("bounded", false)
            .help("stop at the offsets that were latest at start, then commit them for the group");
    public static final JobOption<String> SINK = JobOption.choice("sink", null, "files", "kafka")
            .defaultText("kafka with --kafka-bootstrap, else files").help("where outputs go");
    public static final JobOption<String> TOPIC_PREFIX = JobOption.string("topic-prefix", "P", "qmail.")
            .help("output topics P+<output name> (P+lifecycles, ...), JSON values keyed by host");
    public static final JobOption<Boolean> EXACTLY_ONCE = JobOption.bool("exactly-once", false)
            .help("transactional output, visible to read_committed consumers at each checkpoint");
    public static final JobOption<String> TRANSACTIONAL_ID_PREFIX = JobOption.string("transactional-id-prefix", "P",
            "qmail-fleet-").check(s -> !s.isBlank(), "must not be empty")
            .help("Kafka transactional ids P+<output name>; unique per deployment on one Kafka cluster");
    // a dead letter (raw text cut to 2048 characters) must always fit
    public static final JobOption<Integer> KAFKA_MAX_RECORD_BYTES = JobOption.integer("kafka-max-record-bytes",
            KafkaOutputs.DEFAULT_MAX_RECORD_BYTES).check(n -> n >= 65536, "must be at least 65536")
            .help("larger output records become RECORD_TOO_LARGE dead letters instead of failing the sink"
                    + " (<= the topics' max.message.bytes)");
    public static final JobOption<Duration> KAFKA_LINGER = JobOption.duration("kafka-linger",
            KafkaOutputs.Batching.DEFAULT.linger())
            // the producer refuses a linger.ms above its delivery timeout less its request timeout (90 s)
            .check(d -> !d.isNegative() && d.compareTo(Duration.ofMinutes(1)) <= 0, "must be from 0s to 1m")
            .help("how long an output producer waits to fill a batch (linger.ms): fuller batches cost the job"
                    + " and the brokers less CPU; a record waits at most this long");
    public static final JobOption<Integer> KAFKA_BATCH_BYTES = JobOption.integer("kafka-batch-bytes",
            KafkaOutputs.Batching.DEFAULT.batchBytes()).check(n -> n >= 1024, "must be at least 1024")
            .help("an output producer's batch per partition (batch.size); lowered to --kafka-max-record-bytes"
                    + " when that is smaller");
    public static final JobOption<String> KAFKA_COMPRESSION = JobOption.choice("kafka-compression",
            KafkaOutputs.Batching.DEFAULT.compression(), KafkaOutputs.Batching.COMPRESSIONS.toArray(new String[0]))
            .help("compression of the output topics' batches (compression.type)");

    // output
    public static final JobOption<String> OUTPUT = JobOption.string("output", "DIR", DEFAULT_OUTPUT)
            .check(s -> !s.isBlank(), "must name a folder")
            .help("one folder per output and summary.json; the job replaces only folders it wrote");
    public static final JobOption<Boolean> OVERWRITE = JobOption.flag("overwrite")
            .help("replace the output folders even in a non-empty --output the job did not write");
    public static final JobOption<Boolean> EVENTS = JobOption.bool("events", true).help("write every parsed line to events/");
    public static final JobOption<Boolean> HOST_EVENTS = JobOption.bool("host-events", true)
            .help("write status, alert:, warning:, restart and connection lines to host-events/");

    // time and timeouts
    public static final JobOption<Duration> MAX_OUT_OF_ORDER = JobOption.duration("max-out-of-order", Duration.ofSeconds(2))
            .help("per-host reorder bound; later lines go to late/");
    public static final JobOption<Duration> STUCK_AFTER = JobOption.duration("stuck-after", Duration.ofHours(1))
            .check(positive(), "must be > 0").help("stuck_message after this long in the queue");
    public static final JobOption<Duration> HUNG_AFTER = JobOption.duration("hung-after", Duration.ofMinutes(30))
            .check(positive(), "must be > 0").help("hung_delivery after this long without a result");
    public static final JobOption<Duration> MAX_OPEN_AGE = JobOption.duration("max-open-age", Duration.ofDays(8))
            .check(positive(), "must be > 0").help("open longer: written as abandoned, state dropped");
    public static final JobOption<Duration> HOST_IDLE_TTL = JobOption.duration("host-idle-ttl", Duration.ofDays(30))
            .check(d -> d.toMillis() > 0, "must be at least 1ms")
            .help("processing time after which a silent host's state is dropped");
    public static final JobOption<Duration> READER_LEAD = JobOption.duration("reader-lead", Duration.ofHours(2))
            .check(positive(), "must be > 0")
            .help("backfill of several hosts' files: a host's reader waits while this far ahead of the slowest");
    public static final JobOption<String> SEQUENCER_PER_READER = JobOption.choice("sequencer-per-reader", "auto",
                    "auto", "true", "false")
            .help("backfill of several hosts' multilog directories: each reader's task sequences its own hosts' lines"
                    + " (auto: when the files average 32 MB or more per reader; false: every line crosses a shuffle by host)");
    public static final JobOption<Duration> IDLE_TIMEOUT = JobOption.duration("idle-timeout", Duration.ofSeconds(30))
            .help("source split idleness for watermarks (unbounded input only)");
    public static final JobOption<Duration> LIVE_CLOCK_CAP = JobOption.duration("live-clock-cap", null)
            .check(d -> !d.isNegative(), "must not be negative")
            .defaultText(DEFAULT_LIVE_CLOCK_CAP.toSeconds() / 60 + "m for live Kafka input, 0 (off) for bounded input")
            .help("a quiet host's clock advances with the wall time since its last line, by at most this");

    // parsing
    public static final JobOption<String> ZONE = JobOption.string("zone", "ZONE", "UTC")
            .check(JobOptions::isZone, "not a time zone (UTC, Europe/Berlin, +02:00)")
            .help("zone of tai64nlocal and RFC 3164 dates");
    public static final JobOption<Integer> MAX_LINE_CHARS = JobOption.integer("max-line-chars", 65536)
            .check(n -> n > 0, "must be > 0").help("longer lines are dead-lettered");

    // runtime
    public static final JobOption<Integer> PARALLELISM = JobOption.integer("parallelism", null)
            .check(n -> n > 0, "must be > 0").defaultText("Flink's").help("default parallelism; the file reader runs with 1");
    public static final JobOption<Integer> MAX_PARALLELISM = JobOption.integer("max-parallelism", null)
            .check(n -> n > 0 && n <= 32768, "must be 1..32768").defaultText("Flink's")
            .help("key groups of the keyed state: the parallelism a savepoint can be restored with");
    public static final JobOption<Duration> CHECKPOINT_INTERVAL = JobOption.duration("checkpoint-interval", null)
            .check(d -> d.toMillis() >= 10, "must be at least 10ms")
            .defaultText("the cluster's, else " + DEFAULT_BOUNDED_CHECKPOINT_INTERVAL.toMinutes() + "m for bounded input and " + DEFAULT_LIVE_CHECKPOINT_INTERVAL.toSeconds()
                    + "s for live Kafka input; none for an embedded run of at most " + (LocalLauncher.QUICK_MAX_BYTES >> 20)
                    + " MB of files into files, whose outputs commit when it ends")
            .help("checkpoints; output files and Kafka transactions commit at each: the latency of exactly-once output, alerts included");
    public static final JobOption<String> CHECKPOINT_DIR = JobOption.string("checkpoint-dir", "URI", null)
            .check(s -> !s.isBlank(), "must name a folder").defaultText("the cluster's; an embedded run: a temporary folder")
            .help("where checkpoints are kept (file:///..., s3://...)");
    public static final JobOption<String> METRICS_PORT = JobOption.string("metrics-port", "PORT[-PORT]", null)
            .check(p -> p.matches("[0-9]{1,5}(-[0-9]{1,5})?"), "must be a port or a range like 9249-9259")
            .help("embedded run: serve Prometheus metrics on this port (or the first free one of the range);"
                    + " on a cluster the cluster's configuration sets the reporter");
    public static final JobOption<String> STATE_BACKEND = JobOption.choice("state-backend", null, "hashmap", "rocksdb")
            .defaultText("the cluster's, else hashmap").help("keyed state on the heap or in RocksDB");
    public static final JobOption<String> ROCKSDB_TIMERS = JobOption.choice("rocksdb-timers", null, "heap", "rocksdb")
            .defaultText("the cluster's, else rocksdb")
            .help("with RocksDB, where timers are kept: on the heap (a tenth less CPU in a backfill; the heap then"
                    + " holds the timers of the relay sides waiting) or in RocksDB");

    // console
    public static final JobOption<Boolean> QUIET = JobOption.flag("quiet").help("no progress lines on stderr");
    public static final JobOption<Duration> PROGRESS_INTERVAL = JobOption.duration("progress-interval", Duration.ofSeconds(5))
            .check(positive(), "must be > 0").help("how often a running job reports progress on stderr");
    public static final JobOption<Boolean> HELP = JobOption.flag("help").help("this text");

    /** The options of the lifecycle core and the command line; a stage's own come from {@link Stage#options()}. */
    static final List<OptionGroup> CORE_GROUPS = List.of(
            new OptionGroup("Input (files)", INPUT, WATCH, HOST, KNOWN_HOSTS, SEQUENCER_PER_READER),
            new OptionGroup("Kafka (live, or a bounded backfill from a topic)", KAFKA_BOOTSTRAP, INPUT_TOPIC, GROUP_ID,
                    STARTING_OFFSETS, BOUNDED, SINK, TOPIC_PREFIX, EXACTLY_ONCE, TRANSACTIONAL_ID_PREFIX,
                    KAFKA_MAX_RECORD_BYTES, KAFKA_LINGER, KAFKA_BATCH_BYTES, KAFKA_COMPRESSION),
            new OptionGroup("Output", OUTPUT, OVERWRITE, EVENTS, HOST_EVENTS),
            new OptionGroup("Time and timeouts (host log time, not wall clock)", MAX_OUT_OF_ORDER, STUCK_AFTER, HUNG_AFTER,
                    MAX_OPEN_AGE, HOST_IDLE_TTL, READER_LEAD, IDLE_TIMEOUT, LIVE_CLOCK_CAP),
            new OptionGroup("Parsing", ZONE, MAX_LINE_CHARS));

    static final List<OptionGroup> TAIL_GROUPS = List.of(
            new OptionGroup("Runtime", PARALLELISM, MAX_PARALLELISM, CHECKPOINT_INTERVAL, CHECKPOINT_DIR, STATE_BACKEND,
                    ROCKSDB_TIMERS, METRICS_PORT),
            new OptionGroup("Console", QUIET, PROGRESS_INTERVAL, HELP));

    /** Every option group of a job with {@code stages}, in usage order: the core's, each stage's, runtime and console. */
    public static List<OptionGroup> groups(List<Stage<?>> stages) {
        List<OptionGroup> g = new ArrayList<>(CORE_GROUPS);
        g.addAll(Stages.optionGroups(stages));
        g.addAll(TAIL_GROUPS);
        return List.copyOf(g);
    }

    /** The registry: every option the job accepts, in usage order (the core's and those of {@link Stages#ALL}). */
    public static final List<OptionGroup> GROUPS = groups(Stages.ALL);

    public static final Options OPTIONS = new Options(GROUPS);

    public static final String USAGE = usage(OPTIONS);

    /** The usage text ({@code --help}) of {@code options}. */
    public static String usage(Options options) {
        return options.usage(
                "qmail fleet analytics: rebuilds qmail message life cycles from qmail-send logs.\n"
                        + "Usage: java -jar qmail-fleet-local.jar [--name value ...]  (or flink run <job jar> ...)",
                "Durations: 500ms, 2s, 30m, 1h, 8d or ISO-8601 (PT1H).");
    }

    private static boolean isZone(String z) {
        try {
            ZoneId.of(z);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
