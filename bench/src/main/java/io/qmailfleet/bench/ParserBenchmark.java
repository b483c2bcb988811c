package io.qmailfleet.bench;

import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.ParseOutcome;
import io.qmailfleet.job.parse.ParserConfig;
import io.qmailfleet.job.source.LogFileOrder;
import io.qmailfleet.job.parse.QmailLineParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Single-thread parser throughput on the bundled real capture ({@link CaptureFiles}): one op = one
 * line, so the score is lines per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ParserBenchmark {

    @Param({"multilog", "syslog"})
    public String capture;

    private RawLine[] lines;
    private QmailLineParser parser;
    private int next;

    @Setup
    public void setup() throws IOException {
        List<Path> files = new ArrayList<>();
        if (capture.equals("multilog")) {
            try (Stream<Path> s = Files.list(CaptureFiles.multilogDir())) {
                files.addAll(s.sorted((x, y) -> LogFileOrder.INSTANCE.compare(x.toString(), y.toString())).collect(Collectors.toList()));
            }
        } else if (capture.equals("syslog")) {
            files.add(CaptureFiles.syslogFile());
        } else {
            throw new IllegalArgumentException("capture must be multilog or syslog: " + capture);
        }
        List<RawLine> all = new ArrayList<>();
        for (Path f : files) {
            List<String> text = Files.readAllLines(f, StandardCharsets.UTF_8);
            for (int i = 0; i < text.size(); i++) all.add(new RawLine(text.get(i), "mail", "file:" + f, i));
        }
        lines = all.toArray(new RawLine[0]);
        parser = new QmailLineParser(new ParserConfig());
        // the whole capture must parse: a benchmark of dead letters would measure the wrong path
        for (RawLine l : lines) {
            ParseOutcome o = parser.parse(l);
            if (o.event == null) throw new IllegalStateException("capture line does not parse: " + o.deadLetter + " " + l);
        }
    }

    /** Parses the next line of the capture (round robin): one op = one line. */
    @Benchmark
    public void parseLine(Blackhole bh) {
        RawLine l = lines[next];
        if (++next == lines.length) next = 0;
        bh.consume(parser.parse(l));
    }
}
