package io.qmailfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
