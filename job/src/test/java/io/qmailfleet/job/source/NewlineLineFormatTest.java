package io.qmailfleet.job.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Lines end at {@code \n} only: the reader's line count is what {@code wc -l} counts (plus an unterminated last line). */
class NewlineLineFormatTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    /** A multilog log with a lone CR in a report, a CRLF line end and no final newline. */
    private static final String LOG = "@400000006b05f01d368b8a04 new msg 1459593\n"
            + "@400000006b05f01d368c39cc info msg 1459593: bytes 254 from <alice@example.com> qp 15238 uid 1008\n"
            + "@400000006b05f01d368c8fbc starting delivery 1: msg 1459593 to local bob@example.com\r\n"
            + "@400000006b05f01d368d2a14 status: local 1/10 remote 0/20\n"
            + "@400000006b05f01d36e70dbc delivery 1: success: program_said\rhello/did_0+0+1/\n"
            + "@400000006b05f01d36e75044 status: local 0/10 remote 0/20\n"
            + "@400000006b05f01d36f1a1fc end msg 1459593";

    private static List<String> read(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        try (StreamFormat.Reader<String> r = new NewlineLineFormat().createReader(new Configuration(),
                FileSystem.getLocalFileSystem().open(new org.apache.flink.core.fs.Path(file.toUri())))) {
            for (String l = r.read(); l != null; l = r.read()) out.add(l);
        }
        return out;
    }

    private static long wcL(Path file) throws Exception {
        Process p = new ProcessBuilder("wc", "-l", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        return Long.parseLong(out.split("\\s+")[0]);
    }

    @Test
    void linesEndAtNewlineOnly(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("current"), LOG, StandardCharsets.UTF_8);
        List<String> lines = read(f);
        assertEquals(wcL(f) + 1, lines.size(), "wc -l plus the unterminated last line");
        assertEquals(7, lines.size());
        assertEquals("@400000006b05f01d368c8fbc starting delivery 1: msg 1459593 to local bob@example.com", lines.get(2));
        assertEquals("@400000006b05f01d36e70dbc delivery 1: success: program_said\rhello/did_0+0+1/", lines.get(4));
        assertEquals("@400000006b05f01d36f1a1fc end msg 1459593", lines.get(6));
    }

    @Test
    void emptyLinesLongLinesAndEdges(@TempDir Path dir) throws Exception {
        String longLine = "x".repeat(20_000) + "\r" + "y".repeat(5_000);
        Path f = Files.writeString(dir.resolve("f"), "\n\r\n" + longLine + "\n\r\r\n", StandardCharsets.UTF_8);
        List<String> lines = read(f);
        assertEquals(wcL(f), lines.size());
        assertEquals(List.of("", "", longLine, "\r"), lines);
        Path empty = Files.writeString(dir.resolve("empty"), "", StandardCharsets.UTF_8);
        assertEquals(List.of(), read(empty));
        Path bad = Files.write(dir.resolve("bad"), new byte[] {'a', (byte) 0xff, 'b', '\n'});
        assertEquals(List.of("a\uFFFDb"), read(bad));
    }

    /**
     * Random bytes (ASCII, CR and LF, valid UTF-8 of 2 to 4 bytes, stray and truncated sequences),
     * lines longer than the reader's buffer among them: the lines are those of the whole file decoded
     * by a UTF-8 stream decoder and split at {@code \n}, each without a last {@code \r}.
     */
    @Test
    void linesAreTheWholeFileDecodedThenSplit(@TempDir Path dir) throws Exception {
        java.util.Random random = new java.util.Random(5);
        byte[][] pieces = {"a".getBytes(StandardCharsets.UTF_8), "\u00e9".getBytes(StandardCharsets.UTF_8),
                "\u2713".getBytes(StandardCharsets.UTF_8), "\uD83D\uDCE7".getBytes(StandardCharsets.UTF_8),
                {(byte) 0xff}, {(byte) 0xe2, (byte) 0x9c}, {(byte) 0x80}, {'\r'}, {'\n'}, {'\r', '\n'}};
        for (int round = 0; round < 6; round++) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            int n = 50_000 + random.nextInt(200_000);
            while (bytes.size() < n) {
                int k = random.nextInt(100);
                byte[] p = k < 70 ? pieces[0] : k < 96 ? pieces[1 + random.nextInt(6)] : pieces[7 + random.nextInt(3)];
                // some lines much longer than the 64 KiB buffer, some empty
                int times = round % 2 == 0 && random.nextInt(5000) == 0 ? 100_000 : 1;
                for (int t = 0; t < times; t++) bytes.write(p);
            }
            if (round == 1) bytes.write('\n');
            Path f = Files.write(dir.resolve("r" + round), bytes.toByteArray());
            String text;
            try (java.io.Reader r = new java.io.InputStreamReader(Files.newInputStream(f), StandardCharsets.UTF_8)) {
                StringBuilder b = new StringBuilder();
                char[] c = new char[777];
                for (int k = r.read(c); k >= 0; k = r.read(c)) b.append(c, 0, k);
                text = b.toString();
            }
            List<String> expected = new ArrayList<>();
            int from = 0;
            while (from < text.length()) {
                int nl = text.indexOf('\n', from);
                String line = text.substring(from, nl < 0 ? text.length() : nl);
                expected.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
                from = nl < 0 ? text.length() : nl + 1;
            }
            List<String> lines = read(f);
            assertEquals(expected.size(), lines.size(), "round " + round);
            assertEquals(expected, lines, "round " + round);
        }
    }

    @Test
    void theFileSourceReadsWhatWcCounts(@TempDir Path dir) throws Exception {
        Path host = Files.createDirectories(dir.resolve("mx1"));
        Path f = Files.writeString(host.resolve("current"), LOG, StandardCharsets.UTF_8);
        JobConfig cfg = new JobConfig();
        cfg.inputs = List.of(dir.toString());
        CollectingSinks out = PipelineRunner.runFiles(cfg, 1);
        assertEquals(List.of(), out.deadLetters());
        List<QmailEvent> events = out.events();
        assertEquals(wcL(f) + 1, events.size());
        assertEquals(1, out.lifecycles().size());
        assertEquals(LifecycleStatus.COMPLETE, out.lifecycles().get(0).status);
        assertEquals("program_said\rhello/did_0+0+1/", out.lifecycles().get(0).recipients.get(0).attempts.get(0).report);
        for (QmailEvent e : events) assertEquals("mx1", e.host);
        assertNull(events.get(0).queue);
    }
}
