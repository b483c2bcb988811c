package io.qmailfleet.job.sink;

import io.qmailfleet.job.JobConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.flink.util.FileUtils;

/**
 * The {@code --output} folder. The job marks it as its own ({@value #MARK}) and replaces only the
 * folders of its outputs ({@link Outputs#ALL}) and {@code summary.json} in it, so a re-run does not
 * mix two runs' files. A non-empty folder without the mark is refused unless {@code --overwrite}
 * is given, so nothing the job did not write is deleted by mistake.
 */
public final class OutputFolder {
    /** The file that marks a folder as this job's output. */
    public static final String MARK = ".qmail-fleet-output";
    public static final String SUMMARY = "summary.json";

    private OutputFolder() {}

    /** Checks, without touching anything, that the job may write to {@code output}; throws IllegalArgumentException (one line) if not. */
    public static void check(String output, boolean overwrite) {
        if (output == null || output.isBlank()) throw new IllegalArgumentException("--output \"\": must name a folder");
        Path base = Path.of(output);
        if (Files.exists(base) && !Files.isDirectory(base)) {
            throw new IllegalArgumentException("--output " + output + " is a file, not a folder");
        }
        if (!Files.isDirectory(base) || overwrite || Files.exists(base.resolve(MARK))) return;
        boolean empty;
        try (Stream<Path> entries = Files.list(base)) {
            empty = entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new IllegalArgumentException("--output " + output + " cannot be read: " + e.getMessage());
        }
        if (!empty) {
            throw new IllegalArgumentException("--output " + output + " is not empty and was not written by this job"
                    + " (no " + MARK + "): choose a new or empty folder, or add --overwrite to replace its output folders");
        }
    }

    /** Checks, then marks the folder and replaces the job's output folders (present even when an output stays empty). */
    public static void prepare(JobConfig cfg) throws IOException {
        check(cfg.output, cfg.overwrite);
        Path base = Path.of(cfg.output);
        Files.createDirectories(base);
        Files.writeString(base.resolve(MARK), "output folder of qmail fleet analytics; its output folders are replaced on every run\n",
                StandardCharsets.UTF_8);
        for (Output<?> o : Outputs.ALL) {
            Path dir = base.resolve(o.name());
            if (Files.isDirectory(dir)) FileUtils.deleteDirectory(dir.toFile());
            else Files.deleteIfExists(dir);
            // so that "no dead letters" (or --events false) reads as an empty folder
            Files.createDirectories(dir);
        }
        Files.deleteIfExists(base.resolve(SUMMARY));
    }
}
