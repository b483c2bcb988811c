package io.qmailfleet.bench;

import java.nio.file.Files;
import java.nio.file.Path;

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
}
