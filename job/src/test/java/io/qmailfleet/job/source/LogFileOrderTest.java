package io.qmailfleet.job.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LogFileOrderTest {
    private static List<String> shuffledSorted(List<String> expected) {
        List<String> l = new ArrayList<>(expected);
        Collections.shuffle(l, new Random(7));
        l.sort(LogFileOrder.INSTANCE);
        return l;
    }

    @Test
    void multilogRotatedFilesInNameOrderThenCurrent() {
        List<String> expected = List.of(
                "/l/mail/@400000006b05f0841dc0999c.s",
                "/l/mail/@400000006b05f08e090f2914.u",
                "/l/mail/@400000006b05f2621b0a7664.s.gz",
                "/l/mail/current");
        assertEquals(expected, shuffledSorted(expected));
    }

    @Test
    void logrotateNumbersOldestFirstThenLiveFile() {
        List<String> expected = List.of("/var/log/maillog.12.gz", "/var/log/maillog.3.gz", "/var/log/maillog.2.gz",
                "/var/log/maillog.1", "/var/log/maillog");
        assertEquals(expected, shuffledSorted(expected));
    }

    @Test
    void logrotateDateextOldestFirstThenLiveFile() {
        List<String> expected = List.of("/var/log/maillog-20261123.gz", "/var/log/maillog-20261124", "/var/log/maillog");
        assertEquals(expected, shuffledSorted(expected));
    }

    @Test
    void directoriesAreKeptApart() {
        List<String> expected = List.of("/l/a/@4000000000000001.s", "/l/a/current", "/l/b/@4000000000000000.s", "/l/b/current");
        assertEquals(expected, shuffledSorted(expected));
    }

    @Test
    void multilogControlFilesAreNotLogs() {
        for (String n : List.of("lock", "state", "newstate", "processed")) assertTrue(LogFileOrder.isMultilogControlFile(n), n);
        for (String n : List.of("current", "@400000006b05f0841dc0999c.s", "maillog")) assertFalse(LogFileOrder.isMultilogControlFile(n), n);
    }
}
