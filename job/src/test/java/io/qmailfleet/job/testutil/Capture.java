package io.qmailfleet.job.testutil;

import io.qmailfleet.job.model.RawLine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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

    /** The multilog files in the order they were written: {@code @*.s} by name, then {@code current}. */
    public static List<Path> multilogFiles() {
        try (Stream<Path> s = Files.list(dir().resolve("multilog"))) {
            List<Path> files = s.filter(f -> f.getFileName().toString().startsWith("@")).sorted().collect(Collectors.toList());
            files.add(dir().resolve("multilog/current"));
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One file's lines with the given transport host and their 1-based line numbers. */
    public static List<RawLine> lines(Path file, String host) {
        try {
            List<String> text = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<RawLine> out = new ArrayList<>(text.size());
            for (int i = 0; i < text.size(); i++) out.add(new RawLine(text.get(i), host, "file:" + file, i + 1));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The 4526 qmail-send lines of the multilog capture, in order. */
    public static List<RawLine> multilog(String host) {
        List<RawLine> out = new ArrayList<>();
        for (Path f : multilogFiles()) out.addAll(lines(f, host));
        return out;
    }

    /** The 4527 lines of the syslog capture (host from each line). */
    public static List<RawLine> syslog() {
        return lines(dir().resolve("syslog/maillog"), null);
    }

    /** The 21 tcpserver lines. */
    public static List<RawLine> smtpd(String host) {
        return lines(dir().resolve("smtpd/current"), host);
    }
}
