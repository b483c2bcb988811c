package io.qmailfleet.job.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --fleet-map} inline and as a file, and its errors. */
class FleetMapTest {
    @Test
    void inlineEntriesAndLookupByIpThenDomain() {
        RelayConfig c = RelayOptions.config(JobConfig.from(CliArgs.parse(new String[] {
                "--fleet-map", "10.0.0.2=mbox1, Example.ORG=mbox2", "--relay-tolerance", "2s", "--relay-settle", "1s"})));
        assertEquals(Map.of("10.0.0.2", "mbox1", "example.org", "mbox2"), c.fleetMap);
        assertEquals("mbox1", c.mappedHost("10.0.0.2", "example.org"));
        assertEquals("mbox2", c.mappedHost("10.0.0.9", "example.org"));
        assertNull(c.mappedHost("10.0.0.9", "other.example"));
        assertEquals(2_000_000_000L, c.toleranceNanos);
        assertEquals(1000, c.settleMillis);
    }

    @Test
    void aSettleTimeNotShorterThanTheBufferIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> JobConfig.from(CliArgs.parse(new String[] {
                "--relay-settle", "2h", "--relay-buffer", "1h"})));
        assertEquals("--relay-settle must be shorter than --relay-buffer", e.getMessage());
    }

    @Test
    void aFileOfKeyHostLines(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("fleet.map");
        Files.writeString(f, "# fleet\n10.0.0.1 mx1\n10.0.0.2=mbox1   # the mailbox host\n\n");
        assertEquals(Map.of("10.0.0.1", "mx1", "10.0.0.2", "mbox1"), RelayConfig.parseFleetMap(f.toString()));
    }

    @Test
    void malformedEntriesAreErrorsThatNameThem(@TempDir Path dir) throws Exception {
        var e = assertThrows(IllegalArgumentException.class, () -> RelayConfig.parseFleetMap("10.0.0.1=mx1,10.0.0.2"));
        assertTrue(e.getMessage().contains("'10.0.0.2' is not KEY=HOST"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RelayConfig.parseFleetMap("10.0.0.1=mx1,10.0.0.1=mx2"));
        assertTrue(e.getMessage().contains("10.0.0.1 maps to both mx1 and mx2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RelayConfig.parseFleetMap(dir.resolve("missing").toString()));
        assertTrue(e.getMessage().startsWith("--fleet-map: no file"), e.getMessage());
        Path f = dir.resolve("bad.map");
        Files.writeString(f, "10.0.0.1 mx1\n10.0.0.2 mbox1 extra\n");
        e = assertThrows(IllegalArgumentException.class, () -> RelayConfig.parseFleetMap(f.toString()));
        assertTrue(e.getMessage().contains(":2 '10.0.0.2 mbox1 extra'"), e.getMessage());
    }
}
