package io.qmailfleet.bench;

import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.LocalLauncher;
import io.qmailfleet.job.Main;
import io.qmailfleet.job.parse.ParseFunction;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.stats.FleetRollup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * The speed benchmark of the whole job: every case is one fresh JVM that runs the job exactly as the
 * README's run command does (embedded Flink, files in, JSON-lines files out, default options apart
 * from the ones named), so start-up and shut-down are part of the cost. For each case it prints
 * the lines read, the life cycles and dead letters (a run is only counted when it is exact), wall
 * time, lines/s, the process CPU time per line (all threads, start-up included, from the JVM's
 * OperatingSystemMXBean), the job's own net runtime, the peak resident memory, the machine's
 * load average before and after the case, and last the part of the CPU time spent in the kernel
 * ({@code sys_s}: writing the outputs into the page cache, first touches of memory), which can differ
 * a lot between machines and between runs on one virtual machine.
 *
 * <pre>
 * mvn -B -q -ntp package -DskipTests -pl bench -am
 * java -cp bench/target/benchmarks.jar io.qmailfleet.bench.SpeedBench               # x300 and x3000, all cases
 * java -cp bench/target/benchmarks.jar io.qmailfleet.bench.SpeedBench --sizes 20 --backends hashmap   # quick
 * </pre>
 *
 * Options: {@code --sizes 300,3000} (copies of the capture's 4526 qmail-send lines, one host each
 * unless {@code --hosts N}), {@code --backends hashmap,rocksdb}, {@code --events false,true},
 * {@code --runs 1} (runs per case; the median is printed as well when more than one),
 * {@code --heap 3g}, {@code --jfr DIR} (a Java Flight Recorder profile of each run into DIR),
 * {@code --parallelism N} (default: the job's default), {@code --jvm-opts "..."} (more options for
 * each run's JVM, e.g. a class-data sharing archive), {@code --work DIR} (where the inputs are
 * generated; default a temporary folder, removed at the end), {@code --job-args "..."} (more job
 * options for every run, e.g. {@code "--stats false"}), {@code --cds true} (every run starts from a
 * class-data sharing archive made by one run on the capture first, as the README's command does),
 * {@code --launcher-jvm true} (default: each run's JVM gets the compiler and collector options the
 * local jar's launcher picks for its input, {@link LocalLauncher#jvmOptionsFor}, unless {@code --jvm-opts}
 * chooses them; {@code false} runs every case on the JVM's defaults), {@code --threads true} (after
 * each run a line of its CPU time by thread group: each Flink task by the first operator of its
 * chain, the compilers, the collector; {@link ThreadCpu}).
 *
 * <p>{@code --source kafka} measures the Kafka backfill instead ({@code --bounded true} from a topic):
 * a real Kafka broker JVM is started ({@code deploy/local-broker.sh}, port {@code --kafka-port},
 * default 19122), the generated input is produced to a topic of {@code --partitions} (default 2)
 * partitions, each line keyed by its host, by this JVM before the case starts (host after host, as
 * from archived logs, or with {@code --kafka-layout interleaved} the hosts' lines merged in log-time
 * order, as shippers fill a topic live); then each run's fresh
 * JVM reads the topic from the earliest offsets to the end as a backfill does and writes its
 * outputs to Kafka topics of its own ({@code --kafka-sink files} writes JSON files instead, so only
 * the source differs from a files case). The broker's CPU is its own process's, so it is not in a
 * run's CPU time: a line after each run gives it ({@code # broker:}, read from {@code /proc} before
 * and after the run); producing the input is not part of any run.
 *
 * <p>{@code --matchup "CMD"} also runs, for each size, a shell pipeline that reads the same raw
 * multilog lines on its standard input, e.g. a TAI64N-to-seconds converter and qmailanalog's
 * {@code matchup} ({@code "tai64n-to-seconds | matchup"}; neither is part of this repository), once
 * per host over that host's files in name order, its standard output to a file and its descriptor 5
 * to another, as {@code matchup} is run. The row {@code matchup} gives its wall time, lines/s and CPU
 * per line (user + system time of the whole pipeline, {@code cat} included, from bash's {@code time})
 * and, as its life cycles, the {@code m} lines it wrote (one per message that left the queue).
 */
public final class SpeedBench {
    private static final int CAPTURE_LINES = 4526;

    /** The blank-separated words of an option's value; none for a blank value. */
    static List<String> words(String value) {
        String v = value.trim();
        return v.isEmpty() ? List.of() : List.of(v.split("\\s+"));
    }

    /** Every option {@link #main} reads. */
    static final List<String> OPTIONS = List.of("sizes", "backends", "events", "hosts", "runs", "heap", "jfr",
            "parallelism", "jvm-opts", "cds", "launcher-jvm", "job-args", "source", "work", "kafka-port",
            "partitions", "kafka-sink", "kafka-layout", "matchup", "progress", "threads");

    static final String USAGE = "usage: SpeedBench [--sizes 300,3000] [--backends hashmap,rocksdb] [--events false,true]"
            + " [--hosts 1] [--runs 1] [--heap 3g] [--jfr DIR] [--parallelism N] [--jvm-opts \"...\"] [--cds true|false]"
            + " [--launcher-jvm true|false] [--job-args \"...\"] [--source files|kafka] [--work DIR] [--kafka-port 19122]"
            + " [--partitions 2] [--kafka-sink kafka|files] [--kafka-layout host-after-host|interleaved]"
            + " [--matchup \"CMD\"] [--progress false|true]"
            + " [--threads false|true] (see BENCHMARKS.md)";

    public static void main(String[] args) throws Exception {
        CliArgs a = BenchArgs.parse("SpeedBench", USAGE, OPTIONS, args);
        if (a == null) return;
        List<Integer> sizes = ints(a.get("sizes", "300,3000"));
        List<String> backends = List.of(a.get("backends", "hashmap,rocksdb").split(","));
        List<String> events = List.of(a.get("events", "false,true").split(","));
        int hosts = Integer.parseInt(a.get("hosts", "1"));
        int runs = Integer.parseInt(a.get("runs", "1"));
        String heap = a.get("heap", "3g");
        long maxHeap;
        try {
            maxHeap = heapBytes(heap);
        } catch (IllegalArgumentException e) {
            System.err.println("SpeedBench: " + e.getMessage());
            System.exit(2);
            return;
        }
        String jfr = a.get("jfr", null);
        String parallelism = a.get("parallelism", null);
        List<String> jvmOpts = new ArrayList<>(words(a.get("jvm-opts", "")));
        boolean cds = Boolean.parseBoolean(a.get("cds", "false"));
        boolean launcherJvm = Boolean.parseBoolean(a.get("launcher-jvm", "true"));
        List<String> jobArgs = words(a.get("job-args", ""));
        // --progress true: the job writes its progress lines, as the README's command does (the
        // child's output is read for its results; the progress lines are left aside)
        boolean progress = Boolean.parseBoolean(a.get("progress", "false"));
        // --threads true: each run also reads its threads' CPU time and prints it by stage
        boolean threads = Boolean.parseBoolean(a.get("threads", "false"));
        if (threads) jvmOpts.add("-D" + THREADS_PROPERTY + "=true");
        String source = a.get("source", "files");
        if (!source.equals("files") && !source.equals("kafka")) throw new IllegalArgumentException("--source files|kafka");
        String layout = a.get("kafka-layout", "host-after-host");
        if (!layout.equals("host-after-host") && !layout.equals("interleaved")) {
            throw new IllegalArgumentException("--kafka-layout must be host-after-host or interleaved");
        }
        boolean interleaved = layout.equals("interleaved");
        boolean keep = a.has("work");
        Path work = keep ? Files.createDirectories(Path.of(a.get("work", null))) : Files.createTempDirectory("qmail-speed");
        System.out.printf("# SpeedBench: %d core(s), %s, java %s; every case is a fresh JVM (-Xmx%s) running the job as"
                        + " the README does%n", Runtime.getRuntime().availableProcessors(), osName(),
                System.getProperty("java.version"), heap);
        System.out.println("# input\tlines\tbackend\tevents\trun\tlifecycles\tdead\twall_s\tlines/s\tcpu_us/line"
                + "\tcpu_s\tnet_s\tnet_lines/s\tpeak_rss_mb\tload_before\tload_after\tsys_s");
        KafkaInput kafka = source.equals("kafka")
                ? KafkaInput.start(work.resolve("broker"), Integer.parseInt(a.get("kafka-port", "19122")),
                        Integer.parseInt(a.get("partitions", "2")))
                : null;
        String kafkaSink = a.get("kafka-sink", "kafka");
        String matchup = a.get("matchup", null);
        try {
            if (cds) jvmOpts.add("-XX:SharedArchiveFile=" + classDataSharingArchive(work, heap));
            for (int size : sizes) {
                Path fleet = work.resolve("fleet-x" + size + "-h" + hosts);
                if (!Files.exists(fleet.resolve(".complete"))) {
                    PipelineBench.makeFleet(CaptureFiles.multilogDir(), fleet, hosts, size);
                    Files.writeString(fleet.resolve(".complete"), "");
                }
                String topic = null;
                if (kafka != null) {
                    topic = "speed.x" + size + "-h" + hosts + (interleaved ? "-interleaved" : "") + ".lines";
                    long t0 = System.nanoTime();
                    long produced = kafka.produce(fleet, topic, interleaved);
                    if (produced < 0) System.out.println("# " + topic + " is there already (--work of an earlier run)");
                    else System.out.printf("# produced %d lines to %s in %.1f s (this JVM; not part of any run)%n",
                            produced, topic, (System.nanoTime() - t0) / 1e9);
                }
                String label = (kafka != null ? "kafka-x" : "x") + size + (hosts > 1 ? "x" + hosts + "hosts" : "");
                if (matchup != null) {
                    Map<String, String> m = runMatchup(matchup, fleet, work);
                    long lines = (long) size * hosts * CAPTURE_LINES;
                    m.put("lines", Long.toString(lines));
                    print("x" + size + (hosts > 1 ? "x" + hosts + "hosts" : ""), "matchup", "-", "1", m);
                    if (Long.parseLong(m.get("lifecycles")) != 539L * size * hosts) {
                        System.out.println("# NOT EXACT: expected " + 539L * size * hosts + " m lines");
                    }
                }
                for (String backend : backends) {
                    for (String ev : events) {
                        List<Map<String, String>> results = new ArrayList<>();
                        for (int r = 1; r <= runs; r++) {
                            Path out = work.resolve("out");
                            delete(out);
                            String load = loadAverage();
                            List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx" + heap));
                            cmd.addAll(jvmOpts);
                            int jvmAt = cmd.size();
                            if (jfr != null) {
                                Path f = Path.of(jfr).toAbsolutePath().resolve(
                                        "x" + size + "-" + backend + "-events-" + ev + "-" + r + ".jfr");
                                Files.createDirectories(f.getParent());
                                cmd.add("-XX:StartFlightRecording=filename=" + f + ",settings=profile,dumponexit=true");
                            }
                            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), OneRun.class.getName()));
                            if (kafka == null) {
                                cmd.addAll(List.of("--input", fleet.toString(), "--output", out.toString()));
                            } else {
                                String run = "speed-" + (++kafkaRuns);
                                cmd.addAll(List.of("--kafka-bootstrap", kafka.bootstrap(), "--input-topic", topic,
                                        "--bounded", "true", "--starting-offsets", "earliest", "--group-id", run,
                                        "--sink", kafkaSink));
                                if (kafkaSink.equals("kafka")) cmd.addAll(List.of("--topic-prefix", run + "."));
                                else cmd.addAll(List.of("--output", out.toString()));
                            }
                            cmd.addAll(List.of("--state-backend", backend, "--events", ev));
                            if (!progress) cmd.add("--quiet");
                            if (parallelism != null) cmd.addAll(List.of("--parallelism", parallelism));
                            cmd.addAll(jobArgs);
                            if (launcherJvm && !LocalLauncher.choosesOwnJvm(jvmOpts)) {
                                // the compiler and collector the local jar's launcher picks for this input
                                List<String> chosen = LocalLauncher.jvmOptionsFor(
                                        cmd.subList(cmd.indexOf(OneRun.class.getName()) + 1, cmd.size()).toArray(new String[0]),
                                        cmd.subList(1, jvmAt), maxHeap);
                                cmd.addAll(jvmAt, chosen);
                                if (r == 1) System.out.println("# " + label + ": JVM options as the launcher picks them: "
                                        + (chosen.isEmpty() ? "(none)" : String.join(" ", chosen)));
                            }
                            long broker0 = kafka == null ? -1 : kafka.brokerCpuNanos();
                            Map<String, String> m = runChild(cmd);
                            long broker1 = kafka == null ? -1 : kafka.brokerCpuNanos();
                            m.put("load_before", load);
                            m.put("load_after", loadAverage());
                            results.add(m);
                            long expected = (long) size * hosts * CAPTURE_LINES;
                            print(label, backend, ev, Integer.toString(r), m);
                            if (broker0 >= 0 && broker1 >= 0) {
                                System.out.printf(Locale.ROOT, "# broker: %.1f s of CPU during the run (its own JVM: not in cpu_us/line)%n",
                                        (broker1 - broker0) / 1e9);
                            }
                            if (m.containsKey("alloc_bytes")) {
                                System.out.println("# heap: " + HeapAllocation.line(Long.parseLong(m.get("alloc_bytes")),
                                        m.getOrDefault("collections", ""), Long.parseLong(m.get("lines"))));
                            }
                            if (m.containsKey("threads")) {
                                System.out.println("# threads: "
                                        + threadsLine(m.get("threads"), m.getOrDefault("busiest", ""), m.get("cpu_ns")));
                            }
                            if (Long.parseLong(m.get("lines")) != expected || !"0".equals(m.get("dead"))
                                    || Long.parseLong(m.get("lifecycles")) != 539L * size * hosts
                                    || !"0".equals(m.getOrDefault("rollup_after_drop", "0"))) {
                                System.out.println("# NOT EXACT: expected " + expected + " lines, " + 539L * size * hosts
                                        + " life cycles, 0 dead letters and 0 stats parts after their window went (got "
                                        + m.getOrDefault("rollup_after_drop", "0") + ")");
                            }
                        }
                        if (runs > 1) printMedian(label, backend, ev, results);
                        delete(work.resolve("out"));
                    }
                }
            }
        } finally {
            if (kafka != null) kafka.close();
            if (!keep) delete(work);
        }
    }

    private static int kafkaRuns;

    /** The child JVM's system property that makes {@link OneRun} read its threads' CPU time ({@code --threads true}). */
    static final String THREADS_PROPERTY = "speedbench.threads";
    /** How often {@link OneRun} reads its threads' CPU time. */
    static final long THREADS_PERIOD_MILLIS = 200;

    /**
     * {@code group=ns|group=ns...} (a run's {@code threads} result, the largest first) as one line:
     * each group's CPU seconds and share of the process's CPU time ({@code cpuNanos}), with its
     * busiest thread's seconds where {@code busiest} (the same form) has the group; groups of less
     * than half a percent together as {@code smaller}; then what the readings do not account for
     * (threads that ended between two readings, the JVM's threads of no group).
     */
    static String threadsLine(String threads, String busiest, String cpuNanos) {
        Map<String, Long> busiestOf = split(busiest);
        long cpu = Long.parseLong(cpuNanos);
        long sum = 0;
        long smaller = 0;
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Long> e : split(threads).entrySet()) {
            long ns = e.getValue();
            sum += ns;
            if (ns * 200 < cpu) {
                smaller += ns;
                continue;
            }
            b.append(share(e.getKey(), ns, cpu, busiestOf.get(e.getKey())));
        }
        if (smaller > 0) b.append(share("smaller", smaller, cpu, null));
        b.append(String.format(Locale.ROOT, "not in a reading %.1f s", Math.max(0, cpu - sum) / 1e9));
        return b.toString();
    }

    private static String share(String group, long nanos, long cpuNanos, Long busiestNanos) {
        return String.format(Locale.ROOT, "%s %.1f s (%.1f %%%s), ", group, nanos / 1e9, 100.0 * nanos / cpuNanos,
                busiestNanos == null ? "" : String.format(Locale.ROOT, "; busiest thread %.1f s", busiestNanos / 1e9));
    }

    /** {@code key=value|key=value...}: a map as one {@code RESULT} value. */
    static String joined(Map<String, Long> m) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Long> e : m.entrySet()) {
            if (b.length() > 0) b.append('|');
            b.append(e.getKey()).append('=').append(e.getValue());
        }
        return b.toString();
    }

    /** The map {@link #joined} made, in its order. */
    static Map<String, Long> split(String joined) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String part : joined.split("\\|")) {
            int eq = part.lastIndexOf('=');
            if (eq > 0) m.put(part.substring(0, eq), Long.parseLong(part.substring(eq + 1)));
        }
        return m;
    }

    /** One case in its own JVM: the job through {@link Main#run}, then its figures as key=value lines. */
    public static final class OneRun {
        public static void main(String[] args) throws Exception {
            JobConfig cfg = JobConfig.from(CliArgs.parse(args));
            ThreadCpu threads = Boolean.getBoolean(THREADS_PROPERTY) ? new ThreadCpu(THREADS_PERIOD_MILLIS) : null;
            HeapAllocation heap = new HeapAllocation();
            long t0 = System.nanoTime();
            JobExecutionResult r = Main.run(cfg);
            long jobNanos = System.nanoTime() - t0;
            long wallMillis = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            long cpuNanos = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            Map<String, Object> acc = r.getAllAccumulatorResults();
            System.out.println("RESULT lines=" + acc.get(ParseFunction.ACC_READ));
            System.out.println("RESULT lifecycles=" + acc.getOrDefault(Outputs.LIFECYCLES.counter(), 0));
            System.out.println("RESULT dead=" + acc.getOrDefault(Outputs.DEAD_LETTERS.counter(), 0));
            // parts the fleet roll-up wrote on their own, not summed (a window let go by log time too early)
            System.out.println("RESULT rollup_after_drop=" + acc.getOrDefault(FleetRollup.ACC_PARTS_AFTER_DROP, 0L));
            System.out.println("RESULT wall_ms=" + wallMillis);
            System.out.println("RESULT job_ms=" + jobNanos / 1_000_000);
            System.out.println("RESULT net_ms=" + r.getNetRuntime());
            System.out.println("RESULT cpu_ns=" + cpuNanos);
            long sys = systemCpuNanos();
            if (sys >= 0) System.out.println("RESULT sys_ns=" + sys);
            System.out.println("RESULT peak_rss_kb=" + peakRssKb());
            System.out.println("RESULT alloc_bytes=" + heap.allocatedBytes());
            System.out.println("RESULT collections=" + heap.collections());
            heap.close();
            if (threads != null) {
                System.out.println("RESULT threads=" + joined(threads.byGroup()));
                System.out.println("RESULT busiest=" + joined(threads.busiest()));
                threads.close();
            }
            System.out.flush();
            // the figures are out; the embedded cluster shuts down on its own threads: waited for
            // (as the local jar does), since a JVM ended before it leaves the cluster's RPC jar,
            // 20 MB, in the temporary folder at every run; then its non-daemon threads that
            // outlive it (Netty's global executor) must not keep the JVM
            LocalLauncher.awaitShutdown(Thread.currentThread());
            System.exit(0);
        }
    }

    /** The bytes of a heap size as {@code -Xmx} takes it ({@code 3g}, {@code 512m}, {@code 1048576k}, bytes). */
    static long heapBytes(String size) {
        String s = size.trim().toLowerCase(java.util.Locale.ROOT);
        int shift = s.endsWith("t") ? 40 : s.endsWith("g") ? 30 : s.endsWith("m") ? 20 : s.endsWith("k") ? 10 : 0;
        if (shift > 0) s = s.substring(0, s.length() - 1);
        try {
            return Long.parseLong(s) << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--heap: not a heap size: " + size);
        }
    }

    /**
     * {@code --cds true}: one run of the job on the capture itself with {@code -XX:ArchiveClassesAtExit},
     * as the launcher's build does for the README's command; every case then starts from that
     * class-data sharing archive.
     */
    private static Path classDataSharingArchive(Path work, String heap) throws Exception {
        Path archive = work.resolve("speedbench.jsa");
        Path out = work.resolve("cds-training-run");
        delete(out);
        runChild(new ArrayList<>(List.of(javaBin(), "-Xmx" + heap, "-XX:ArchiveClassesAtExit=" + archive,
                "-Xlog:cds=error,cds+dynamic=error", "-cp", System.getProperty("java.class.path"), OneRun.class.getName(),
                "--input", CaptureFiles.multilogDir().toString(), "--output", out.toString(), "--quiet")));
        delete(out);
        System.out.println("# class-data sharing archive " + archive + " (" + Files.size(archive) / (1 << 20) + " MB)");
        return archive;
    }

    /**
     * {@code --matchup}: {@code cmd} over each host's raw files of {@code fleet}, one after the other;
     * wall and CPU time summed over the hosts, the {@code m} lines counted as life cycles.
     */
    private static Map<String, String> runMatchup(String cmd, Path fleet, Path work) throws IOException, InterruptedException {
        List<Path> hostDirs;
        try (Stream<Path> l = Files.list(fleet)) {
            hostDirs = l.filter(Files::isDirectory).sorted().toList();
        }
        double wall = 0, cpu = 0, sys = 0;
        long messages = 0;
        String load = loadAverage();
        Path out = work.resolve("matchup.out");
        for (Path host : hostDirs) {
            List<String> files;
            try (Stream<Path> l = Files.list(host)) {
                files = l.filter(Files::isRegularFile).map(Path::toString).sorted().toList();
            }
            StringBuilder script = new StringBuilder("TIMEFORMAT='%R %U %S'; time ( cat");
            for (String f : files) script.append(' ').append(shellQuote(f));
            script.append(" | ").append(cmd).append(" > ").append(shellQuote(out.toString()))
                    .append(" 5> ").append(shellQuote(out + ".fd5")).append(" )");
            Process p = new ProcessBuilder("bash", "-c", script.toString()).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int code = p.waitFor();
            String[] last = text.substring(text.lastIndexOf('\n') + 1).split(" ");
            if (code != 0 || last.length != 3) throw new IllegalStateException("--matchup failed (exit " + code + "): " + text);
            wall += Double.parseDouble(last[0]);
            cpu += Double.parseDouble(last[1]) + Double.parseDouble(last[2]);
            sys += Double.parseDouble(last[2]);
            try (Stream<String> l = Files.lines(out, StandardCharsets.ISO_8859_1)) {
                messages += l.filter(x -> x.startsWith("m ")).count();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(Path.of(out + ".fd5"));
        }
        Map<String, String> m = new HashMap<>();
        m.put("lifecycles", Long.toString(messages));
        m.put("dead", "-");
        m.put("wall_ms", Long.toString(Math.round(wall * 1000)));
        m.put("net_ms", Long.toString(Math.round(wall * 1000)));
        m.put("cpu_ns", Long.toString(Math.round(cpu * 1e9)));
        m.put("sys_ns", Long.toString(Math.round(sys * 1e9)));
        m.put("load_before", load);
        m.put("load_after", loadAverage());
        return m;
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static Map<String, String> runChild(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Map<String, String> m = new HashMap<>();
        List<String> other = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    int eq = line.indexOf('=');
                    m.put(line.substring(7, eq), line.substring(eq + 1));
                } else if (other.size() < 200) {
                    other.add(line);
                }
            }
        }
        int code = p.waitFor();
        if (code != 0 || !m.containsKey("cpu_ns")) {
            throw new IllegalStateException("benchmark run failed (exit " + code + "): " + String.join(" ", cmd)
                    + "\n" + String.join("\n", other));
        }
        return m;
    }

    private static void print(String input, String backend, String events, String run, Map<String, String> m) {
        long lines = Long.parseLong(m.get("lines"));
        double wall = Long.parseLong(m.get("wall_ms")) / 1e3;
        double cpu = Long.parseLong(m.get("cpu_ns")) / 1e9;
        double net = Long.parseLong(m.get("net_ms")) / 1e3;
        System.out.printf("%s\t%d\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.0f\t%.3f\t%.2f\t%.2f\t%.0f\t%s\t%s\t%s\t%s%n",
                input, lines, backend, events, run, m.get("lifecycles"), m.get("dead"), wall, lines / wall,
                cpu * 1e6 / lines, cpu, net, lines / net,
                m.containsKey("peak_rss_kb") ? Long.toString(Long.parseLong(m.get("peak_rss_kb")) / 1024) : "-",
                m.get("load_before"), m.get("load_after"),
                m.containsKey("sys_ns") ? String.format("%.2f", Long.parseLong(m.get("sys_ns")) / 1e9) : "-");
    }

    private static void printMedian(String input, String backend, String events, List<Map<String, String>> results) {
        Map<String, String> med = new HashMap<>(results.get(0));
        for (String k : List.of("wall_ms", "cpu_ns", "net_ms", "peak_rss_kb", "sys_ns")) {
            if (!results.stream().allMatch(m -> m.containsKey(k))) continue;
            List<Long> v = new ArrayList<>();
            for (Map<String, String> m : results) v.add(Long.parseLong(m.get(k)));
            v.sort(Comparator.naturalOrder());
            med.put(k, Long.toString(v.get(v.size() / 2)));
        }
        print(input, backend, events, "median", med);
    }

    /** The 1-minute load average, or "?" where /proc is missing. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * CPU time this process spent in the kernel (stime of /proc/self/stat, in clock ticks of 10 ms),
     * ns; -1 where /proc is missing. The kernel's share tells the job's own CPU from what its writes
     * and memory cost the machine.
     */
    static long systemCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // fields after the command (which may hold spaces) start at its closing parenthesis:
            // state is field 3, stime field 15
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[12]) * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Peak resident set size of this process (VmHWM), kB; -1 where /proc is missing. */
    static long peakRssKb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    private static String osName() {
        return System.getProperty("os.name") + " " + System.getProperty("os.arch");
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<Integer> ints(String csv) {
        List<Integer> l = new ArrayList<>();
        for (String s : csv.split(",")) l.add(Integer.parseInt(s.trim()));
        return l;
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> w = Files.walk(p)) {
            for (Path f : w.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }
}
