package io.qmailfleet.job.parse;

import io.qmailfleet.job.model.RawLine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Reads the real capture (system property {@code qmail.capture.dir}). */
final class Capture {
    private Capture() {}

    static Path dir() {
        String d = System.getProperty("qmail.capture.dir");
        if (d == null) throw new IllegalStateException("system property qmail.capture.dir is not set");
        Path p = Paths.get(d);
        if (!Files.isDirectory(p)) throw new IllegalStateException("capture directory missing: " + p);
        return p;
    }

    /** The multilog files in name order ({@code @*.s} sort before {@code current}). */
    static List<Path> multilogFiles() {
        try (Stream<Path> s = Files.list(dir().resolve("multilog"))) {
            List<Path> files = s.filter(f -> f.getFileName().toString().startsWith("@")).sorted().collect(Collectors.toList());
            files.add(dir().resolve("multilog/current"));
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<RawLine> lines(Path file, String host) {
        try {
            List<String> text = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<RawLine> out = new ArrayList<>(text.size());
            for (int i = 0; i < text.size(); i++) out.add(new RawLine(text.get(i), host, "file:" + file, i));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<RawLine> multilog(String host) {
        List<RawLine> out = new ArrayList<>();
        for (Path f : multilogFiles()) out.addAll(lines(f, host));
        return out;
    }

    static List<RawLine> syslog() {
        return lines(dir().resolve("syslog/maillog"), null);
    }

    static List<RawLine> smtpd(String host) {
        return lines(dir().resolve("smtpd/current"), host);
    }
}
