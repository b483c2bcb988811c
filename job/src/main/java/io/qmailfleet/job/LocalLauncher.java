package io.qmailfleet.job;

import io.qmailfleet.job.source.FileLines;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The main class of the local jar ({@code java -jar qmail-fleet-local.jar}): picks the JVM's
 * compiler and collector for the run, then runs {@link Main}.
 *
 * <p>A run on a small file input is over before the JVM's optimising compiler (C2) pays for itself:
 * on the bundled sample it compiles for more CPU time than the whole job needs. So a bounded file
 * run of at most {@link #QUICK_MAX_BYTES} of input (compressed files counted {@link #COMPRESSED_FACTOR}
 * times their size) starts the job in a second JVM with the same options plus {@link #QUICK_OPTIONS}
 * (the quick C1 compiler only, the serial collector; with a 256 MB young generation and a metaspace
 * threshold above what the job loads, {@link #QUICK_YOUNG} and {@link #QUICK_METASPACE}, by
 * {@link #jvmOptionsFor}), passes its console through and exits with its exit code. A larger
 * bounded file run (a backfill) gets {@link #BACKFILL_OPTIONS} the same way (the throughput
 * collector, and the optimising compiler kept for code that runs longer: less CPU per line than
 * the JVM's defaults, which favour short pauses, for a run where only its end counts), with its
 * young generation capped ({@link #YOUNG_CAP}) and C2's inlining limited ({@link #INLINE_LIMITS},
 * both by {@link #jvmOptionsFor}).
 * A bounded read of a Kafka topic gets {@link #BACKFILL_OPTIONS} too.
 * Everything else (a live Kafka run, {@code --watch}, {@code trace}, {@code report},
 * {@code --help}, options Main rejects) runs in this JVM as it was started. A JVM
 * started with a compiler or collector option of its own ({@link #choosesOwnJvm}), or with
 * {@code -Dqmail.fleet.relaunch=false}, is never replaced. BENCHMARKS.md has the measured crossing
 * point. A run in this JVM ends it once {@link Main} returns (see {@link #main}).
 */
public final class LocalLauncher {
    private LocalLauncher() {}

    /** The largest file input (bytes) that runs on {@link #QUICK_OPTIONS}. */
    public static final long QUICK_MAX_BYTES = 128L << 20;
    /** How many times its size a compressed log file counts (qmail-send logs shrink about ten times). */
    static final int COMPRESSED_FACTOR = 10;
    /** The options added for a small input: C1 only, the serial collector. */
    public static final List<String> QUICK_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    /**
     * The options added for a bounded file input larger than {@link #QUICK_MAX_BYTES}: the parallel
     * (throughput) collector, and C2 compiling methods after three times the usual invocations.
     */
    public static final List<String> BACKFILL_OPTIONS = List.of("-XX:+UseParallelGC", "-XX:CompileThresholdScaling=3");
    /**
     * Added to {@link #BACKFILL_OPTIONS} by {@link #jvmOptionsFor}: the parallel collector's young
     * generation grows to a third of the heap (2 GB of a default 6 GB heap), and every page of it is
     * touched, whatever the job keeps (a page touched the first time costs this machine more CPU than
     * the collections a smaller young generation adds). Capped, the job's peak memory falls by a
     * third (1.6 GB to 1.0 GB at 14 M lines with a 3 GB heap), and its CPU per line a little
     * (BENCHMARKS.md).
     */
    public static final String YOUNG_CAP = "-XX:MaxNewSize=512m";
    /**
     * Added to {@link #BACKFILL_OPTIONS} by {@link #jvmOptionsFor}, each unless the JVM's own options
     * set it: C2 inlines smaller methods (at most 150 bytecodes where a call is frequent, against 325)
     * and none whose compiled code is over 1,000 bytes (against 2,500). The job's hot paths are
     * small methods, so the code runs as fast, and C2 spends a third less time compiling: 5.4 s
     * instead of 8.7 s at 14 M lines, where the whole run takes 36 s of CPU (BENCHMARKS.md).
     */
    public static final List<String> INLINE_LIMITS = List.of("-XX:FreqInlineSize=150", "-XX:InlineSmallCode=1000");
    /** The smallest maximum heap {@link #YOUNG_CAP} is added for: below it the young generation is no larger. */
    static final long YOUNG_CAP_MIN_HEAP = 3 * (512L << 20);
    /**
     * Added to {@link #QUICK_OPTIONS} by {@link #jvmOptionsFor} unless the JVM's own options size
     * the young generation or the initial heap, or its maximum heap is below
     * {@link #QUICK_YOUNG_MIN_HEAP}: the serial collector's young generation at 256 MB from the
     * start, against a third of the initial heap (about 120 MB of a 384 MB default). Each young
     * collection copies what the job holds at that moment, which does not grow with the young
     * generation, so fewer collections cost less: 14 instead of 27 at 1.36 M lines (with
     * {@link #QUICK_METASPACE}); the bundled sample runs with one collection instead of two
     * (BENCHMARKS.md).
     */
    public static final String QUICK_YOUNG = "-Xmn256m";
    /** The smallest maximum heap {@link #QUICK_YOUNG} is added for (the rest of the heap is at least 512 MB). */
    static final long QUICK_YOUNG_MIN_HEAP = 768L << 20;
    /**
     * Added to {@link #QUICK_OPTIONS} by {@link #jvmOptionsFor} unless the JVM's own options set it:
     * the metaspace size at which a collection is first forced. The job loads some 55 MB of class
     * metadata; past the JVM's default of about 21 MB, and again at the next threshold, the serial
     * collector collects the whole heap (two full collections of 37-53 ms each at 1.36 M lines,
     * once the young generation is large enough that no young collection came first).
     */
    public static final String QUICK_METASPACE = "-XX:MetaspaceSize=128m";
    /** {@code -Dqmail.fleet.relaunch=false}: always run in the JVM as started. */
    public static final String RELAUNCH_PROPERTY = "qmail.fleet.relaunch";
    // the names of JobOptions' options, as strings: this JVM only looks at the arguments and does
    // not load the option classes (LocalLauncherTest checks they are the same)
    static final String HELP = "help", WATCH = "watch", INPUT = "input", KAFKA_BOOTSTRAP = "kafka-bootstrap",
            BOUNDED = "bounded";

    public static void main(String[] args) throws Exception {
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> chosen = "false".equals(System.getProperty(RELAUNCH_PROPERTY)) || choosesOwnJvm(jvm) ? List.of()
                : jvmOptionsFor(args, jvm, Runtime.getRuntime().maxMemory());
        if (!chosen.isEmpty()) System.exit(relaunch(jvm, chosen, args));
        Main.main(args);
        // the run is over and its outputs are committed; the embedded cluster shuts down on other
        // threads, and then a thread it leaves (Netty's global event executor, not a daemon) would
        // keep the JVM up for its one-second quiet period: most of a second of every short run.
        // So the shutdown is waited for, and the JVM ended. Only this local main does it: Main's
        // own main, which a cluster runs, never ends its JVM on success.
        awaitShutdown(Thread.currentThread());
        System.out.flush();
        System.exit(0);
    }

    /** The thread name prefix of Netty's global event executor, which ends a second after its last task. */
    static final String NETTY_GLOBAL_EXECUTOR = "globalEventExecutor-";

    /**
     * Waits until every thread that would keep the JVM up has ended, except {@code self} and
     * Netty's global event executor (threads started meanwhile are waited for too). Once they
     * have, the embedded cluster has shut down, and its RPC system has deleted the copy of its
     * jar it made in the temporary folder (a JVM ended sooner leaves that 20 MB copy behind).
     */
    public static void awaitShutdown(Thread self) throws InterruptedException {
        while (true) {
            Thread next = null;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t != self && t.isAlive() && !t.isDaemon() && !t.getName().startsWith(NETTY_GLOBAL_EXECUTOR)
                        && !t.getName().equals("DestroyJavaVM")) {
                    next = t;
                    break;
                }
            }
            if (next == null) return;
            next.join();
        }
    }

    /**
     * The JVM options a run of {@code args} is best started with: {@link #QUICK_OPTIONS} for a
     * bounded file input of at most {@link #QUICK_MAX_BYTES}, {@link #BACKFILL_OPTIONS} for a
     * larger one and for a bounded read of a Kafka topic (a backfill whose size is not known here:
     * at 1.36 M lines it took a quarter less CPU than on the JVM's defaults, BENCHMARKS.md), else none.
     */
    public static List<String> optionsFor(String[] args) {
        if (args.length > 0 && !args[0].startsWith("--")) return List.of(); // trace, report
        CliArgs a;
        try {
            a = CliArgs.parse(args);
        } catch (IllegalArgumentException e) {
            return List.of(); // Main says what is wrong
        }
        if (a.has(HELP) || a.has(WATCH)) return List.of();
        if (!a.has(INPUT) && a.has(KAFKA_BOOTSTRAP)) {
            return "true".equals(a.get(BOUNDED, "false")) ? BACKFILL_OPTIONS : List.of();
        }
        List<String> inputs = a.has(INPUT) ? a.all(INPUT) : List.of(JobOptions.DEFAULT_SAMPLE);
        if (inputs.isEmpty()) return List.of();
        for (String in : inputs) {
            if (!Files.exists(Path.of(in))) return List.of(); // Main reports it, in this JVM
        }
        long bytes = inputBytes(inputs);
        if (bytes < 0) return List.of(); // unreadable: Main reports it, in this JVM
        return bytes <= QUICK_MAX_BYTES ? QUICK_OPTIONS : BACKFILL_OPTIONS;
    }

    /**
     * {@link #optionsFor}, and for a backfill {@link #INLINE_LIMITS} and {@link #YOUNG_CAP} too:
     * an inlining limit unless the JVM's own options ({@code jvmOptions}) set it, the cap unless
     * they size the young generation themselves or its maximum heap ({@code maxHeapBytes}) is below
     * {@link #YOUNG_CAP_MIN_HEAP}. For a small input, {@link #QUICK_YOUNG} and
     * {@link #QUICK_METASPACE} the same way.
     */
    public static List<String> jvmOptionsFor(String[] args, List<String> jvmOptions, long maxHeapBytes) {
        List<String> chosen = optionsFor(args);
        boolean ownYoung = setsAny(jvmOptions, "-Xmn", "-XX:NewSize=", "-XX:MaxNewSize=", "-XX:NewRatio=");
        List<String> added = new ArrayList<>(chosen);
        if (chosen.equals(QUICK_OPTIONS)) {
            // an initial heap of their own too (one smaller than the young generation makes the JVM warn)
            boolean ownInitial = setsAny(jvmOptions, "-Xms", "-XX:InitialHeapSize=");
            if (!ownYoung && !ownInitial && maxHeapBytes >= QUICK_YOUNG_MIN_HEAP) added.add(QUICK_YOUNG);
            addUnlessSet(added, QUICK_METASPACE, jvmOptions);
            return List.copyOf(added);
        }
        if (!chosen.equals(BACKFILL_OPTIONS)) return chosen;
        for (String limit : INLINE_LIMITS) addUnlessSet(added, limit, jvmOptions);
        if (!ownYoung && maxHeapBytes >= YOUNG_CAP_MIN_HEAP) added.add(YOUNG_CAP);
        return List.copyOf(added);
    }

    /** Whether one of {@code jvmOptions} starts with one of {@code prefixes}. */
    private static boolean setsAny(List<String> jvmOptions, String... prefixes) {
        for (String o : jvmOptions) {
            for (String p : prefixes) {
                if (o.startsWith(p)) return true;
            }
        }
        return false;
    }

    /** Adds {@code -XX:Name=value} to {@code added} unless {@code jvmOptions} set {@code -XX:Name=} themselves. */
    private static void addUnlessSet(List<String> added, String option, List<String> jvmOptions) {
        if (!setsAny(jvmOptions, option.substring(0, option.indexOf('=') + 1))) added.add(option);
    }

    /**
     * The bytes of the log files the source will read below {@code inputs} ({@link FileLines#list}),
     * compressed files ({@link FileLines#isCompressed}) weighed by {@link #COMPRESSED_FACTOR};
     * -1 when they cannot be listed or read.
     */
    static long inputBytes(List<String> inputs) {
        try {
            return inputBytesOf(FileLines.list(inputs));
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    /** The same for {@code files}, listed already ({@link FileLines#list}). */
    static long inputBytesOf(List<Path> files) {
        long sum = 0;
        try {
            for (Path f : files) sum += Files.size(f) * (FileLines.isCompressed(f) ? COMPRESSED_FACTOR : 1);
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
        return sum;
    }

    /**
     * Whoever started the JVM chose its compiler or collector (or is making a class-data sharing
     * archive, which must record this JVM's classes), so it is kept.
     */
    public static boolean choosesOwnJvm(List<String> jvmOptions) {
        for (String o : jvmOptions) {
            if (o.startsWith("-XX:TieredStopAtLevel") || o.endsWith("TieredCompilation") || o.equals("-Xint")
                    || o.equals("-Xcomp") || (o.startsWith("-XX:+Use") && o.endsWith("GC"))
                    || o.startsWith("-XX:ArchiveClassesAtExit") || o.startsWith("-D" + RELAUNCH_PROPERTY + "=")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The class-data sharing archive the build made beside the jar ({@code qmail-fleet-local.jsa}
     * beside {@code qmail-fleet-local.jar}), for the job's JVM when this one was started without
     * class-data sharing options of its own: {@code -XX:SharedArchiveFile=<it>}, with the JVM's
     * messages about it turned off (an archive made by another JDK, or for another build of the
     * jar, is then left out without a word, as if it were not there). None when {@code classPath}
     * is not one jar, when there is no archive beside it, or when this JVM's options name an
     * archive or {@code -Xshare} themselves (the job's JVM gets those with the rest).
     *
     * <p>So plain {@code java -jar qmail-fleet-local.jar} starts the job's JVM with the archive,
     * and this JVM, which only looks at the arguments and starts the other, without it: mapping
     * the 70 MB archive costs a JVM more than the few classes this one loads gain from it
     * (measured: {@code --help} in 0.48 s with it, 0.28 s without).
     */
    static List<String> archiveOptions(List<String> jvmOptions, String classPath) {
        for (String o : jvmOptions) {
            if (o.startsWith("-XX:SharedArchiveFile") || o.startsWith("-Xshare")) return List.of();
        }
        if (!oneJar(classPath)) return List.of();
        Path archive = Path.of(classPath.substring(0, classPath.length() - ".jar".length()) + ".jsa").toAbsolutePath();
        if (!Files.isRegularFile(archive)) return List.of();
        return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    /** Whether a class path is one jar (as {@code java -jar} gives it). */
    private static boolean oneJar(String classPath) {
        return classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator);
    }

    /**
     * Runs {@code args} in a new JVM with this one's options, {@code chosen} ({@link #optionsFor})
     * and {@link #archiveOptions}; its exit code.
     */
    private static int relaunch(List<String> jvmOptions, List<String> chosen, String[] args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(chosen);
        String cp = System.getProperty("java.class.path");
        cmd.addAll(archiveOptions(jvmOptions, cp));
        if (oneJar(cp)) cmd.addAll(List.of("-jar", cp));
        else cmd.addAll(List.of("-cp", cp, LocalLauncher.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        // their options are in jvmOptions already; the new JVM would read them a second time
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        AtomicReference<Process> child = new AtomicReference<>();
        Thread stop = new Thread(() -> {
            // this JVM is being stopped (Ctrl-C, kill): the job's JVM stops too, and is waited for
            Process c = child.get();
            if (c == null) return;
            c.destroy();
            try {
                c.waitFor(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(stop);
        child.set(pb.start());
        int code = child.get().waitFor();
        Runtime.getRuntime().removeShutdownHook(stop);
        return code;
    }
}
