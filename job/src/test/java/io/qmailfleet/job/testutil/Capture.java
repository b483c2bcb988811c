package io.qmailfleet.job.testutil;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the real capture (../shared/qmail/real-capture-1) and the repository root are. */
public final class Capture {
    private Capture() {}

    public static Path dir() {
        String p = System.getProperty("qmail.capture.dir");
        Path dir = p != null ? Path.of(p) : Path.of("../../shared/qmail/real-capture-1");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("real capture not found at " + dir.toAbsolutePath()
                    + " (set -Dqmail.capture.dir; it lives in shared/qmail/real-capture-1 beside the repository)");
        }
        return dir.toAbsolutePath().normalize();
    }

    public static Path repo() {
        String p = System.getProperty("qmail.repo.dir");
        return (p != null ? Path.of(p) : Path.of("..")).toAbsolutePath().normalize();
    }
}
