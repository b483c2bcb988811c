package io.qmailfleet.job.source;

import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.model.RawLine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The file source. A backfill (no {@code --watch}) whose files belong to more than one host (by
 * {@link HostRule}: one directory per host) reads each host's files with a reader of its own, all
 * at the same time ({@link #readers}; the pipeline joins their parsed lines): one reader would read
 * one host to its end before the next, so the watermark (the fleet's clock for everything judged
 * across hosts, such as the fleet-wide paging rules) would run to the end of the first host while
 * the others had not been read, and every window of the others would come after it had been
 * judged: a domain outage seen by two hosts paged twice. With a reader per host the watermark is
 * the slowest host's, as it is live where all hosts log at the same time. Each reader takes its
 * host's files in {@link LogFileOrder} (rotations in order); within a reader lines keep their
 * order, and each host's lines come from one reader. Up to {@link #MAX_READERS} readers; a larger
 * fleet's hosts share them (each reader reads its hosts one after the other). A single host, or
 * {@code --watch} (files picked up as they are written, so already in the order the hosts wrote
 * them), is one reader of everything.
 */
public final class FileLines {
    private FileLines() {}

    /** The watermark alignment group of a backfill's readers. */
    public static final String ALIGNMENT_GROUP = "file-readers";
    /**
     * How often the readers' watermarks are compared. A reader covers hours of a quiet host's log
     * time in a second; compared once a second (Flink's default), readers at the lead waited most
     * of that second (BENCHMARKS.md).
     */
    static final Duration ALIGNMENT_UPDATE = Duration.ofMillis(200);

    /**
     * Whether a backfill's readers are aligned: only where the task managers let Flink pause a
     * file reader as a whole ({@code pipeline.watermark-alignment.allow-unaligned-source-splits},
     * which an embedded run sets and deploy/'s cluster configurations set). A file reader cannot
     * pause one of its splits, so elsewhere the first pause would fail the job.
     */
    static boolean aligns(StreamExecutionEnvironment env) {
        return env.getConfiguration().get(PipelineOptions.ALLOW_UNALIGNED_SOURCE_SPLITS);
    }

    /** The most readers a backfill starts, one per host up to this many. */
    public static final int MAX_READERS = 64;

    /**
     * The readers of {@code cfg.inputs}, each a stream of its own: one per host of a backfill of
     * several hosts' files (see the class comment), else one. They are handed to the pipeline as
     * they are, so that what comes after a reader (the progress probe, the parser and its events
     * sink) runs in the reader's own task, chained to it: a join of the readers would have to be
     * read in a task of its own, every raw line serialized to reach it.
     */
    public static List<DataStream<RawLine>> readers(StreamExecutionEnvironment env, JobConfig cfg) {
        List<org.apache.flink.core.fs.Path> paths = new ArrayList<>();
        for (String in : cfg.inputs) paths.add(new org.apache.flink.core.fs.Path(absolute(in)));
        HostRule hosts = hostRule(cfg.inputs, cfg.host);
        if (cfg.watch == null) {
            List<List<org.apache.flink.core.fs.Path>> readers = readers(list(cfg.inputs), hosts);
            if (readers.size() > 1) {
                // every reader is bounded and ends with the final watermark; none is ever idle (a
                // reader that waited on backpressure must not let the others' clock run past it).
                // A reader whose watermark runs more than --reader-lead ahead of the slowest one
                // waits (watermark alignment): what a host ahead sends waits downstream for the
                // watermark (its windows, its relay sides), so without the bound a reader that
                // gets ahead, or a host whose clock runs days ahead, fills memory with it
                WatermarkStrategy<RawLine> w = FleetPipeline.watermarks(cfg, null);
                if (aligns(env)) w = w.withWatermarkAlignment(ALIGNMENT_GROUP, cfg.readerLead, ALIGNMENT_UPDATE);
                List<DataStream<RawLine>> out = new ArrayList<>();
                for (int i = 0; i < readers.size(); i++) {
                    out.add(env.fromSource(source(hosts, readers.get(i), null), w, "log files " + (i + 1))
                            .uid("file-source-" + (i + 1)).setParallelism(1));
                }
                return out;
            }
        }
        return List.of(env.fromSource(source(hosts, paths, cfg.watch), FleetPipeline.watermarks(cfg), "log files")
                .uid("file-source").setParallelism(1));
    }

    private static FileSource<RawLine> source(HostRule hosts, List<org.apache.flink.core.fs.Path> paths, Duration watch) {
        FileSource.FileSourceBuilder<RawLine> builder = FileSource
                .forBulkFileFormat(new LogLineFormat(hosts), paths.toArray(new org.apache.flink.core.fs.Path[0]))
                .setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(FileLines::isLogFile))
                .setSplitAssigner(OrderedSplitAssigner::new);
        // --watch: unbounded, new files are picked up as they appear (the source remembers, in its
        // checkpointed state, which files it has read)
        if (watch != null) builder.monitorContinuously(watch);
        return builder.build();
    }

    /** The rule that names each file's host: {@code --host}, else the input directory it is under. */
    private static HostRule hostRule(List<String> inputs, String fixedHost) {
        List<String> dirs = new ArrayList<>();
        for (String in : inputs) {
            String abs = absolute(in);
            if (Files.isDirectory(Path.of(abs))) dirs.add(abs);
        }
        return new HostRule(fixedHost, dirs);
    }

    /**
     * How many hosts (by {@link HostRule}) the {@code files} of a backfill of {@code inputs}
     * ({@link #list}) belong to. {@link #readers} without {@code --watch} reads each host's files
     * with a reader of its own up to {@link #MAX_READERS} hosts: then the watermark is the slowest
     * host's, and every host in step with it has sent what it has for a time before the watermark
     * passes it ({@link io.qmailfleet.job.JobConfig#readerPerHost}). One host's files are one
     * reader, in one task at parallelism 1, where the host sequencer can run
     * ({@link io.qmailfleet.job.JobConfig#sequencerInReader}).
     */
    public static int hosts(List<Path> files, List<String> inputs, String fixedHost) {
        return byHost(files, hostRule(inputs, fixedHost)).size();
    }

    /**
     * Whether every one of {@code files} ({@link #list}) is multilog's: its first line (after any blank
     * ones) is {@code @} and a TAI64N label. Such lines name no host of their own, so each line's
     * host is its file's ({@link HostRule}), and each host's lines are in one reader's files: a
     * backfill of several hosts can then sequence each host in its reader's task
     * ({@link io.qmailfleet.job.JobConfig#sequencerInReader}). Syslog lines and shippers' envelopes
     * name their own hosts, which need not be their directory's. Compressed files are read through
     * their decompressor; a file that cannot be read answers false (the source then says why).
     */
    public static boolean multilogOnly(List<Path> files) {
        for (Path f : files) {
            if (!startsMultilog(f)) return false;
        }
        return true;
    }

    /** The longest first line read to decide: blank lines and then {@code @} and 24 hex digits fit easily. */
    private static final int PEEK_BYTES = 4096;

    static boolean startsMultilog(Path file) {
        var factory = org.apache.flink.connector.file.src.compression.StandardDeCompressors
                .getDecompressorForFileName(file.getFileName().toString());
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = factory == null ? raw : factory.create(raw)) {
            byte[] b = in.readNBytes(PEEK_BYTES);
            int i = 0;
            while (i < b.length && (b[i] == '\n' || b[i] == '\r' || b[i] == ' ' || b[i] == '\t')) i++;
            if (i == b.length) return b.length < PEEK_BYTES; // an empty or blank file has no line of another host
            if (b[i] != '@' || b.length - i < 25) return false;
            for (int k = i + 1; k <= i + 24; k++) {
                if (Character.digit(b[k], 16) < 0) return false;
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Each host's files, in host order. */
    private static TreeMap<String, List<org.apache.flink.core.fs.Path>> byHost(List<Path> files, HostRule hosts) {
        TreeMap<String, List<org.apache.flink.core.fs.Path>> byHost = new TreeMap<>();
        for (Path f : files) {
            byHost.computeIfAbsent(hosts.hostFor(f.toString()), h -> new ArrayList<>())
                    .add(new org.apache.flink.core.fs.Path(f.toString()));
        }
        return byHost;
    }

    /**
     * The files of each reader: one reader per host (in host order) while there are at most
     * {@link #MAX_READERS} hosts, else the hosts dealt round the readers; a host's files always go
     * to one reader.
     */
    static List<List<org.apache.flink.core.fs.Path>> readers(List<Path> files, HostRule hosts) {
        List<List<org.apache.flink.core.fs.Path>> readers = new ArrayList<>();
        int i = 0;
        for (List<org.apache.flink.core.fs.Path> hostFiles : byHost(files, hosts).values()) {
            if (readers.size() < MAX_READERS) readers.add(new ArrayList<>());
            readers.get(i++ % MAX_READERS).addAll(hostFiles);
        }
        return readers;
    }

    /** Skips hidden files and the control files multilog keeps beside its logs (also applied to directories). */
    public static boolean isLogFile(org.apache.flink.core.fs.Path p) {
        return isLogName(p.getName());
    }

    static boolean isLogName(String name) {
        return !name.startsWith(".") && !name.startsWith("_") && !LogFileOrder.isMultilogControlFile(name);
    }

    /**
     * The log files the source will read under {@code inputs}, with the same filter (applied to
     * every directory level below an input, as the source's enumerator does).
     */
    public static List<Path> list(List<String> inputs) {
        List<Path> files = new ArrayList<>();
        for (String in : inputs) {
            Path root = Path.of(absolute(in));
            if (Files.isRegularFile(root)) {
                if (isLogName(root.getFileName().toString())) files.add(root);
                continue;
            }
            if (!Files.isDirectory(root)) continue;
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(Files::isRegularFile).filter(p -> {
                    for (Path part : root.relativize(p)) {
                        if (!isLogName(part.toString())) return false;
                    }
                    return true;
                }).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    /** True for files the reader decompresses, whose size says nothing about the bytes it will read. */
    public static boolean isCompressed(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".gz") || n.endsWith(".bz2") || n.endsWith(".xz") || n.endsWith(".deflate") || n.endsWith(".zst");
    }

    private static String absolute(String p) {
        return Path.of(p).toAbsolutePath().normalize().toString();
    }
}
