package io.qmailfleet.job.source;

import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.model.RawLine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The file source: one reader (parallelism 1) that takes the files in {@link LogFileOrder}, so each
 * host's lines come out in the order they were written, across rotations.
 */
public final class FileLines {
    private FileLines() {}

    public static DataStream<RawLine> stream(StreamExecutionEnvironment env, JobConfig cfg) {
        List<String> dirs = new ArrayList<>();
        List<org.apache.flink.core.fs.Path> paths = new ArrayList<>();
        for (String in : cfg.inputs) {
            String abs = absolute(in);
            if (Files.isDirectory(Path.of(abs))) dirs.add(abs);
            paths.add(new org.apache.flink.core.fs.Path(abs));
        }
        FileSource.FileSourceBuilder<RawLine> builder = FileSource
                .forBulkFileFormat(new LogLineFormat(new HostRule(cfg.host, dirs)),
                        paths.toArray(new org.apache.flink.core.fs.Path[0]))
                .setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(FileLines::isLogFile))
                .setSplitAssigner(OrderedSplitAssigner::new);
        // --watch: unbounded, new files are picked up as they appear (the source remembers, in its
        // checkpointed state, which files it has read)
        if (cfg.watch != null) builder.monitorContinuously(cfg.watch);
        FileSource<RawLine> source = builder.build();
        return env.fromSource(source, FleetPipeline.watermarks(cfg), "log files")
                .uid("file-source").setParallelism(1);
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
