package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.OutputFolder;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes, one-line errors, the output folder's protection, progress, the summary. */
class MainCliTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n"));
        }
    }

    static Run cli(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.cli(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A tiny multilog log of host mx1: one complete message. */
    static Path tinyInput(Path dir) throws Exception {
        Path host = Files.createDirectories(dir.resolve("in").resolve("mx1"));
        Files.writeString(host.resolve("current"), String.join("\n",
                "@400000006b05f01d368b8a04 new msg 1459593",
                "@400000006b05f01d368c39cc info msg 1459593: bytes 1181 from <a@example.org> qp 3041 uid 0",
                "@400000006b05f01d369c201c end msg 1459593", ""));
        return dir.resolve("in");
    }

    static void assertUsageError(Run r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().size(), "one line: " + r.err());
        assertTrue(r.err().startsWith("error: "), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }

    @Test
    void outputNamingARegularFileIsAOneLineErrorAndTheFileIsKept(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        assertUsageError(cli("--input", tinyInput(dir).toString(), "--output", file.toString()), "is a file, not a folder");
        assertEquals("mine", Files.readString(file));
    }

    @Test
    void emptyOutputIsAOneLineError(@TempDir Path dir) throws Exception {
        assertUsageError(cli("--input", tinyInput(dir).toString(), "--output", ""), "--output \"\": must name a folder");
    }

    @Test
    void aFolderTheJobDidNotWriteIsNotCleanedWithoutOverwrite(@TempDir Path dir) throws Exception {
        Path in = tinyInput(dir);
        Path out = dir.resolve("mydata");
        Path keep = Files.createDirectories(out.resolve("lifecycles")).resolve("keep.txt");
        Files.writeString(keep, "user data");
        assertUsageError(cli("--input", in.toString(), "--output", out.toString(), "--quiet"), "not written by this job");
        assertEquals("user data", Files.readString(keep), "nothing deleted");
        assertFalse(Files.exists(out.resolve(OutputFolder.MARK)));

        // --overwrite: the output folders are replaced, the user's other files stay
        Path other = Files.writeString(out.resolve("README.txt"), "mine");
        Run r = cli("--input", in.toString(), "--output", out.toString(), "--quiet", "--overwrite");
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(keep));
        assertEquals("mine", Files.readString(other));
        assertTrue(Files.exists(out.resolve(OutputFolder.MARK)));
        assertEquals(1, EmbeddedRunTest.lines(out.resolve("lifecycles")).size());

        // now the folder is the job's own: a re-run replaces its outputs without --overwrite
        Run again = cli("--input", in.toString(), "--output", out.toString(), "--quiet");
        assertEquals(0, again.code(), again.err());
        assertEquals(1, EmbeddedRunTest.lines(out.resolve("lifecycles")).size(), "replaced, not appended");
        assertEquals("mine", Files.readString(other));
    }

    @Test
    void inputWithoutLogFilesSaysWhereItLooked(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectories(dir.resolve("logs").resolve("mx1"));
        Files.writeString(empty.resolve("lock"), "");
        Files.writeString(empty.resolve(".hidden"), "x");
        Path out = dir.resolve("out");
        assertUsageError(cli("--input", dir.resolve("logs").toString(), "--output", out.toString()),
                "no log files found in " + dir.resolve("logs"));
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void badOptionValuesAreOneLineErrorsBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
        Path in = tinyInput(dir);
        Path out = dir.resolve("out");
        assertUsageError(cli("--input", in.toString(), "--output", out.toString(), "--stuck-after", "soon"), "--stuck-after soon");
        assertUsageError(cli("--input", in.toString(), "--output", out.toString(), "--state-backend", "memory"), "must be hashmap or rocksdb");
        assertUsageError(cli("--input", in.toString(), "--output", out.toString(), "--no-such"), "unknown option --no-such");
        assertUsageError(cli("--input", dir.resolve("missing").toString(), "--output", out.toString()), "does not exist");
        assertUsageError(cli("stray"), "unexpected argument 'stray'");
        assertFalse(Files.exists(out), "no option error touches the output");
    }

    @Test
    void helpPrintsTheGeneratedUsage() throws Exception {
        Run r = cli("--help");
        assertEquals(0, r.code());
        assertEquals(JobOptions.USAGE, r.out());
    }

    @Test
    void progressLinesOnStderrUnlessQuiet(@TempDir Path dir) throws Exception {
        String sample = Capture.repo().resolve(JobOptions.DEFAULT_SAMPLE).toString();
        Run r = cli("--input", sample, "--output", dir.resolve("a").toString(), "--events", "false", "--progress-interval", "50ms");
        assertEquals(0, r.code(), r.err());
        List<String> progress = new ArrayList<>();
        for (String l : r.errLines()) if (l.startsWith("progress: ")) progress.add(l);
        assertFalse(progress.isEmpty(), "a progress line: " + r.err());
        assertTrue(progress.get(0).matches("progress: \\d+ lines, \\d+ lines/s, [0-9.]+ of [0-9.]+ MB \\(\\d+%\\).*"), progress.get(0));

        Run quiet = cli("--input", sample, "--output", dir.resolve("b").toString(), "--events", "false",
                "--progress-interval", "50ms", "--quiet");
        assertEquals(0, quiet.code(), quiet.err());
        assertFalse(quiet.err().contains("progress: "), quiet.err());
    }

    @Test
    void countersAddUpAcrossBothDeadLetterStages(@TempDir Path dir) throws Exception {
        // the live multilog file alone starts in the middle of a run: its first delivery results have
        // no starting line, which only the host sequencer can tell (after parsing)
        Path in = Files.createDirectories(dir.resolve("in").resolve("mail"));
        Files.copy(Capture.multilogDir().resolve("current"), in.resolve("current"));
        Files.writeString(in.resolve("current"), "garbage that is no qmail line\n", java.nio.file.StandardOpenOption.APPEND);
        Path out = dir.resolve("out");
        Run r = cli("--input", dir.resolve("in").toString(), "--output", out.toString(), "--quiet", "--events", "false");
        assertEquals(0, r.code(), r.err());

        JsonNode summary = JSON.readTree(Files.readString(out.resolve("summary.json")));
        long read = summary.get("lines-read").asLong();
        long parsed = summary.get("lines-parsed").asLong();
        long deadAtParse = summary.get("lines-dead-lettered").asLong();
        long deadLater = summary.get("sequencer-dead-lettered").asLong();
        assertEquals(read, parsed + deadAtParse);
        assertEquals(1, deadAtParse, "the garbage line");
        assertTrue(deadLater > 0, "delivery results whose start is in an earlier file");
        assertEquals(deadAtParse, summary.at("/dead_letters/parse").asLong());
        assertEquals(deadLater, summary.at("/dead_letters/host_sequencer").asLong());
        assertEquals(deadAtParse + deadLater, summary.at("/dead_letters/total").asLong());
        List<String> dead = EmbeddedRunTest.lines(out.resolve("dead-letters"));
        assertEquals(deadAtParse + deadLater, dead.size(), "every dead letter written is counted");
        assertEquals(dead.size(), summary.get("out-dead-letters").asLong());
        long unmatched = dead.stream().filter(d -> d.contains("\"reason\":\"UNMATCHED_DELIVERY\"")).count();
        assertEquals(deadLater, unmatched);

        assertTrue(r.out().contains(String.format("lines read %d = parsed %d + dead-lettered %d", read, parsed, deadAtParse)), r.out());
        assertTrue(r.out().contains(String.format("dead letters %d = %d at parsing + %d after parsing", dead.size(), deadAtParse, deadLater)), r.out());
    }

    @Test
    void everyOutputOfTheRegistryIsWrittenIncludingHostEvents(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Run r = cli("--input", Capture.repo().resolve(JobOptions.DEFAULT_SAMPLE).toString(), "--output", out.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        JsonNode summary = JSON.readTree(Files.readString(out.resolve("summary.json")));
        for (Output<?> o : Outputs.ALL) {
            assertTrue(Files.isDirectory(out.resolve(o.name())), o.name());
            assertEquals(summary.get(o.counter()).asLong(), EmbeddedRunTest.lines(out.resolve(o.name())).size(), o.name());
            assertTrue(r.out().contains(out.resolve(o.name()).toString()), "summary names " + o.name());
        }
        List<String> hostEvents = EmbeddedRunTest.lines(out.resolve("host-events"));
        assertTrue(hostEvents.stream().anyMatch(l -> l.contains("\"type\":\"status\"")), "qmail-send status lines reach host-events/");
        assertTrue(hostEvents.stream().anyMatch(l -> l.contains("\"type\":\"tcp_")), "tcpserver lines reach host-events/");
        // every record follows the schema the registry names for its output
        for (Output<?> o : Outputs.ALL) {
            var schema = io.qmailfleet.job.testutil.Schemas.load(o.schema());
            for (String l : EmbeddedRunTest.lines(out.resolve(o.name()))) {
                assertEquals(java.util.Set.of(), io.qmailfleet.job.testutil.Schemas.validate(schema, l), o.name() + ": " + l);
            }
        }
    }
}
