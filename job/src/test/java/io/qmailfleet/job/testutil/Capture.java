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

/**
 * The real capture, read from the repository only: its logs are the bundled samples
 * ({@code samples/fleet/mail/send} multilog, {@code samples/syslog/maillog}, {@code samples/fleet/mail/smtpd}),
 * its ground truth and qmailanalog's outputs on the same log are in {@code testdata/real-capture-1}.
 */
public final class Capture {
    private Capture() {}

    /** The repository root ({@code -Dqmail.repo.dir}, else the parent of the module being tested). */
    public static Path repo() {
        String p = System.getProperty("qmail.repo.dir");
        return (p != null ? Path.of(p) : Path.of("..")).toAbsolutePath().normalize();
    }

    private static Path existing(Path p) {
        if (!Files.exists(p)) {
            throw new IllegalStateException("test data missing at " + p + " (it is part of the repository)");
        }
        return p;
    }

    /** Ground truth and qmailanalog's outputs: {@code testdata/real-capture-1}. */
    public static Path truthDir() {
        return existing(repo().resolve("testdata/real-capture-1"));
    }

    /** {@code lifecycles.json}: one record per life cycle, the capture's ground truth. */
    public static Path lifecyclesJson() {
        return existing(truthDir().resolve("lifecycles.json"));
    }

    /** One of qmailanalog's files on the same log ({@code matchup.in}, {@code matchup.out}, {@code zoverall.txt}, ...). */
    public static Path qmailanalog(String name) {
        return existing(truthDir().resolve("qmailanalog").resolve(name));
    }

    /** The multilog directory of qmail-send ({@code @*.s} files and {@code current}). */
    public static Path multilogDir() {
        return existing(repo().resolve("samples/fleet/mail/send"));
    }

    /**
     * The capture's multilog directory copied under {@code dir} as each host's
     * {@code <host>/send}, so that a backfill of {@code dir} reads several hosts' files; returns {@code dir}.
     */
    public static Path multilogAsHosts(Path dir, String... hosts) {
        try {
            for (String host : hosts) {
                Path send = Files.createDirectories(dir.resolve(host).resolve("send"));
                try (Stream<Path> files = Files.list(multilogDir())) {
                    for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, send.resolve(f.getFileName().toString()));
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The same log through splogger and rsyslog (RFC 3164 traditional format, 4527 lines). */
    public static Path syslogFile() {
        return existing(repo().resolve("samples/syslog/maillog"));
    }

    /** The multilog files in the order they were written: {@code @*.s} by name, then {@code current}. */
    public static List<Path> multilogFiles() {
        try (Stream<Path> s = Files.list(multilogDir())) {
            List<Path> files = s.filter(f -> f.getFileName().toString().startsWith("@")).sorted().collect(Collectors.toList());
            files.add(multilogDir().resolve("current"));
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
        return lines(syslogFile(), null);
    }

    /** The 21 tcpserver lines. */
    public static List<RawLine> smtpd(String host) {
        return lines(existing(repo().resolve("samples/fleet/mail/smtpd/current")), host);
    }
}
