package io.qmailfleet.job;

import io.qmailfleet.job.lifecycle.LifecycleConfig;
import io.qmailfleet.job.parse.ParserConfig;
import io.qmailfleet.job.sink.KafkaOutputs;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import io.qmailfleet.job.options.JobOption;
import org.apache.flink.configuration.Configuration;

/**
 * Everything the job is told on its command line, as typed values. The options themselves (names,
 * types, defaults, descriptions, checks) are defined once in {@link JobOptions} and in each stage's
 * option group; this class reads the core's and checks how they combine. A stage reads its own
 * from {@link #options} ({@link Stage#config}).
 */
public final class JobConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String DEFAULT_SAMPLE = JobOptions.DEFAULT_SAMPLE;
    public static final String DEFAULT_OUTPUT = JobOptions.DEFAULT_OUTPUT;

    /** The usage text, generated from {@link JobOptions#GROUPS}. */
    public static final String USAGE = JobOptions.USAGE;

    /** The options as given (only those given), typed; stages read theirs with {@link #get}. */
    public Configuration options = new Configuration();

    // the defaults below come from the options; the derived ones (-1 = Flink's, the embedded
    // run's checkpoint interval and state backend, files) are what a run without options uses
    public List<String> inputs = new ArrayList<>();
    public String host;
    public String output = JobOptions.OUTPUT.defaultValue();
    public int parallelism = -1;
    public Duration checkpointInterval = JobOptions.DEFAULT_BOUNDED_CHECKPOINT_INTERVAL;
    public String stateBackend = "hashmap";
    /** On RocksDB, where timers are kept ("heap" or "rocksdb"); null: the cluster's setting (Flink's default: rocksdb). */
    public String rocksdbTimers;
    /** Source split idleness for watermarks; null for bounded input (no split is ever idle). */
    public Duration idleTimeout = JobOptions.IDLE_TIMEOUT.defaultValue();
    public String kafkaBootstrap;
    public String inputTopic = JobOptions.INPUT_TOPIC.defaultValue();
    public String groupId = JobOptions.GROUP_ID.defaultValue();
    public String startingOffsets = JobOptions.STARTING_OFFSETS.defaultValue();
    public boolean bounded;
    public String sink = "files";
    public String topicPrefix = JobOptions.TOPIC_PREFIX.defaultValue();
    public boolean exactlyOnce;
    public String transactionalIdPrefix = JobOptions.TRANSACTIONAL_ID_PREFIX.defaultValue();
    public String checkpointDir;
    public int maxParallelism = -1;
    public boolean overwrite;
    public boolean quiet;
    public Duration progressInterval = JobOptions.PROGRESS_INTERVAL.defaultValue();
    public int kafkaMaxRecordBytes = JobOptions.KAFKA_MAX_RECORD_BYTES.defaultValue();
    /** The Kafka outputs' producer batching and compression ({@code --kafka-linger}, {@code --kafka-batch-bytes}, {@code --kafka-compression}). */
    public KafkaOutputs.Batching kafkaBatching = KafkaOutputs.Batching.DEFAULT;
    /** Port or port range of the Prometheus reporter of an embedded run; null = no reporter. */
    public String metricsPort;
    /** Files: poll the inputs for new files at this interval (an unbounded run); null = read once. */
    public Duration watch;
    public ParserConfig parser = new ParserConfig();
    public LifecycleConfig lifecycle = new LifecycleConfig();
    /** Lines keep coming (Kafka without --bounded, or files with --watch): a live run. */
    public boolean unbounded;
    /**
     * A backfill of files that reads each host's files with a reader of its own (from one to
     * {@link io.qmailfleet.job.source.FileLines#MAX_READERS} hosts,
     * {@link io.qmailfleet.job.source.FileLines#hosts}): the watermark is then the slowest host's,
     * so what waits for other hosts can be dropped by log time.
     */
    public boolean readerPerHost;
    /**
     * A backfill of files read by several readers ({@link #readerPerHost}, or more hosts than
     * readers): how far (log time) a reader's watermark may run ahead of the slowest reader's
     * before it waits ({@code --reader-lead}).
     */
    public Duration readerLead = JobOptions.READER_LEAD.defaultValue();
    /**
     * Each reader's task sequences the lines it reads: the host sequencer runs there at parallelism
     * 1, chained to the reader's parser, instead of behind a {@code keyBy(host)}, so every line
     * reaches it as an object in the same thread, never serialized. Two cases:
     * <ul>
     * <li>a backfill of one host's files ({@link io.qmailfleet.job.source.FileLines#hosts}): one
     *     reader, so all its hosts' lines (a syslog file may name several) are sequenced by that one
     *     task;</li>
     * <li>a backfill of several hosts' files, a reader per host ({@link #readerPerHost}), when every
     *     file is multilog's ({@link io.qmailfleet.job.source.FileLines#multilogOnly}) and
     *     {@code --sequencer-per-reader} is true, or auto with at least
     *     {@link #SEQUENCER_PER_READER_MIN_BYTES} of input per reader: each line's host is its
     *     file's, so a host's lines are all in one reader's files, and each reader's task has a
     *     host sequencer of its own, with the per-host stages after it
     *     ({@link FleetPipeline.Streams#lanes}). A line that names another host all the same is
     *     dead-lettered ({@link #readerHostsOnly()}).</li>
     * </ul>
     */
    public boolean sequencerInReader;
    /**
     * How many file readers the source starts ({@link io.qmailfleet.job.source.FileLines#readers}):
     * one per host of a backfill, up to {@link io.qmailfleet.job.source.FileLines#MAX_READERS};
     * one for Kafka, {@code --watch} and a single host.
     */
    public int fileReaders = 1;

    /**
     * Several readers each sequence their own lines ({@link #sequencerInReader} with more than one
     * of {@link #fileReaders}): a line whose host is not its file's
     * ({@link io.qmailfleet.job.source.HostRule}) is dead-lettered ({@code FOREIGN_HOST}) by its
     * parser, since another reader's task may sequence that host.
     */
    public boolean readerHostsOnly() {
        return sequencerInReader && fileReaders > 1;
    }
    /**
     * The input is files read by one reader: one host's files, a syslog file, or {@code --watch}
     * (not a backfill of several hosts' files, which starts a reader per host, up to
     * {@link io.qmailfleet.job.source.FileLines#MAX_READERS}, nor Kafka). An embedded run then
     * gets large network buffers ({@link Main#localSegmentSize}).
     */
    public boolean oneFileReader;

    /**
     * With {@code --sequencer-per-reader auto}, the least input per reader (bytes, compressed files
     * counted {@link LocalLauncher#COMPRESSED_FACTOR} times) for a sequencer in each reader's task.
     * Each such task starts the per-host operators and sinks of its own, about 56 ms of CPU and 4.5
     * MB each (64 hosts' small files took 3.6 s more CPU and 290 MB more memory than behind a
     * shuffle), while it saves 0.2-0.4 µs per line (BENCHMARKS.md): it pays from about 190,000
     * lines, 14 MB of the capture's multilog, per reader.
     */
    static final long SEQUENCER_PER_READER_MIN_BYTES = 32L << 20;

    private static boolean sequencerPerReader(JobConfig c, List<Path> files, int fileHosts) {
        String mode = c.get(JobOptions.SEQUENCER_PER_READER);
        if (!mode.equals("auto")) return Boolean.parseBoolean(mode);
        long bytes = LocalLauncher.inputBytesOf(files);
        int readers = Math.min(fileHosts, io.qmailfleet.job.source.FileLines.MAX_READERS);
        return bytes >= 0 && bytes >= SEQUENCER_PER_READER_MIN_BYTES * readers;
    }

    /** The value of {@code option}: as given, else its default. */
    public <T> T get(JobOption<T> option) {
        return option.get(options);
    }

    /** True when {@code option} was given on the command line. */
    public boolean given(JobOption<?> option) {
        return options.contains(option.configOption());
    }

    /** True when lines come from Kafka (no --input files). */
    public boolean readsKafka() {
        return inputs.isEmpty();
    }

    /** Reads and checks every option of the job; throws IllegalArgumentException with a one-line message. */
    public static JobConfig from(CliArgs a) {
        return from(a, Stages.ALL);
    }

    /**
     * Reads and checks every option of the core and of {@code stages} (each stage's settings are
     * read once here, so a bad value fails before anything happens); throws IllegalArgumentException
     * with a one-line message.
     */
    public static JobConfig from(CliArgs a, List<Stage<?>> stages) {
        JobConfig c = new JobConfig();
        c.options = (stages == Stages.ALL ? JobOptions.OPTIONS : new io.qmailfleet.job.options.Options(JobOptions.groups(stages)))
                .parse(a);
        c.kafkaBootstrap = c.get(JobOptions.KAFKA_BOOTSTRAP);
        c.inputs = c.given(JobOptions.INPUT) ? c.get(JobOptions.INPUT)
                : c.kafkaBootstrap == null ? List.of(DEFAULT_SAMPLE) : List.of();
        c.inputTopic = c.get(JobOptions.INPUT_TOPIC);
        c.groupId = c.get(JobOptions.GROUP_ID);
        c.startingOffsets = c.get(JobOptions.STARTING_OFFSETS);
        c.bounded = c.get(JobOptions.BOUNDED);
        c.sink = c.given(JobOptions.SINK) ? c.get(JobOptions.SINK) : c.kafkaBootstrap != null ? "kafka" : "files";
        if (c.sink.equals("kafka") && c.kafkaBootstrap == null) throw new IllegalArgumentException("--sink kafka needs --kafka-bootstrap");
        c.topicPrefix = c.get(JobOptions.TOPIC_PREFIX);
        c.exactlyOnce = c.get(JobOptions.EXACTLY_ONCE);
        c.transactionalIdPrefix = c.get(JobOptions.TRANSACTIONAL_ID_PREFIX);
        c.kafkaMaxRecordBytes = c.get(JobOptions.KAFKA_MAX_RECORD_BYTES);
        int batch = c.get(JobOptions.KAFKA_BATCH_BYTES);
        if (c.given(JobOptions.KAFKA_BATCH_BYTES) && batch > c.kafkaMaxRecordBytes) {
            // a batch is one message to the broker: the topics' max.message.bytes (>= the record limit) must take it
            throw new IllegalArgumentException("--kafka-batch-bytes " + batch + ": must be at most --kafka-max-record-bytes "
                    + c.kafkaMaxRecordBytes);
        }
        c.kafkaBatching = new KafkaOutputs.Batching(c.get(JobOptions.KAFKA_LINGER), Math.min(batch, c.kafkaMaxRecordBytes),
                c.get(JobOptions.KAFKA_COMPRESSION));
        c.host = c.get(JobOptions.HOST);
        c.output = c.get(JobOptions.OUTPUT);
        c.overwrite = c.get(JobOptions.OVERWRITE);
        c.parallelism = c.given(JobOptions.PARALLELISM) ? c.get(JobOptions.PARALLELISM) : -1;
        c.maxParallelism = c.given(JobOptions.MAX_PARALLELISM) ? c.get(JobOptions.MAX_PARALLELISM) : -1;
        if (c.parallelism > 0 && c.maxParallelism > 0 && c.parallelism > c.maxParallelism) {
            throw new IllegalArgumentException("--parallelism " + c.parallelism + " exceeds --max-parallelism " + c.maxParallelism);
        }
        c.watch = c.get(JobOptions.WATCH);
        c.metricsPort = c.get(JobOptions.METRICS_PORT);
        boolean unbounded = c.inputs.isEmpty() && !c.bounded || c.watch != null;
        c.unbounded = unbounded;
        c.checkpointInterval = c.given(JobOptions.CHECKPOINT_INTERVAL) ? c.get(JobOptions.CHECKPOINT_INTERVAL)
                : unbounded ? JobOptions.DEFAULT_LIVE_CHECKPOINT_INTERVAL : JobOptions.DEFAULT_BOUNDED_CHECKPOINT_INTERVAL;
        c.checkpointDir = c.get(JobOptions.CHECKPOINT_DIR);
        c.stateBackend = c.given(JobOptions.STATE_BACKEND) ? c.get(JobOptions.STATE_BACKEND) : "hashmap";
        c.rocksdbTimers = c.get(JobOptions.ROCKSDB_TIMERS);
        if (c.rocksdbTimers != null && c.given(JobOptions.STATE_BACKEND) && !c.stateBackend.equals("rocksdb")) {
            throw new IllegalArgumentException("--rocksdb-timers is for --state-backend rocksdb, not " + c.stateBackend);
        }
        // a bounded input's partitions and files end and release the watermark; none is ever idle, so
        // the watermark never passes lines that are only still unread (the stats windows and the
        // fleet rules fire on it in a backfill)
        if (!unbounded && c.given(JobOptions.IDLE_TIMEOUT)) {
            throw new IllegalArgumentException("--idle-timeout is for unbounded input (live Kafka, --watch): a bounded input's partitions and files end, none is idle");
        }
        c.idleTimeout = unbounded ? c.get(JobOptions.IDLE_TIMEOUT) : null;
        // the input files are listed once, for their hosts, their size and their format
        List<Path> files = null;
        if (!unbounded && !c.readsKafka()) {
            try {
                files = io.qmailfleet.job.source.FileLines.list(c.inputs);
            } catch (UncheckedIOException e) {
                // not listable: the source reads the inputs as given, with one reader, or says why it cannot
            }
        }
        int fileHosts = files == null ? -1 : io.qmailfleet.job.source.FileLines.hosts(files, c.inputs, c.host);
        c.readerPerHost = fileHosts > 0 && fileHosts <= io.qmailfleet.job.source.FileLines.MAX_READERS;
        c.sequencerInReader = fileHosts == 1 || (c.readerPerHost && fileHosts > 1 && sequencerPerReader(c, files, fileHosts)
                && io.qmailfleet.job.source.FileLines.multilogOnly(files));
        c.fileReaders = Math.max(1, Math.min(fileHosts, io.qmailfleet.job.source.FileLines.MAX_READERS));
        c.readerLead = c.get(JobOptions.READER_LEAD);
        c.oneFileReader = !c.readsKafka() && (unbounded || fileHosts <= 1);
        c.quiet = c.get(JobOptions.QUIET);
        c.progressInterval = c.get(JobOptions.PROGRESS_INTERVAL);
        c.parser.zone = ZoneId.of(c.get(JobOptions.ZONE)).getId();
        c.parser.maxLineChars = c.get(JobOptions.MAX_LINE_CHARS);
        if (c.given(JobOptions.KNOWN_HOSTS)) c.parser.knownHosts = new ArrayList<>(c.get(JobOptions.KNOWN_HOSTS));
        c.lifecycle.parser = c.parser;
        c.lifecycle.maxOutOfOrderNanos = c.get(JobOptions.MAX_OUT_OF_ORDER).toNanos();
        c.lifecycle.stuckAfterNanos = c.get(JobOptions.STUCK_AFTER).toNanos();
        c.lifecycle.hungAfterNanos = c.get(JobOptions.HUNG_AFTER).toNanos();
        c.lifecycle.maxOpenAgeNanos = c.get(JobOptions.MAX_OPEN_AGE).toNanos();
        c.lifecycle.hostIdleTtlMillis = c.get(JobOptions.HOST_IDLE_TTL).toMillis();
        // the wall clock may stand in for a quiet host's next line only in a live run
        c.lifecycle.liveClockCapNanos = (c.given(JobOptions.LIVE_CLOCK_CAP) ? c.get(JobOptions.LIVE_CLOCK_CAP)
                : unbounded ? JobOptions.DEFAULT_LIVE_CLOCK_CAP : Duration.ZERO).toNanos();
        c.lifecycle.validate();
        for (Stage<?> stage : stages) stage.config(c);
        return c;
    }
}
