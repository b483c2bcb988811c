package io.qmailfleet.bench;

import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.ParseOutcome;
import io.qmailfleet.job.parse.ParserConfig;
import io.qmailfleet.job.parse.QmailLineParser;
import io.qmailfleet.job.source.LogFileOrder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bundled real capture: {@code samples/fleet/mail/send} (multilog) and {@code samples/syslog/maillog}
 * in the repository, found from the working directory (the repository root, or a module folder
 * beneath it), or from {@code -Dqmail.repo.dir}.
 */
final class CaptureFiles {
    private CaptureFiles() {}

    static Path repo() {
        String p = System.getProperty("qmail.repo.dir");
        List<Path> candidates = new ArrayList<>();
        Path cwd = Path.of("").toAbsolutePath();
        if (p != null) candidates.add(Path.of(p).toAbsolutePath());
        else {
            candidates.add(cwd);
            if (cwd.getParent() != null) candidates.add(cwd.getParent());
        }
        for (Path c : candidates) if (Files.isDirectory(c.resolve("samples/fleet/mail/send"))) return c.normalize();
        throw new IllegalStateException("bundled capture not found under " + candidates
                + "; run from the repository root or pass -Dqmail.repo.dir=...");
    }

    /** The multilog directory of the capture's qmail-send log. */
    static Path multilogDir() {
        return repo().resolve("samples/fleet/mail/send");
    }

    /** The same log through splogger and rsyslog. */
    static Path syslogFile() {
        return repo().resolve("samples/syslog/maillog");
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

    /**
     * The capture's multilog lines parsed as the job's parser makes them, each tagged as the file
     * source tags a line: {@code host}, the file's URI as its origin, its position.
     */
    static QmailEvent[] parsedMultilog(String host) throws IOException {
        QmailLineParser parser = new QmailLineParser(new ParserConfig());
        List<QmailEvent> all = new ArrayList<>();
        String origin = "file:" + multilogDir().resolve("current");
        long position = 0;
        for (String l : multilogLines(multilogDir())) {
            ParseOutcome o = parser.parse(new RawLine(l, host, origin, position++));
            if (o.event == null) throw new IllegalStateException("capture line does not parse: " + l);
            all.add(o.event);
        }
        return all.toArray(new QmailEvent[0]);
    }
}
