package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which runs the local jar's launcher starts on the quick JVM (C1 only, serial collector); LocalJarIT runs it. */
class LocalLauncherTest {
    /** The bundled sample, as the repository has it. */
    private static final String SAMPLE = Path.of("..").resolve(JobOptions.DEFAULT_SAMPLE).toString();

    private static Path sparse(Path file, long bytes) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return file;
    }

    @Test
    void optionNamesAreTheJobs() {
        assertEquals(JobOptions.HELP.name(), LocalLauncher.HELP);
        assertEquals(JobOptions.WATCH.name(), LocalLauncher.WATCH);
        assertEquals(JobOptions.INPUT.name(), LocalLauncher.INPUT);
        assertEquals(JobOptions.KAFKA_BOOTSTRAP.name(), LocalLauncher.KAFKA_BOOTSTRAP);
        assertEquals(JobOptions.BOUNDED.name(), LocalLauncher.BOUNDED);
    }

    @Test
    void aBoundedReadOfATopicRunsOnTheBackfillJvm() {
        for (String[] args : List.of(
                new String[] {"--kafka-bootstrap", "localhost:9092", "--bounded", "true"},
                new String[] {"--kafka-bootstrap=localhost:9092", "--bounded=true", "--starting-offsets", "earliest"},
                new String[] {"--bounded", "false", "--kafka-bootstrap", "localhost:9092", "--bounded", "true"})) {
            assertEquals(LocalLauncher.BACKFILL_OPTIONS, LocalLauncher.optionsFor(args), String.join(" ", args));
        }
        long gb = 1L << 30;
        assertEquals(List.of("-XX:+UseParallelGC", "-XX:CompileThresholdScaling=3", "-XX:FreqInlineSize=150",
                "-XX:InlineSmallCode=1000", "-XX:MaxNewSize=512m"), LocalLauncher.jvmOptionsFor(
                new String[] {"--kafka-bootstrap", "localhost:9092", "--bounded", "true"}, List.of(), 6 * gb));
        // live (not bounded) stays on the JVM as started
        assertEquals(List.of(), LocalLauncher.optionsFor(new String[] {"--kafka-bootstrap", "localhost:9092", "--bounded", "false"}));
    }

    @Test
    void aSmallFileInputRunsOnTheQuickJvm(@TempDir Path tmp) throws Exception {
        assertEquals(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), LocalLauncher.QUICK_OPTIONS);
        assertEquals(LocalLauncher.QUICK_OPTIONS, LocalLauncher.optionsFor(new String[] {"--input", SAMPLE, "--quiet"}));
        assertEquals(LocalLauncher.QUICK_OPTIONS, LocalLauncher.optionsFor(new String[] {"--input=" + SAMPLE}));
        // a bounded file run that also writes to Kafka still reads files
        assertEquals(LocalLauncher.QUICK_OPTIONS, LocalLauncher.optionsFor(
                new String[] {"--input", SAMPLE, "--kafka-bootstrap", "localhost:9092"}));
        Path at = sparse(tmp.resolve("current"), LocalLauncher.QUICK_MAX_BYTES);
        assertEquals(LocalLauncher.QUICK_OPTIONS, LocalLauncher.optionsFor(new String[] {"--input", at.toString()}));
    }

    @Test
    void aLargeFileInputRunsOnTheBackfillJvm(@TempDir Path tmp) throws Exception {
        List<String> backfill = List.of("-XX:+UseParallelGC", "-XX:CompileThresholdScaling=3");
        assertEquals(backfill, LocalLauncher.BACKFILL_OPTIONS);
        Path dir = Files.createDirectories(tmp.resolve("mail01"));
        sparse(dir.resolve("@4000000065a1b2c3d4e5f607.s"), LocalLauncher.QUICK_MAX_BYTES / 2);
        sparse(dir.resolve("current"), LocalLauncher.QUICK_MAX_BYTES / 2 + 1);
        assertEquals(backfill, LocalLauncher.optionsFor(new String[] {"--input", dir.toString()}));
        // two inputs add up
        Path a = sparse(tmp.resolve("a"), LocalLauncher.QUICK_MAX_BYTES / 2 + 1);
        Path b = sparse(tmp.resolve("b"), LocalLauncher.QUICK_MAX_BYTES / 2);
        assertEquals(backfill, LocalLauncher.optionsFor(new String[] {"--input", a + "," + b}));
        assertEquals(backfill, LocalLauncher.optionsFor(new String[] {"--input", a.toString(), "--input", b.toString()}));
        // a compressed file counts ten times its size
        Path gz = sparse(tmp.resolve("maillog.1.gz"), LocalLauncher.QUICK_MAX_BYTES / 10 + 1);
        assertEquals(backfill, LocalLauncher.optionsFor(new String[] {"--input", gz.toString()}));
        // but a large input followed as it grows is a live run
        assertEquals(List.of(), LocalLauncher.optionsFor(new String[] {"--input", dir.toString(), "--watch", "10s"}));
    }

    @Test
    void aBackfillJvmGetsItsYoungGenerationCappedAndItsInliningLimitedUnlessItsOptionsSetThem(@TempDir Path tmp) throws Exception {
        assertEquals("-XX:MaxNewSize=512m", LocalLauncher.YOUNG_CAP);
        Path big = sparse(tmp.resolve("current"), LocalLauncher.QUICK_MAX_BYTES + 1);
        String[] backfill = {"--input", big.toString()};
        long gb = 1L << 30;
        List<String> inline = List.of("-XX:FreqInlineSize=150", "-XX:InlineSmallCode=1000");
        assertEquals(inline, LocalLauncher.INLINE_LIMITS);
        List<String> limited = List.of("-XX:+UseParallelGC", "-XX:CompileThresholdScaling=3", "-XX:FreqInlineSize=150", "-XX:InlineSmallCode=1000");
        List<String> capped = List.of("-XX:+UseParallelGC", "-XX:CompileThresholdScaling=3", "-XX:FreqInlineSize=150", "-XX:InlineSmallCode=1000", "-XX:MaxNewSize=512m");
        assertEquals(capped, LocalLauncher.jvmOptionsFor(backfill, List.of(), 6 * gb));
        assertEquals(capped, LocalLauncher.jvmOptionsFor(backfill, List.of("-Xmx3g", "-Dx=y"), 3 * gb));
        // the JVM's own young generation sizing is kept
        for (String own : List.of("-Xmn512m", "-XX:NewSize=64m", "-XX:MaxNewSize=1g", "-XX:NewRatio=3")) {
            assertEquals(limited, LocalLauncher.jvmOptionsFor(backfill, List.of("-Xmx3g", own), 3 * gb), own);
        }
        // a heap whose young generation is no larger than the cap anyway (the JVM would warn if it
        // were the heap's size or more)
        assertEquals(limited, LocalLauncher.jvmOptionsFor(backfill, List.of("-Xmx1g"), gb));
        // an inlining limit of the JVM's own options is kept, the other added
        assertEquals(List.of("-XX:+UseParallelGC", "-XX:CompileThresholdScaling=3", "-XX:InlineSmallCode=1000", "-XX:MaxNewSize=512m"),
                LocalLauncher.jvmOptionsFor(backfill, List.of("-XX:FreqInlineSize=200"), 6 * gb));
        assertEquals(List.of("-XX:+UseParallelGC", "-XX:CompileThresholdScaling=3", "-XX:FreqInlineSize=150"),
                LocalLauncher.jvmOptionsFor(backfill, List.of("-Xmx1g", "-XX:InlineSmallCode=500"), gb));
        assertEquals(capped, LocalLauncher.jvmOptionsFor(backfill, List.of("-Xmx1536m"), 1536L << 20));
        // the other runs are as optionsFor has them
        assertEquals(List.of(), LocalLauncher.jvmOptionsFor(new String[] {"--kafka-bootstrap", "localhost:9092"}, List.of(), 6 * gb));
    }

    @Test
    void aQuickJvmGetsALargerYoungGenerationAndAMetaspaceThresholdUnlessItsOptionsSetThem() {
        assertEquals("-Xmn256m", LocalLauncher.QUICK_YOUNG);
        assertEquals("-XX:MetaspaceSize=128m", LocalLauncher.QUICK_METASPACE);
        String[] small = {"--input", SAMPLE};
        long gb = 1L << 30;
        List<String> quick = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmn256m", "-XX:MetaspaceSize=128m");
        assertEquals(quick, LocalLauncher.jvmOptionsFor(small, List.of(), 6 * gb));
        assertEquals(quick, LocalLauncher.jvmOptionsFor(small, List.of("-Xmx1g", "-Dx=y"), gb));
        // the JVM's own young generation sizing and metaspace threshold are kept
        for (String own : List.of("-Xmn64m", "-XX:NewSize=64m", "-XX:MaxNewSize=1g", "-XX:NewRatio=3", "-Xms64m",
                "-XX:InitialHeapSize=2g")) {
            assertEquals(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:MetaspaceSize=128m"),
                    LocalLauncher.jvmOptionsFor(small, List.of(own), 6 * gb), own);
        }
        assertEquals(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmn256m"),
                LocalLauncher.jvmOptionsFor(small, List.of("-XX:MetaspaceSize=64m"), 6 * gb));
        assertEquals(quick, LocalLauncher.jvmOptionsFor(small, List.of("-Xmx768m"), 768L << 20));
        // a heap below 768 MB keeps the collector's own proportions
        assertEquals(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:MetaspaceSize=128m"),
                LocalLauncher.jvmOptionsFor(small, List.of("-Xmx512m"), 512L << 20));
    }

    @Test
    void liveAndOtherRunsKeepTheJvmAsStarted(@TempDir Path tmp) {
        for (String[] args : List.of(
                new String[] {"--kafka-bootstrap", "localhost:9092"}, // live from Kafka
                new String[] {"--input", SAMPLE, "--watch", "10s"},   // follows the files
                new String[] {"--help"},
                new String[] {"trace", "--output", tmp.toString()},
                new String[] {"report", "--output", tmp.toString()},
                new String[] {"--input", tmp.resolve("missing").toString()}, // Main reports it
                new String[] {"stray"})) {
            assertEquals(List.of(), LocalLauncher.optionsFor(args), String.join(" ", args));
        }
    }

    @Test
    void optionsOfTheirOwnAreKept() {
        for (String o : List.of("-XX:TieredStopAtLevel=4", "-XX:-TieredCompilation", "-XX:+UseParallelGC", "-XX:+UseG1GC",
                "-Xint", "-XX:ArchiveClassesAtExit=app.jsa", "-Dqmail.fleet.relaunch=false")) {
            assertTrue(LocalLauncher.choosesOwnJvm(List.of("-Xmx1g", o)), o);
        }
        assertFalse(LocalLauncher.choosesOwnJvm(List.of("-Xmx1g", "-XX:SharedArchiveFile=app.jsa", "-Dfoo=bar")));
        assertFalse(LocalLauncher.choosesOwnJvm(List.of()));
    }

    @Test
    void theJobsJvmGetsTheArchiveBesideTheJarUnlessThisOneChoseItsOwn(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("qmail-fleet-local.jar"), "");
        String cp = jar.toString();
        assertEquals(List.of(), LocalLauncher.archiveOptions(List.of(), cp), "no archive beside the jar");
        Path archive = Files.writeString(dir.resolve("qmail-fleet-local.jsa"), "");
        assertEquals(List.of("-XX:SharedArchiveFile=" + archive.toAbsolutePath(), "-Xlog:cds=off", "-Xlog:cds+dynamic=off"),
                LocalLauncher.archiveOptions(List.of("-Xmx1g"), cp));
        assertEquals(List.of(), LocalLauncher.archiveOptions(List.of("-XX:SharedArchiveFile=other.jsa"), cp), "its own archive");
        assertEquals(List.of(), LocalLauncher.archiveOptions(List.of("-Xshare:off"), cp), "no sharing, as asked");
        assertEquals(List.of(), LocalLauncher.archiveOptions(List.of(), cp + java.io.File.pathSeparator + "other.jar"), "not one jar");
        assertEquals(List.of(), LocalLauncher.archiveOptions(List.of(), dir.resolve("classes").toString()), "not a jar");
    }
}
