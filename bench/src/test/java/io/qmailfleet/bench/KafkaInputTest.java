package io.qmailfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaInputTest {
    @Test
    void aProcessCpuTimeIsReadThroughItsPidFile(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc");
        Path pidFile = Files.writeString(dir.resolve("broker.pid"), ProcessHandle.current().pid() + "\n");
        long before = KafkaInput.cpuNanosOfPidFile(pidFile);
        assertTrue(before > 0, "this JVM has used CPU: " + before);
        long x = 0;
        for (long i = 0; i < 300_000_000L; i++) x += i ^ (x >>> 7);
        long after = KafkaInput.cpuNanosOfPidFile(pidFile);
        assertTrue(after > before, "the CPU time grows with work: " + before + " -> " + after + " (" + x + ")");
        assertEquals(-1, KafkaInput.cpuNanosOfPidFile(dir.resolve("missing.pid")));
        assertEquals(-1, KafkaInput.cpuNanosOfPidFile(Files.writeString(dir.resolve("bad.pid"), "not a pid")));
    }

    /** The order lines are produced in: host after host, or merged by their labels as shippers send them live. */
    @Test
    void hostsAreProducedOneAfterAnotherOrInterleavedByLogTime(@TempDir Path fleet) throws Exception {
        host(fleet, "mx1", "@400000006b05f0841dc0999c a1", "@400000006b05f0861dc0999c a2", "@400000006b05f0861dc0999c a3");
        host(fleet, "mx2", "@400000006b05f0851dc0999c b1", "@400000006b05f0861dc0999c b2");
        assertEquals(List.of("a1", "a2", "a3", "b1", "b2"), order(fleet, false));
        // the earliest label next; on a tie, the host listed first (a host's own order always kept)
        assertEquals(List.of("a1", "b1", "a2", "a3", "b2"), order(fleet, true));
    }

    private static void host(Path fleet, String name, String... lines) throws Exception {
        Files.write(Files.createDirectories(fleet.resolve(name)).resolve("current"), List.of(lines));
    }

    private static List<String> order(Path fleet, boolean interleaved) throws Exception {
        List<KafkaInput.Lines> sources = new ArrayList<>();
        for (String h : List.of("mx1", "mx2")) sources.add(new KafkaInput.Lines(fleet.resolve(h)));
        List<String> out = new ArrayList<>();
        for (KafkaInput.Lines l; (l = KafkaInput.next(sources, interleaved)) != null; l.advance()) {
            out.add(l.line.substring(26));
        }
        for (KafkaInput.Lines l : sources) l.reader.close();
        return out;
    }
}
