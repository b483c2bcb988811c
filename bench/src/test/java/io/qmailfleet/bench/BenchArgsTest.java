package io.qmailfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.qmailfleet.job.CliArgs;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmarks' command lines: job options and JVM options passed as one value. */
class BenchArgsTest {
    @Test
    void aCommandLineValueMayStartWithDashes() {
        String[] args = {"--sizes", "20", "--job-args", "--stats-rollup-bound log-time", "--jvm-opts", "-Xmx2g",
                "--events", "false"};
        CliArgs a = CliArgs.parse(BenchArgs.joinCommandLineValues(args));
        assertEquals("--stats-rollup-bound log-time", a.get("job-args", ""));
        assertEquals(List.of("--stats-rollup-bound", "log-time"), SpeedBench.words(a.get("job-args", "")));
        assertEquals("-Xmx2g", a.get("jvm-opts", ""));
        assertEquals("20", a.get("sizes", ""));
        assertEquals("false", a.get("events", ""));
        assertNull(BenchArgs.unknownOption(a, SpeedBench.OPTIONS));
        // the = form is left as it is
        CliArgs b = CliArgs.parse(BenchArgs.joinCommandLineValues(new String[] {"--job-args=--stats false"}));
        assertEquals("--stats false", b.get("job-args", ""));
        // without the join, the value would be read as an option of its own
        assertEquals("unknown option --stats-rollup-bound log-time",
                BenchArgs.unknownOption(CliArgs.parse(args), SpeedBench.OPTIONS));
    }
}
