package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.testutil.Capture;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.PredefinedOptions;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBResourceContainer;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.CompressionType;
import org.rocksdb.RocksDB;

/**
 * The job's environment keeps a cluster's state backend and checkpointing unless an option asks
 * otherwise. The cluster is stood in for the way {@code flink run} does it: a context environment
 * whose configuration is the cluster's, with the program's settings applied on top.
 */
class EnvironmentTest {
    /** Installs (and removes) the context environment. */
    static final class ClusterContext extends StreamExecutionEnvironment {
        static void install(Configuration cluster) {
            initializeContextEnvironment(program -> {
                Configuration merged = new Configuration(cluster);
                merged.addAll(program);
                return new StreamExecutionEnvironment(merged);
            });
        }

        static void reset() {
            resetContextEnvironment();
        }
    }

    @AfterEach
    void reset() {
        ClusterContext.reset();
    }

    private static Configuration cluster() {
        Configuration c = new Configuration();
        c.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMinutes(1));
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "file:///cluster/checkpoints");
        return c;
    }

    private static JobConfig cfg(String... args) {
        return JobConfig.from(CliArgs.parse(args));
    }

    @Test
    void anEmbeddedRunCheckpointsToAFolderNotToTheJobManagersMemory() {
        StreamExecutionEnvironment env = Main.environment(cfg("--quiet"));
        String dir = env.getConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
        assertTrue(dir != null && dir.startsWith("file:/"), "checkpoint folder: " + dir);
        assertTrue(java.nio.file.Files.isDirectory(java.nio.file.Path.of(java.net.URI.create(dir))), dir);
        assertEquals("file:///mine", Main.environment(cfg("--quiet", "--checkpoint-dir", "file:///mine"))
                .getConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
        // its checkpoint files are written through a 1 MB buffer, with or without --checkpoint-dir
        assertEquals(1 << 20, env.getConfiguration().get(CheckpointingOptions.FS_WRITE_BUFFER_SIZE));
        assertEquals(1 << 20, Main.environment(cfg("--quiet", "--checkpoint-dir", "file:///mine"))
                .getConfiguration().get(CheckpointingOptions.FS_WRITE_BUFFER_SIZE));
    }

    @Test
    void anEmbeddedRunOfOneReaderHasLargeNetworkBuffersAndOnlyAsManyAsItsParallelismNeeds() {
        // Flink's embedded default is 64 MB of 32 KB buffers, allocated and zeroed at start
        // (LocalJarIT runs the sample at 1, 3 and 8 with these); the default input is the
        // bundled capture, one host's files: one reader
        StreamExecutionEnvironment two = Main.environment(cfg("--quiet", "--parallelism", "2"));
        assertEquals(MemorySize.ofMebiBytes(32), two.getConfiguration().get(TaskManagerOptions.NETWORK_MEMORY_MAX));
        assertEquals(new MemorySize(256 << 10), two.getConfiguration().get(TaskManagerOptions.MEMORY_SEGMENT_SIZE));
        StreamExecutionEnvironment three = Main.environment(cfg("--quiet", "--parallelism", "3"));
        assertEquals(MemorySize.ofMebiBytes(48), three.getConfiguration().get(TaskManagerOptions.NETWORK_MEMORY_MIN));
        assertEquals(new MemorySize(256 << 10), three.getConfiguration().get(TaskManagerOptions.MEMORY_SEGMENT_SIZE));
        JobConfig sample = cfg("--quiet");
        StreamExecutionEnvironment cores = Main.environment(sample);
        boolean large = Main.largeNetworkBuffers(sample, cores.getParallelism());
        assertEquals(Main.localNetworkMemory(cores.getParallelism(), large), cores.getConfiguration().get(TaskManagerOptions.NETWORK_MEMORY_MAX),
                "without --parallelism: the embedded cluster's, one per core");
        assertEquals(Main.localSegmentSize(large), cores.getConfiguration().get(TaskManagerOptions.MEMORY_SEGMENT_SIZE));
        // 256 KB buffers up to parallelism 4, with at least twice the buffers the sample needed
        // (8 MB at 1, 12 at 2, 24 at 4)
        assertTrue(Main.largeNetworkBuffers(sample, 4));
        assertEquals(MemorySize.ofMebiBytes(16), Main.localNetworkMemory(1, true));
        assertEquals(MemorySize.ofMebiBytes(64), Main.localNetworkMemory(4, true));
        // beyond, Flink's 32 KB buffers (as many as 256 KB ones would not fit), 8 MB per instance
        assertFalse(Main.largeNetworkBuffers(sample, 5));
        StreamExecutionEnvironment five = Main.environment(cfg("--quiet", "--parallelism", "5"));
        assertEquals(new MemorySize(32 << 10), five.getConfiguration().get(TaskManagerOptions.MEMORY_SEGMENT_SIZE));
        assertEquals(MemorySize.ofMebiBytes(40), five.getConfiguration().get(TaskManagerOptions.NETWORK_MEMORY_MAX));
        assertEquals(MemorySize.ofMebiBytes(64), Main.localNetworkMemory(8, false));
        assertEquals(MemorySize.ofMebiBytes(64), Main.localNetworkMemory(16, false));
        // the shuffles' p * p channels: at 32 the sample did not start in Flink's 64 MB
        assertEquals(MemorySize.ofMebiBytes(160), Main.localNetworkMemory(32, false));
        // each file reader past the first has channels to every subtask behind it, more with a
        // sequencer in its task (LocalJarIT starts 64 readers each way at parallelism 2)
        assertEquals(new MemorySize((16L << 20) + 63 * 2 * (256L << 10)), Main.localNetworkMemory(2, false, 64, false));
        assertEquals(new MemorySize((16L << 20) + 63 * 2 * (512L << 10)), Main.localNetworkMemory(2, false, 64, true));
        assertEquals(Main.localNetworkMemory(2, false), Main.localNetworkMemory(2, false, 1, true));
        // a cluster keeps its own buffers
        ClusterContext.install(cluster());
        ReadableConfig onCluster = Main.environment(cfg("--quiet", "--parallelism", "2")).getConfiguration();
        assertTrue(onCluster.getOptional(TaskManagerOptions.MEMORY_SEGMENT_SIZE).isEmpty());
        assertTrue(onCluster.getOptional(TaskManagerOptions.NETWORK_MEMORY_MAX).isEmpty());
    }

    @Test
    void anEmbeddedRunOfSeveralReadersOrOfKafkaKeepsFlinksBuffers(@TempDir Path dir) throws Exception {
        // two hosts' files: a reader per host, each holding buffers of its own (with 64 of them,
        // 64 MB of 256 KB buffers stalled the job)
        Capture.multilogAsHosts(dir, "mx1", "mx2");
        JobConfig twoHosts = cfg("--quiet", "--input", dir.toString(), "--parallelism", "2");
        assertTrue(twoHosts.readerPerHost);
        assertFalse(twoHosts.oneFileReader);
        ReadableConfig conf = Main.environment(twoHosts).getConfiguration();
        assertEquals(new MemorySize(32 << 10), conf.get(TaskManagerOptions.MEMORY_SEGMENT_SIZE));
        // 8 MB per instance, and 256 KB per instance for the second reader
        assertEquals(new MemorySize((16L << 20) + 2 * (256 << 10)), conf.get(TaskManagerOptions.NETWORK_MEMORY_MAX));
        // the readers keep within --reader-lead of each other (ReaderLeadTest); a file reader
        // cannot pause one of its splits, so Flink pauses the reader as a whole (it is given one
        // file at a time) instead of failing the job
        assertTrue(conf.get(PipelineOptions.ALLOW_UNALIGNED_SOURCE_SPLITS));
        // one host's files in the same layout: one reader
        JobConfig oneHost = cfg("--quiet", "--input", dir.resolve("mx1").toString(), "--parallelism", "2");
        assertTrue(oneHost.oneFileReader);
        assertEquals(new MemorySize(256 << 10), Main.environment(oneHost).getConfiguration().get(TaskManagerOptions.MEMORY_SEGMENT_SIZE));
        // live Kafka input
        JobConfig kafka = cfg("--quiet", "--kafka-bootstrap", "localhost:9", "--parallelism", "2");
        assertFalse(kafka.oneFileReader);
        assertEquals(new MemorySize(32 << 10), Main.environment(kafka).getConfiguration().get(TaskManagerOptions.MEMORY_SEGMENT_SIZE));
        // files watched for new ones: one reader
        assertTrue(cfg("--quiet", "--input", dir.toString(), "--watch", "10s").oneFileReader);
        // a cluster's task managers have their own setting (deploy/ sets it); the job adds none
        ClusterContext.install(cluster());
        assertTrue(Main.environment(twoHosts).getConfiguration().getOptional(PipelineOptions.ALLOW_UNALIGNED_SOURCE_SPLITS).isEmpty());
    }

    /** The compression per level RocksDB is opened with under {@code conf} (as the backend makes its column options). */
    private static java.util.List<CompressionType> rocksDbCompression(ReadableConfig conf) throws Exception {
        RocksDB.loadLibrary();
        try (RocksDBResourceContainer c = new RocksDBResourceContainer(conf, PredefinedOptions.DEFAULT, null, null, null, false)) {
            return c.getColumnOptions().compressionPerLevel();
        }
    }

    @Test
    void anEmbeddedRunsRocksDbLeavesItsUpperLevelsUncompressed() throws Exception {
        ReadableConfig embedded = Main.environment(cfg("--quiet", "--state-backend", "rocksdb")).getConfiguration();
        assertEquals(java.util.List.of(CompressionType.NO_COMPRESSION, CompressionType.NO_COMPRESSION,
                CompressionType.LZ4_COMPRESSION), rocksDbCompression(embedded));
        // a cluster's RocksDB keeps its own (here Flink's default, Snappy on every level)
        ClusterContext.install(cluster());
        ReadableConfig onCluster = Main.environment(cfg("--quiet", "--state-backend", "rocksdb")).getConfiguration();
        assertFalse(onCluster.getOptional(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL).isPresent());
        assertEquals(java.util.List.of(CompressionType.SNAPPY_COMPRESSION), rocksDbCompression(onCluster));
    }

    @Test
    void aClustersNetworkMemoryIsItsOwn() {
        ClusterContext.install(cluster());
        assertFalse(Main.environment(cfg("--quiet", "--parallelism", "2")).getConfiguration()
                .getOptional(TaskManagerOptions.NETWORK_MEMORY_MAX).isPresent());
    }

    @Test
    void theClustersStateBackendAndCheckpointingAreKept() {
        ClusterContext.install(cluster());
        StreamExecutionEnvironment env = Main.environment(cfg("--quiet"));
        assertEquals(60_000L, env.getCheckpointInterval());
        assertEquals("rocksdb", env.getConfiguration().get(StateBackendOptions.STATE_BACKEND));
        assertEquals("file:///cluster/checkpoints", env.getConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
        assertEquals(CheckpointingOptions.FS_WRITE_BUFFER_SIZE.defaultValue(),
                env.getConfiguration().get(CheckpointingOptions.FS_WRITE_BUFFER_SIZE), "the cluster's write buffer");
        assertFalse(env.getConfiguration().get(PipelineOptions.GENERIC_TYPES), "Kryo is always off");
    }

    @Test
    void optionsOverrideTheCluster() {
        ClusterContext.install(cluster());
        StreamExecutionEnvironment env = Main.environment(cfg("--checkpoint-interval", "3s", "--state-backend", "hashmap",
                "--checkpoint-dir", "file:///mine", "--max-parallelism", "64", "--parallelism", "2", "--quiet"));
        assertEquals(3_000L, env.getCheckpointInterval());
        assertEquals("hashmap", env.getConfiguration().get(StateBackendOptions.STATE_BACKEND));
        assertEquals("file:///mine", env.getConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
        assertEquals(64, env.getMaxParallelism());
        assertEquals(2, env.getParallelism());
    }

    @Test
    void aShortEmbeddedBackfillTakesNoCheckpointUnlessAsked(@TempDir Path tmp) throws Exception {
        String sample = Capture.repo().resolve(JobConfig.DEFAULT_SAMPLE).toString();
        // the README's run: at most 128 MB of files in, files out, no checkpoint option
        StreamExecutionEnvironment env = Main.environment(cfg("--input", sample, "--quiet"));
        assertFalse(env.getCheckpointConfig().isCheckpointingEnabled(), "its only checkpoint would be the final one");
        // asked for: kept
        assertEquals(120_000L, Main.environment(cfg("--input", sample, "--quiet", "--checkpoint-interval", "2m"))
                .getCheckpointInterval());
        assertEquals(120_000L, Main.environment(cfg("--input", sample, "--quiet", "--checkpoint-dir", tmp.toUri().toString()))
                .getCheckpointInterval());
        // files into Kafka: its transactions commit at checkpoints
        assertEquals(120_000L, Main.environment(cfg("--input", sample, "--quiet", "--sink", "kafka",
                "--kafka-bootstrap", "localhost:9092")).getCheckpointInterval());
        // a live run (--watch) checkpoints, as does a Kafka backfill
        assertEquals(10_000L, Main.environment(cfg("--input", sample, "--quiet", "--watch", "1s")).getCheckpointInterval());
        assertEquals(120_000L, Main.environment(cfg("--kafka-bootstrap", "localhost:9092", "--bounded", "true", "--quiet"))
                .getCheckpointInterval());
        // more than the launcher's quick size: a backfill long enough for its checkpoints to bound
        // the work a failure redoes
        Path big = Files.createDirectories(tmp.resolve("in/mail01")).resolve("current");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(LocalLauncher.QUICK_MAX_BYTES + 1); // sparse: no disk used
        }
        assertEquals(120_000L, Main.environment(cfg("--input", tmp.resolve("in").toString(), "--quiet")).getCheckpointInterval());
        assertTrue(Main.shortBackfill(cfg("--input", sample)));
        assertFalse(Main.shortBackfill(cfg("--input", tmp.resolve("in").toString())));
    }

    @Test
    void withoutAClusterConfigurationTheJobsDefaultsApply() {
        ClusterContext.install(new Configuration());
        assertEquals(120_000L, Main.environment(cfg("--quiet")).getCheckpointInterval(), "files: 2m, as --help says");
        assertEquals(10_000L, Main.environment(cfg("--kafka-bootstrap", "localhost:9092", "--quiet")).getCheckpointInterval(),
                "unbounded Kafka input: 10s, as --help says");
        assertEquals(120_000L, Main.environment(cfg("--kafka-bootstrap", "localhost:9092", "--bounded", "true", "--quiet"))
                .getCheckpointInterval(), "a bounded Kafka backfill: 2m");
    }

    @Test
    void rocksDbTimersAreTheClustersUnlessAsked() {
        ClassLoader cl = getClass().getClassLoader();
        // embedded, not asked: Flink's default, timers in RocksDB
        ReadableConfig embedded = Main.environment(cfg("--quiet", "--state-backend", "rocksdb")).getConfiguration();
        assertEquals(EmbeddedRocksDBStateBackend.PriorityQueueStateType.ROCKSDB,
                new EmbeddedRocksDBStateBackend().configure(embedded, cl).getPriorityQueueStateType());
        // asked: the backend the job's configuration makes keeps its timers on the heap
        ReadableConfig heap = Main.environment(cfg("--quiet", "--state-backend", "rocksdb", "--rocksdb-timers", "heap"))
                .getConfiguration();
        assertEquals(EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP,
                new EmbeddedRocksDBStateBackend().configure(heap, cl).getPriorityQueueStateType());
        // embedded, without RocksDB: the option would do nothing, so it is a usage error
        assertEquals("--rocksdb-timers is for --state-backend rocksdb (an embedded run keeps its state on the heap)",
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> Main.environment(cfg("--quiet", "--rocksdb-timers", "heap"))).getMessage());
        // a cluster's own setting is kept, and an option overrides it
        Configuration c = cluster();
        c.set(RocksDBOptions.TIMER_SERVICE_FACTORY, EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP);
        ClusterContext.install(c);
        assertEquals(EmbeddedRocksDBStateBackend.PriorityQueueStateType.HEAP,
                Main.environment(cfg("--quiet")).getConfiguration().get(RocksDBOptions.TIMER_SERVICE_FACTORY));
        assertEquals(EmbeddedRocksDBStateBackend.PriorityQueueStateType.ROCKSDB,
                Main.environment(cfg("--quiet", "--rocksdb-timers", "rocksdb")).getConfiguration()
                        .get(RocksDBOptions.TIMER_SERVICE_FACTORY));
    }
}
