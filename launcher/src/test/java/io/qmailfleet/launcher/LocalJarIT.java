package io.qmailfleet.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's run command, as a user types it: {@code java -jar qmail-fleet-local.jar} on the bundled sample (and with {@code -XX:SharedArchiveFile=qmail-fleet-local.jsa}). */
class LocalJarIT {
    private static final Path REPO = Path.of(System.getProperty("qmail.repo.dir", "..")).toAbsolutePath().normalize();
    private static final Path JAR = Path.of(System.getProperty("launcher.jar", "target/qmail-fleet-local.jar"));
    /** The class-data sharing archive the build makes beside the jar (the README's command uses it). */
    private static final Path ARCHIVE = Path.of(JAR.toAbsolutePath().toString().replaceAll("\\.jar$", ".jsa"));

    private static int count(Path folder) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.toList()) lines.addAll(Files.readAllLines(f));
        }
        return lines.size();
    }

    private static String run(Path workDir, String... args) throws Exception {
        return run(workDir, List.of("-XX:SharedArchiveFile=" + ARCHIVE), args);
    }

    /** {@code java -Xmx1g <jvmOptions> -jar <the jar> <args>}. */
    private static List<String> command(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String run(Path workDir, List<String> jvmOptions, String... args) throws Exception {
        Process p = new ProcessBuilder(command(jvmOptions, args)).directory(workDir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "finished");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** Copies a folder tree (the bundled samples) so a run can have its own working directory. */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }

    @Test
    void defaultRunOnTheBundledSampleWritesEveryOutput(@TempDir Path tmp) throws Exception {
        // with no arguments, exactly as the README says, in a working directory laid out like the
        // repository root (its samples/), so the test never touches the user's own out/
        copyTree(REPO.resolve("samples"), tmp.resolve("samples"));
        Path out = tmp.resolve("out");
        String printed = run(tmp, List.of());
        assertTrue(printed.contains("lines read 4547 = parsed 4547 + dead-lettered 0"), printed);
        assertEquals(539, count(out.resolve("lifecycles")));
        assertEquals(4547, count(out.resolve("events")));
        assertTrue(Files.readString(out.resolve("summary.json")).contains("\"lines-read\":4547"));
        // the run takes no checkpoint (a short backfill): its files are committed when it ends,
        // none is left in progress (a hidden file)
        try (Stream<Path> files = Files.walk(out)) {
            List<String> hidden = files.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().startsWith("."))
                    .map(f -> out.relativize(f).toString()).toList();
            assertEquals(List.of(".qmail-fleet-output"), hidden, "only the folder's mark is hidden");
        }
    }

    @Test
    void theClassDataSharingArchiveIsUsed(@TempDir Path tmp) throws Exception {
        assertTrue(Files.isRegularFile(ARCHIVE), ARCHIVE + " is missing: `mvn package` makes it (unless -Dcds.skip=true)");
        // -Xshare:on: the JVM refuses to start unless it can map the archive
        String printed = run(tmp, List.of("-Xshare:on", "-XX:SharedArchiveFile=" + ARCHIVE, "-Xlog:class+load=info"),
                "--input", REPO.resolve("samples/fleet").toString(), "--output", tmp.resolve("o").toString(), "--quiet");
        assertTrue(printed.contains("lines read 4547 = parsed 4547 + dead-lettered 0"), printed);
        assertTrue(printed.contains("io.qmailfleet.job.Main source: shared objects file (top)"),
                "the job's classes come from the archive");
        assertTrue(printed.contains("org.apache.flink.runtime.minicluster.MiniCluster source: shared objects file (top)"),
                "Flink's classes come from the archive");
        // the RPC system's classes too, though its own class loader reads them from its jar: the run
        // that made the archive linked them all (some 270 of them were loaded but never linked, so the
        // archive left them out and every run read them from the jar)
        List<String> rpc = printed.lines().filter(l -> l.matches(".*\\] (org\\.apache\\.pekko|scala)\\..*")).toList();
        long fromJar = rpc.stream().filter(l -> l.contains("source: file:")).count();
        assertTrue(rpc.size() > 1000, "the RPC system was loaded: " + rpc.size() + " classes");
        assertTrue(fromJar < 20, fromJar + " of the RPC system's " + rpc.size() + " classes were read from its jar");
    }

    /** The files in {@code folder} whose names start with {@code prefix}. */
    private static List<Path> filesStarting(Path folder, String prefix) throws IOException {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
        }
    }

    /**
     * The RPC system's jar is written once to a private folder of the temporary directory and used
     * from there by the next run (Flink's own loader writes a new copy at every start); a folder
     * that others may write to is not trusted, and Flink's loader runs the job.
     */
    @Test
    void theRpcSystemsJarIsWrittenOnceAndUsedAgain(@TempDir Path tmp) throws Exception {
        Path tmpDir = Files.createDirectories(tmp.resolve("tmp"));
        // without the class-data sharing archive, so that the class-loading log names the jar each class comes from
        List<String> jvm = List.of("-Xshare:off", "-Djava.io.tmpdir=" + tmpDir, "-Xlog:class+load=info");
        String[] args = {"--input", REPO.resolve("samples/fleet").toString(), "--output", tmp.resolve("o").toString(),
                "--overwrite", "--quiet"};
        String first = run(tmp, jvm, args);
        assertTrue(first.contains("lines read 4547 = parsed 4547 + dead-lettered 0"), first);
        Path folder = tmpDir.resolve("qmail-fleet-rpc-" + System.getProperty("user.name"));
        List<Path> jars = filesStarting(folder, "flink-rpc-");
        assertEquals(1, jars.size(), jars.toString());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)));
        assertTrue(first.contains("org.apache.pekko.actor.ActorSystem source: file:" + jars.get(0)), "Pekko came from it");
        var written = Files.getLastModifiedTime(jars.get(0));
        Object inode = Files.getAttribute(jars.get(0), "unix:ino");
        String second = run(tmp, jvm, args);
        assertTrue(second.contains("lines read 4547 = parsed 4547 + dead-lettered 0"), second);
        assertEquals(jars, filesStarting(folder, "flink-rpc-"), "the same jar, nothing new");
        assertEquals(written, Files.getLastModifiedTime(jars.get(0)));
        assertEquals(inode, Files.getAttribute(jars.get(0), "unix:ino"));
        assertTrue(second.contains("source: file:" + jars.get(0)), "Pekko's classes come from the kept jar");
        assertEquals(List.of(), filesStarting(tmpDir, "flink-rpc-akka"), "Flink's loader wrote no copy");
        // a folder others may write to: not used; Flink's own loader writes (and deletes) its copy
        Files.setPosixFilePermissions(folder, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        String third = run(tmp, jvm, args);
        assertTrue(third.contains("lines read 4547 = parsed 4547 + dead-lettered 0"), third);
        assertTrue(third.contains("source: file:" + tmpDir.toRealPath() + "/flink-rpc-akka")
                        || third.contains("source: file:" + tmpDir + "/flink-rpc-akka"),
                "Pekko's classes come from Flink's own copy");
        assertEquals(List.of(), filesStarting(tmpDir, "flink-rpc-akka"), "and Flink deleted it at the end");
    }

    /**
     * The JVMs below {@code p} whose command line has {@code option}, once one exists (or none when
     * {@code p} ends first, or after two minutes).
     */
    private static List<ProcessHandle> childrenWith(Process p, String option) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (p.isAlive() && System.nanoTime() < deadline) {
            List<ProcessHandle> found = p.descendants()
                    .filter(h -> h.info().arguments().map(a -> List.of(a).contains(option)).orElse(false)).toList();
            if (!found.isEmpty()) return found;
            Thread.sleep(10);
        }
        return List.of();
    }

    /** The jar started in {@code workDir} with {@code jvmOptions}, its console into {@code workDir/console.txt}. */
    private static Process start(Path workDir, List<String> jvmOptions, String... args) throws IOException {
        return new ProcessBuilder(command(jvmOptions, args)).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("console.txt").toFile()).start();
    }

    @Test
    void aSmallInputRunsInAJvmWithTheQuickCompilerAndAKillStopsIt(@TempDir Path tmp) throws Exception {
        // the launcher starts the job in a second JVM with -XX:TieredStopAtLevel=1 -XX:+UseSerialGC,
        // a 256 MB young generation, a metaspace threshold, and this JVM's own options (the archive,
        // the heap)
        Process p = start(tmp, List.of("-XX:SharedArchiveFile=" + ARCHIVE), "--input", REPO.resolve("samples/fleet").toString(),
                "--output", tmp.resolve("o").toString());
        List<ProcessHandle> job = childrenWith(p, "-XX:TieredStopAtLevel=1");
        assertEquals(1, job.size(), "one job JVM below the launcher");
        List<String> args = List.of(job.get(0).info().arguments().orElseThrow());
        assertTrue(args.containsAll(List.of("-XX:+UseSerialGC", "-Xmn256m", "-XX:MetaspaceSize=128m", "-Xmx1g",
                "-XX:SharedArchiveFile=" + ARCHIVE)), args.toString());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        String printed = Files.readString(tmp.resolve("console.txt"));
        assertEquals(0, p.exitValue(), printed);
        assertTrue(printed.contains("lines read 4547 = parsed 4547 + dead-lettered 0"), "its console comes through: " + printed);
        assertEquals(539, count(tmp.resolve("o/lifecycles")));

        // the launcher stopped (kill, Ctrl-C) stops the job's JVM too
        Path tmp2 = Files.createDirectories(tmp.resolve("again"));
        Process q = start(tmp2, List.of("-XX:SharedArchiveFile=" + ARCHIVE), "--input", REPO.resolve("samples/fleet").toString(),
                "--output", tmp2.resolve("o").toString());
        List<ProcessHandle> job2 = childrenWith(q, "-XX:TieredStopAtLevel=1");
        assertEquals(1, job2.size());
        q.destroy(); // SIGTERM to the launcher only
        assertTrue(q.waitFor(2, TimeUnit.MINUTES));
        assertTrue(job2.get(0).onExit().get(2, TimeUnit.MINUTES) != null && !job2.get(0).isAlive(), "the job's JVM stopped");

        // a JVM started with a compiler option of its own runs the job itself
        Path tmp3 = Files.createDirectories(tmp.resolve("own"));
        Process own = start(tmp3, List.of("-XX:TieredStopAtLevel=4"), "--input", REPO.resolve("samples/fleet").toString(),
                "--output", tmp3.resolve("o").toString(), "--quiet");
        assertEquals(List.of(), childrenWith(own, "-jar"), "no second JVM");
        assertTrue(own.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, own.exitValue(), Files.readString(tmp3.resolve("console.txt")));
        assertEquals(539, count(tmp3.resolve("o/lifecycles")));

        // plain `java -jar`, as the README says: the job's JVM gets the archive beside the jar
        Path tmp4 = Files.createDirectories(tmp.resolve("plain"));
        Process plain = start(tmp4, List.of(), "--input", REPO.resolve("samples/fleet").toString(),
                "--output", tmp4.resolve("o").toString(), "--quiet");
        List<ProcessHandle> job4 = childrenWith(plain, "-XX:TieredStopAtLevel=1");
        assertEquals(1, job4.size());
        assertTrue(List.of(job4.get(0).info().arguments().orElseThrow()).contains("-XX:SharedArchiveFile=" + ARCHIVE),
                job4.get(0).info().commandLine().orElse("?"));
        assertTrue(plain.waitFor(5, TimeUnit.MINUTES));
        String console = Files.readString(tmp4.resolve("console.txt"));
        assertEquals(0, plain.exitValue(), console);
        assertFalse(console.contains("shared archive"), "no word about the archive: " + console);
        assertEquals(539, count(tmp4.resolve("o/lifecycles")));
    }

    @Test
    void aLargeInputRunsInAJvmWithTheThroughputCollector(@TempDir Path tmp) throws Exception {
        // a backfill over 128 MB: the launcher starts the job in a second JVM with the parallel
        // collector, the optimising compiler later and inlining less, and this JVM's own options (only the JVM's
        // command line is looked at here: the launcher is stopped before the job reads anything)
        Path big = Files.createDirectories(tmp.resolve("in/mail01")).resolve("current");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength((128L << 20) + 1); // sparse: no disk used
        }
        Process p = start(tmp, List.of("-XX:SharedArchiveFile=" + ARCHIVE), "--input", tmp.resolve("in").toString(),
                "--output", tmp.resolve("o").toString());
        List<ProcessHandle> job = childrenWith(p, "-XX:+UseParallelGC");
        if (job.size() != 1) p.destroyForcibly();
        assertEquals(1, job.size(), "one job JVM below the launcher with -XX:+UseParallelGC: " + p.descendants()
                .map(h -> String.join(" ", h.info().arguments().orElse(new String[0]))).toList());
        List<String> args = List.of(job.get(0).info().arguments().orElseThrow());
        assertTrue(args.containsAll(List.of("-XX:CompileThresholdScaling=3", "-XX:FreqInlineSize=150", "-XX:InlineSmallCode=1000",
                "-Xmx1g", "-XX:SharedArchiveFile=" + ARCHIVE)), args.toString());
        assertTrue(!args.contains("-XX:TieredStopAtLevel=1") && !args.contains("-XX:+UseSerialGC"), args.toString());
        p.destroy();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertTrue(job.get(0).onExit().get(2, TimeUnit.MINUTES) != null && !job.get(0).isAlive(), "the job's JVM stopped");
    }

    @Test
    void syslogInputAndOptions(@TempDir Path tmp) throws Exception {
        String printed = run(tmp, "--input", REPO.resolve("samples/syslog/maillog").toString(), "--output",
                tmp.resolve("o").toString(), "--events", "false", "--stuck-after", "60s");
        assertTrue(printed.contains("lines read 4527 = parsed 4527 + dead-lettered 0"), printed);
        assertEquals(539, count(tmp.resolve("o/lifecycles")));
        assertTrue(count(tmp.resolve("o/message-alerts")) > 0, "stuck alerts for the queue-lifetime messages");
        assertTrue(!Files.exists(tmp.resolve("o/events")) || count(tmp.resolve("o/events")) == 0);
    }

    @Test
    void theEmbeddedClustersNetworkBuffersAreEnoughAtEveryParallelism(@TempDir Path tmp) throws Exception {
        // an embedded run gets 8 MB of network buffers per parallel instance (Flink's 64 MB at 8,
        // and more at 32, where the shuffles' channels need it): the whole graph runs to the end at
        // 1, 3, 8 and 32, with the same results
        for (String p : List.of("1", "3", "8", "32")) {
            Path out = tmp.resolve("o" + p);
            String printed = run(tmp, "--input", REPO.resolve("samples/fleet").toString(), "--output", out.toString(),
                    "--parallelism", p);
            assertTrue(printed.contains("lines read 4547 = parsed 4547 + dead-lettered 0"), p + ": " + printed);
            assertFalse(printed.contains("Insufficient number of network buffers"), p + ": " + printed);
            assertEquals(539, count(out.resolve("lifecycles")), "parallelism " + p);
        }
    }

    /**
     * The most file readers a backfill starts, 64 (one per host), each a task with channels of its
     * own: the embedded cluster's network buffers grow with them, with the host sequencer behind a
     * shuffle and with one in each reader's task.
     */
    @Test
    void sixtyFourHostsStartInTheEmbeddedCluster(@TempDir Path tmp) throws Exception {
        List<String> head;
        try (Stream<Path> files = Files.list(REPO.resolve("samples/fleet/mail/send"))) {
            head = Files.readAllLines(files.sorted().findFirst().orElseThrow()).subList(0, 40);
        }
        for (int i = 1; i <= 64; i++) {
            Path d = Files.createDirectories(tmp.resolve("in").resolve(String.format("mx%02d", i)));
            Files.write(d.resolve("current"), head);
        }
        for (String mode : List.of("true", "false")) {
            Path out = tmp.resolve("o-" + mode);
            String printed = run(tmp, "--input", tmp.resolve("in").toString(), "--output", out.toString(),
                    "--parallelism", "2", "--sequencer-per-reader", mode);
            assertFalse(printed.contains("Insufficient number of network buffers"), mode + ": " + printed);
            assertTrue(printed.contains("lines read 2560 = parsed 2560 + dead-lettered 0"), mode + ": " + printed);
            assertTrue(count(out.resolve("host-events")) >= 64, mode);
        }
    }

    @Test
    void badOptionIsAClearErrorWithExitCode2(@TempDir Path tmp) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toAbsolutePath().toString(), "--no-such-option", "1").directory(tmp.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(2, p.exitValue());
        assertTrue(out.contains("unknown option --no-such-option"), out);
    }

    /** Usage errors in a real JVM: one line on the console, exit code 2, no stack trace, nothing deleted. */
    @Test
    void usageErrorsAreOneLineWithExitCode2(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "mine");
        Path foreign = Files.createDirectories(tmp.resolve("mydata").resolve("lifecycles")).resolve("keep.txt");
        Files.writeString(foreign, "user data");
        for (List<String> args : List.of(List.of("--output", file.toString()), List.of("--output", ""),
                List.of("--output", tmp.resolve("mydata").toString()), List.of("--stuck-after", "soon"),
                List.of("--input", Files.createDirectories(tmp.resolve("empty")).toString()))) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", JAR.toAbsolutePath().toString()));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(2, TimeUnit.MINUTES));
            assertEquals(2, p.exitValue(), args + ": " + out);
            assertEquals(1, out.strip().lines().count(), args + ": one line: " + out);
            assertTrue(out.startsWith("error: "), out);
        }
        assertEquals("mine", Files.readString(file));
        assertEquals("user data", Files.readString(foreign));
    }
}
