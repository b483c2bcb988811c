package io.qmailfleet.bench;

import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.Main;
import io.qmailfleet.job.parse.Tai64n;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * Whole-job throughput on an embedded Flink: a synthetic fleet made of the real capture, replayed
 * back to back per host with shifted TAI64N stamps ({@code --hosts} hosts x {@code --replays}
 * copies), read by the job's own file source and written to JSON-lines files. Prints lines/s and
 * life cycles/s for the whole run, start-up included, and the job's own net runtime.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.qmailfleet.bench.PipelineBench --hosts 8 --replays 10</pre>
 */
public final class PipelineBench {
    static final String USAGE = "usage: PipelineBench [--hosts 8] [--replays 10] [--parallelism 2]"
            + " [--state-backend hashmap|rocksdb] [--stats true|false] [--capture DIR]";

    public static void main(String[] args) throws Exception {
        CliArgs a = BenchArgs.parse("PipelineBench", USAGE, java.util.List.of("hosts", "replays", "parallelism",
                "state-backend", "stats", "capture"), args);
        if (a == null) return;
        int hosts = Integer.parseInt(a.get("hosts", "8"));
        int replays = Integer.parseInt(a.get("replays", "10"));
        int parallelism = Integer.parseInt(a.get("parallelism", "2"));
        String backend = a.get("state-backend", "hashmap");
        // --stats false: the same run without the aggregates (before/after of the stats stage)
        String stats = a.get("stats", "true");
        Path capture = a.has("capture") ? Path.of(a.get("capture", null)) : CaptureFiles.multilogDir();
        Path work = Files.createTempDirectory("qmail-bench");
        try {
            long lines = makeFleet(capture, work.resolve("fleet"), hosts, replays);
            JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {
                    "--input", work.resolve("fleet").toString(), "--output", work.resolve("out").toString(),
                    "--events", "false", "--parallelism", Integer.toString(parallelism),
                    "--state-backend", backend, "--checkpoint-interval", "10s", "--quiet",
                    // file checkpoints: the embedded default keeps them in the JobManager's memory,
                    // at most 5 MB per operator state, which the stats roll-up outgrows
                    "--checkpoint-dir", work.resolve("checkpoints").toUri().toString(),
                    // the same work as the figures in BENCHMARKS.md: no per-line event outputs
                    "--host-events", "false", "--stats", stats}));
            long t0 = System.nanoTime();
            JobExecutionResult r = Main.run(cfg);
            double wall = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> acc = r.getAllAccumulatorResults();
            long read = ((Number) acc.get(io.qmailfleet.job.parse.ParseFunction.ACC_READ)).longValue();
            long lifecycles = ((Number) acc.get(Outputs.LIFECYCLES.counter())).longValue();
            double net = r.getNetRuntime() / 1e3;
            System.out.printf("hosts=%d replays=%d parallelism=%d backend=%s stats=%s%n", hosts, replays, parallelism, backend, stats);
            System.out.printf("lines=%d (generated %d) lifecycles=%d dead-letters=%s%n", read, lines, lifecycles, acc.get(Outputs.DEAD_LETTERS.counter()));
            System.out.printf("wall %.2f s (incl. start-up) -> %.0f lines/s, %.0f lifecycles/s%n", wall, read / wall, lifecycles / wall);
            System.out.printf("job net runtime %.2f s -> %.0f lines/s%n", net, read / net);
            System.out.printf("heap in use after the run (not a peak): %d MB%n",
                    (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
        } finally {
            try (Stream<Path> w = Files.walk(work)) {
                for (Path p : w.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** Writes fleet/mailNN/current for each host: the capture replayed back to back. */
    static long makeFleet(Path multilog, Path fleet, int hosts, int replays) throws IOException {
        List<String> lines = CaptureFiles.multilogLines(multilog);
        long first = seconds(lines.get(0));
        long span = seconds(lines.get(lines.size() - 1)) - first + 60;
        long total = 0;
        for (int h = 0; h < hosts; h++) {
            Path dir = Files.createDirectories(fleet.resolve(String.format("mail%02d", h)));
            try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("current"), StandardCharsets.UTF_8)) {
                for (int r = 0; r < replays; r++) {
                    long shift = r * span;
                    for (String l : lines) {
                        w.write(shifted(l, shift));
                        w.write('\n');
                        total++;
                    }
                }
            }
        }
        return total;
    }

    private static long seconds(String multilogLine) {
        return Tai64n.epochSeconds(multilogLine, 1);
    }

    private static String shifted(String line, long shiftSeconds) {
        if (shiftSeconds == 0) return line;
        return Tai64n.label(Tai64n.epochNanos(line, 1) + shiftSeconds * 1_000_000_000L) + line.substring(25);
    }
}
