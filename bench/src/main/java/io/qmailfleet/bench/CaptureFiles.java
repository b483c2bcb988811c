package io.qmailfleet.bench;

import io.qmailfleet.job.source.LogFileOrder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finds the real capture: -Dqmail.capture.dir, else ../shared/qmail/real-capture-1 from the repository root. */
final class CaptureFiles {
    private CaptureFiles() {}

    static Path captureDir() {
        String p = System.getProperty("qmail.capture.dir");
        Path dir = p != null ? Path.of(p) : Path.of("..", "shared", "qmail", "real-capture-1");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("real capture not found at " + dir.toAbsolutePath()
                    + "; run from the repository root or pass -Dqmail.capture.dir=...");
        }
        return dir;
    }

    /** Every line of a multilog directory, its files in the job's own read order ({@link LogFileOrder}). */
    static List<String> multilogLines(Path multilogDir) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(multilogDir)) {
            for (Path f : files.sorted((a, b) -> LogFileOrder.INSTANCE.compare(a.toString(), b.toString())).toList()) {
                lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        }
        return lines;
    }
}
