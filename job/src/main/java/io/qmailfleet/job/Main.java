package io.qmailfleet.job;

import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.sink.FileOutputs;
import io.qmailfleet.job.sink.KafkaOutputs;
import io.qmailfleet.job.sink.KafkaTopicCheck;
import io.qmailfleet.job.sink.OutputFolder;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.sink.PipelineSinks;
import io.qmailfleet.job.source.FileLines;
import io.qmailfleet.job.source.KafkaLines;
import io.qmailfleet.job.source.KafkaOffsets;
import io.qmailfleet.job.source.ProgressProbe;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;
import org.apache.kafka.common.TopicPartition;

/**
 * Entry point, both for {@code flink run} on a cluster and for {@code java -jar} on an embedded
 * local Flink (the launcher jar): checks every option, then reads the lines, runs
 * {@link FleetPipeline} and writes its outputs.
 */
public final class Main {
    private Main() {}

    /** Flink's Prometheus reporter (flink-metrics-prometheus), as {@code --metrics-port} enables it. */
    public static final String PROMETHEUS_REPORTER_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";
    /** Where a job on RocksDB keeps its timers: HEAP or ROCKSDB (Flink's {@code RocksDBOptions.TIMER_SERVICE_FACTORY}). */
    static final String ROCKSDB_TIMER_SERVICE_FACTORY = "state.backend.rocksdb.timer-service.factory";

    /** How RocksDB compresses each level of its files (Flink's {@code RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL}). */
    static final String ROCKSDB_COMPRESSION_PER_LEVEL = "state.backend.rocksdb.compression.per.level";
    /**
     * An embedded run's RocksDB compression: none on the two upper levels, which a backfill's
     * short-lived state (waiting receptions, roll-up parts, timers) is written to and compacted out
     * of again and again, LZ4 below them, where long-lived state settles (RocksDB's default, Snappy
     * on every level, spent a third of its compaction thread compressing and decompressing).
     */
    static final String EMBEDDED_ROCKSDB_COMPRESSION = "NO_COMPRESSION;NO_COMPRESSION;LZ4_COMPRESSION";

    /**
     * Sets where a job on RocksDB keeps its timers ({@code --rocksdb-timers}: heap or rocksdb), by
     * the option's key: RocksDB's classes are the cluster's (or the local jar's), not the job's.
     */
    public static void setRocksdbTimers(Configuration conf, String timers) {
        conf.setString(ROCKSDB_TIMER_SERVICE_FACTORY, timers.toUpperCase(Locale.ROOT));
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("trace")) {
            // `trace ...`: print a message's path through the fleet from a run's output files
            int rc = io.qmailfleet.job.trace.TraceCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length),
                    System.out, System.err);
            if (rc != 0) System.exit(rc);
            return;
        }
        if (args.length > 0 && args[0].equals("report")) {
            // `report ...`: a run's outputs as a text report and an HTML page with charts
            int rc = io.qmailfleet.job.report.ReportCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length),
                    System.out, System.err);
            if (rc != 0) System.exit(rc);
            return;
        }
        int code = cli(args, System.out, System.err);
        if (code != 0) System.exit(code);
    }

    /**
     * The command line: 0 on success, 2 on a usage error (printed as one line on {@code err}). Every
     * option and the input and output paths are checked before anything is written.
     */
    static int cli(String[] args, PrintStream out, PrintStream err) throws Exception {
        JobConfig cfg;
        try {
            CliArgs cli = CliArgs.parse(args);
            if (cli.has(JobOptions.HELP.name())) {
                out.print(JobOptions.USAGE);
                return 0;
            }
            cfg = JobConfig.from(cli);
            checkInputs(cfg);
            if (cfg.sink.equals("files")) OutputFolder.check(cfg.output, cfg.overwrite);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        JobExecutionResult result;
        try {
            result = run(cfg, err);
        } catch (IllegalArgumentException e) {
            // the output folder changed between the check and the run
            err.println("error: " + e.getMessage());
            return 2;
        } catch (java.nio.file.FileSystemException e) {
            err.println("error: cannot write " + e.getFile() + (e.getReason() == null ? "" : ": " + e.getReason())
                    + " (" + e.getClass().getSimpleName() + ")");
            return 1;
        }
        if (result != null && !result.isJobExecutionResult()) {
            // `flink run -d`: the job has only been submitted; its accumulators and runtime are not
            // known here (asking a DetachedJobExecutionResult for them throws)
            out.println("submitted as job " + result.getJobID() + " (detached): outputs appear as it runs");
            return 0;
        }
        if (result != null && !result.getJobExecutionResult().getAllAccumulatorResults().isEmpty()) {
            out.println(RunSummary.text(cfg, result));
            if (cfg.sink.equals("files")) {
                Files.writeString(Path.of(cfg.output, OutputFolder.SUMMARY), RunSummary.json(result), StandardCharsets.UTF_8);
            }
        }
        return 0;
    }

    /** Every input exists, and the files inputs hold at least one log file; else a one-line error. */
    static void checkInputs(JobConfig cfg) {
        if (cfg.readsKafka()) return;
        for (String in : cfg.inputs) {
            if (in.isEmpty() || !Files.exists(Path.of(in))) throw new IllegalArgumentException("input " + in + " does not exist");
        }
        if (FileLines.list(cfg.inputs).isEmpty()) {
            throw new IllegalArgumentException("no log files found in " + String.join(", ", cfg.inputs)
                    + " (looked for files in it and every folder below, skipping hidden files and multilog's lock and state)");
        }
    }

    /** Builds the environment and the job and runs it to the end of its input (or until cancelled). */
    public static JobExecutionResult run(JobConfig cfg) throws Exception {
        return run(cfg, System.err);
    }

    static JobExecutionResult run(JobConfig cfg, PrintStream progressOut) throws Exception {
        // the environment first: an option it refuses leaves the output folder untouched
        StreamExecutionEnvironment env = environment(cfg);
        if (cfg.sink.equals("files")) OutputFolder.prepare(cfg);

        // a bounded Kafka run stops at the offsets that are latest now: fixed here, so that the
        // same offsets can be committed for the group once the run has finished
        Map<TopicPartition, Long> stopOffsets = cfg.readsKafka() && cfg.bounded
                ? KafkaOffsets.latest(cfg.kafkaBootstrap, cfg.inputTopic) : null;
        List<DataStream<RawLine>> inputs = lines(env, cfg, stopOffsets);
        Progress progress = null;
        if (!cfg.quiet) {
            progress = new Progress(progressOut, cfg.progressInterval, cfg.readsKafka() ? -1 : knownSize(cfg.inputs));
            env.registerJobListener(progress);
        }
        if (cfg.sink.equals("kafka")) {
            List<String> topics = new ArrayList<>();
            for (var o : Outputs.ALL) if (o.enabled(cfg)) topics.add(o.topic(cfg.topicPrefix));
            KafkaTopicCheck.check(cfg.kafkaBootstrap, topics, cfg.kafkaMaxRecordBytes);
        }
        PipelineSinks sinks = cfg.sink.equals("kafka")
                ? new KafkaOutputs(cfg.kafkaBootstrap, cfg.topicPrefix, cfg.exactlyOnce, cfg.transactionalIdPrefix,
                        cfg.kafkaMaxRecordBytes, cfg.kafkaBatching)
                : new FileOutputs(absolute(cfg.output));
        FleetPipeline.build(inputs, cfg, sinks);
        JobExecutionResult result;
        try {
            result = env.execute("qmail fleet analytics");
        } finally {
            if (progress != null) progress.close();
        }
        if (stopOffsets != null && result != null && result.isJobExecutionResult()) {
            // The source commits offsets only when a checkpoint completes, asynchronously and as a
            // courtesy for monitoring: the offsets read after the last checkpoint of a bounded run
            // are often never committed, and a later --starting-offsets committed run would read
            // those lines again. The run has finished (and its outputs are committed), so commit
            // where it stopped. Not in detached mode: there the job has only been submitted.
            try {
                KafkaOffsets.commit(cfg.kafkaBootstrap, cfg.groupId, stopOffsets);
            } catch (Exception e) {
                System.err.println("warning: the run finished, but committing its stop offsets " + stopOffsets
                        + " for group " + cfg.groupId + " failed (" + e + "): a run from the committed offsets"
                        + " would read some lines again");
            }
        }
        return result;
    }

    /**
     * The job's streams of lines: the Kafka source, or the file readers (a backfill of several
     * hosts' files has a reader per host, each a stream of its own). Unless {@code --quiet}, each
     * passes a progress probe chained to its reader; the probes' accumulators are summed by name.
     */
    static List<DataStream<RawLine>> lines(StreamExecutionEnvironment env, JobConfig cfg,
                                           Map<TopicPartition, Long> stopOffsets) {
        List<DataStream<RawLine>> inputs = cfg.readsKafka()
                ? List.of(KafkaLines.stream(env, cfg, stopOffsets)) : FileLines.readers(env, cfg);
        if (cfg.quiet) return inputs;
        List<DataStream<RawLine>> probed = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            DataStream<RawLine> in = inputs.get(i);
            // the first keeps the uid of the one probe before
            probed.add(in.process(new ProgressProbe()).uid(i == 0 ? "progress" : "progress-" + (i + 1))
                    .name("progress").setParallelism(in.getParallelism()));
        }
        return probed;
    }

    /**
     * The execution environment. On a cluster its own state backend and checkpointing stay as
     * configured there unless an option asks otherwise; an embedded run, which has no such
     * configuration, gets the job's defaults (checkpoints every 2 s for files, 10 s for live input:
     * file outputs and Kafka transactions commit at checkpoints).
     */
    static StreamExecutionEnvironment environment(JobConfig cfg) {
        Configuration conf = new Configuration();
        // every type on the wire is a POJO or a basic type: a Kryo fallback is a bug, so fail fast
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // chained operators hand records on without a serializer copy: no operator changes a
        // record after emitting it or keeps one it received from a chained upstream (see
        // FleetPipeline; ObjectReuseTest runs the whole graph both ways)
        conf.set(PipelineOptions.OBJECT_REUSE, FleetPipeline.OBJECT_REUSE);
        if (cfg.given(JobOptions.STATE_BACKEND)) conf.set(StateBackendOptions.STATE_BACKEND, cfg.stateBackend);
        if (cfg.rocksdbTimers != null) setRocksdbTimers(conf, cfg.rocksdbTimers);
        if (cfg.checkpointDir != null) conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, cfg.checkpointDir);
        if (cfg.maxParallelism > 0) conf.set(PipelineOptions.MAX_PARALLELISM, cfg.maxParallelism);
        if (cfg.metricsPort != null) {
            // an embedded run's MiniCluster starts the reporter from this configuration; a cluster
            // ignores it (its own configuration sets reporters)
            conf.setString("metrics.reporter.prom.factory.class", PROMETHEUS_REPORTER_FACTORY);
            conf.setString("metrics.reporter.prom.port", cfg.metricsPort);
        }
        if (!cfg.quiet) {
            // an embedded cluster reports a running job's counters with its heartbeats: often enough
            // for the progress lines (a cluster keeps its own heartbeat settings)
            Duration beat = cfg.progressInterval.compareTo(Duration.ofSeconds(10)) < 0 ? cfg.progressInterval : Duration.ofSeconds(10);
            conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, beat.compareTo(Duration.ofMillis(500)) < 0 ? Duration.ofMillis(500) : beat);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (env instanceof LocalStreamEnvironment) {
            // an embedded run has no cluster whose backend could be RocksDB: the option would do nothing
            if (cfg.rocksdbTimers != null && !"rocksdb".equals(cfg.stateBackend)) {
                throw new IllegalArgumentException("--rocksdb-timers is for --state-backend rocksdb (an embedded run keeps its state on the heap)");
            }
            Configuration local = new Configuration();
            // an embedded run without --checkpoint-dir: checkpoints in a temporary folder, not in
            // the JobManager's memory, whose 5 MB per operator state a large backfill's aggregates
            // outgrow (the job would then fail at every checkpoint)
            if (cfg.checkpointDir == null) {
                local.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, temporaryCheckpointDir().toUri().toString());
            }
            // the heap backend writes its whole state at every checkpoint through this buffer: with
            // Flink's 4 KB, a large backfill's snapshots were a write call per 4 KB (a cluster
            // keeps its own setting)
            local.set(CheckpointingOptions.FS_WRITE_BUFFER_SIZE, CHECKPOINT_WRITE_BUFFER);
            // RocksDB, when asked for: its upper levels uncompressed (a cluster keeps its own; see
            // EMBEDDED_ROCKSDB_COMPRESSION)
            local.setString(ROCKSDB_COMPRESSION_PER_LEVEL, EMBEDDED_ROCKSDB_COMPRESSION);
            // Flink's embedded task manager allocates (and zeroes) all its network buffers at start:
            // 64 MB, a quarter of a second of a short run. The job needs far fewer, so it gets
            // localNetworkMemory, in buffers of localSegmentSize (a cluster keeps its own)
            int p = cfg.parallelism > 0 ? cfg.parallelism : env.getParallelism();
            boolean large = largeNetworkBuffers(cfg, p);
            MemorySize network = localNetworkMemory(p, large, cfg.fileReaders, cfg.readerHostsOnly());
            local.set(TaskManagerOptions.NETWORK_MEMORY_MIN, network);
            local.set(TaskManagerOptions.NETWORK_MEMORY_MAX, network);
            local.set(TaskManagerOptions.MEMORY_SEGMENT_SIZE, localSegmentSize(large));
            // a backfill's file readers keep within --reader-lead of each other (FileLines): Flink
            // pauses a reader that is ahead, which for a reader given one file at a time is all
            // the alignment there is. Without this task manager setting a file reader, which
            // cannot pause one split of several, fails the job instead (a cluster sets it in its
            // own configuration, deploy/; without it the readers are not aligned)
            local.set(PipelineOptions.ALLOW_UNALIGNED_SOURCE_SPLITS, true);
            env.configure(local);
        }
        if (cfg.parallelism > 0) env.setParallelism(cfg.parallelism);
        boolean clusterCheckpoints = env.getConfiguration().getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).isPresent();
        if (env instanceof LocalStreamEnvironment && shortBackfill(cfg)) {
            // no checkpoint: the outputs commit when the input ends (see shortBackfill)
        } else if (cfg.given(JobOptions.CHECKPOINT_INTERVAL) || !clusterCheckpoints) {
            env.enableCheckpointing(cfg.checkpointInterval.toMillis());
        }
        return env;
    }

    /**
     * Whether a run is a short backfill that an embedded run does without checkpoints: bounded
     * files in (no {@code --watch}), files out, no checkpoint option given, and at most
     * {@link LocalLauncher#QUICK_MAX_BYTES} of input ({@link LocalLauncher#inputBytes}). Such a run
     * ends long before the first of a backfill's checkpoints
     * ({@link JobOptions#DEFAULT_BOUNDED_CHECKPOINT_INTERVAL}), so its only checkpoint would be the
     * final one, which every task waits for before its outputs commit. Without checkpointing, the
     * file sinks commit when their input ends; a run that fails is not restarted (it is run again).
     */
    static boolean shortBackfill(JobConfig cfg) {
        if (cfg.unbounded || cfg.readsKafka() || !cfg.sink.equals("files") || cfg.checkpointDir != null
                || cfg.given(JobOptions.CHECKPOINT_INTERVAL)) {
            return false;
        }
        long bytes = LocalLauncher.inputBytes(cfg.inputs);
        return bytes >= 0 && bytes <= LocalLauncher.QUICK_MAX_BYTES;
    }

    /**
     * Whether an embedded run at parallelism {@code p} gets 256 KB network buffers
     * ({@link #localSegmentSize}): its input is files read by one reader
     * ({@link JobConfig#oneFileReader}) and {@code p} is at most {@link #LARGE_SEGMENTS_UP_TO}.
     *
     * <p>A buffer is handed to the next task when full, and a task waiting for input is woken for
     * it (a futex call on each side, a context switch): with 256 KB buffers a 13.6 M line backfill
     * of one host took 3-9 % less CPU on the heap backend, 2-5 % on RocksDB (BENCHMARKS.md). A
     * task needs buffers for each of its channels, and channels grow with the square of the
     * parallelism, so the large buffers stop at 4. A backfill of several hosts' files keeps Flink's
     * 32 KB buffers: each host's reader holds buffers of its own, and with 64 readers at
     * parallelism 2, 64 MB of 256 KB buffers stalled the job, while 16 MB of 32 KB ones ran it;
     * with 160 MB of 256 KB buffers it ran no faster.
     */
    static boolean largeNetworkBuffers(JobConfig cfg, int p) {
        return cfg.oneFileReader && Math.max(1, p) <= LARGE_SEGMENTS_UP_TO;
    }

    /**
     * An embedded run's network memory at parallelism {@code p}: with large buffers 16 MB per
     * parallel instance, else 8 MB, at most Flink's own default for an embedded run (64 MB). On
     * the sample, 256 KB buffers needed 5-8 MB at parallelism 1, 9-12 at 2 and 21-24 at 4, so
     * these leave at least twice what was needed; 32 KB buffers needed 4 MB at 2, 16 at 4 and 32 at 8.
     * At high parallelism the shuffles' channels, {@code p * p} each with a buffer at least, take
     * more: {@link #NETWORK_PER_CHANNEL_KB} per pair of subtasks (the sample needed 5-12 MB at 8,
     * 20-32 at 16 and 64-96 at 32, where Flink's 64 MB did not start it).
     */
    static MemorySize localNetworkMemory(int p, boolean large) {
        return localNetworkMemory(p, large, 1, false);
    }

    /**
     * The same for a backfill of {@code readers} file readers: more for each reader past the
     * first, per parallel instance ({@link #NETWORK_PER_READER_KB}, with a sequencer in each
     * reader's task {@link #NETWORK_PER_LANE_KB}). Each reader is a task of its own with channels
     * to every subtask behind it (the host sequencer's, or with a sequencer in each reader's task
     * the roll-up's, the relay linker's and the sinks'): 64 hosts' readers did not start in the
     * memory of one (BENCHMARKS.md).
     */
    static MemorySize localNetworkMemory(int p, boolean large, int readers, boolean sequencerPerReader) {
        long n = Math.max(1, p);
        long kb = Math.max(1024 * Math.min(64, (large ? 16L : 8L) * n), NETWORK_PER_CHANNEL_KB * n * n);
        kb += (Math.max(1, readers) - 1) * n * (sequencerPerReader ? NETWORK_PER_LANE_KB : NETWORK_PER_READER_KB);
        return new MemorySize(kb << 10);
    }

    /** An embedded run's network memory per pair of subtasks a shuffle connects (KB). */
    static final long NETWORK_PER_CHANNEL_KB = 160;
    /**
     * An embedded run's network memory per file reader past the first and per parallel instance
     * (KB): four times what 64 readers needed at parallelism 2 (at most 64 KB), and at least what
     * they needed at 32 (65-256 KB).
     */
    static final long NETWORK_PER_READER_KB = 256;
    /**
     * The same with a host sequencer in each reader's task, whose task sends to more: 64 readers
     * needed 257-384 KB at parallelism 2, at most 256 at 4 and 128 at 8, and 129-512 at 16; at 32
     * this and the channels' share ran them.
     */
    static final long NETWORK_PER_LANE_KB = 512;

    /** An embedded run's network buffer size: 256 KB when {@link #largeNetworkBuffers}, else Flink's 32 KB. */
    static MemorySize localSegmentSize(boolean large) {
        return large ? new MemorySize(256 << 10) : new MemorySize(32 << 10);
    }

    /** The highest parallelism at which an embedded run uses 256 KB network buffers. */
    static final int LARGE_SEGMENTS_UP_TO = 4;

    /** The write buffer of an embedded run's checkpoint files (bytes). */
    static final int CHECKPOINT_WRITE_BUFFER = 1 << 20;

    /** A folder for an embedded run's checkpoints, removed when the JVM exits. */
    private static Path temporaryCheckpointDir() {
        try {
            Path dir = Files.createTempDirectory("qmail-fleet-checkpoints-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> FileUtils.deleteDirectoryQuietly(dir.toFile())));
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create a checkpoint folder (give --checkpoint-dir)", e);
        }
    }

    /** The input's size in bytes, or -1 when a compressed file makes it unknown. */
    static long knownSize(List<String> inputs) {
        long total = 0;
        for (Path f : FileLines.list(inputs)) {
            if (FileLines.isCompressed(f)) return -1;
            try {
                total += Files.size(f);
            } catch (java.io.IOException e) {
                return -1;
            }
        }
        return total;
    }

    private static String absolute(String p) {
        return Path.of(p).toAbsolutePath().normalize().toString();
    }
}
