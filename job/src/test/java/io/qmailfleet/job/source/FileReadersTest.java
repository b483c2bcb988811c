package io.qmailfleet.job.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a backfill's files are dealt to its readers: one per host, each host's files in order on one. */
class FileReadersTest {
    private static Path log(Path dir, String host, String name) throws Exception {
        Path d = Files.createDirectories(dir.resolve(host));
        return Files.writeString(d.resolve(name), "@400000006561d3a2000000a0 status: local 0/10 remote 0/20\n");
    }

    private static List<List<String>> names(List<List<org.apache.flink.core.fs.Path>> readers) {
        List<List<String>> out = new ArrayList<>();
        for (List<org.apache.flink.core.fs.Path> r : readers) {
            List<String> n = new ArrayList<>();
            for (org.apache.flink.core.fs.Path p : r) n.add(p.getParent().getName() + "/" + p.getName());
            out.add(n);
        }
        return out;
    }

    @Test
    void oneReaderPerHostWithItsRotatedFiles(@TempDir Path tmp) throws Exception {
        log(tmp, "mx2", "current");
        log(tmp, "mx1", "current");
        log(tmp, "mx1", "@400000006561d3a2000000a0.s");
        log(tmp, "mx2", "@400000006561d3a2000000a0.s");
        HostRule rule = new HostRule(null, List.of(tmp.toString()));
        List<List<String>> readers = names(FileLines.readers(FileLines.list(List.of(tmp.toString())), rule));
        assertEquals(2, readers.size(), readers.toString());
        assertEquals(List.of("mx1/@400000006561d3a2000000a0.s", "mx1/current"), readers.get(0).stream().sorted().toList());
        assertEquals(List.of("mx2/@400000006561d3a2000000a0.s", "mx2/current"), readers.get(1).stream().sorted().toList());
        // --host NAME: all files are one host, so one reader
        assertEquals(1, FileLines.readers(FileLines.list(List.of(tmp.toString())), new HostRule("mail", List.of(tmp.toString()))).size());
    }

    @Test
    void moreHostsThanReadersShareThemAHostStayingOnOne(@TempDir Path tmp) throws Exception {
        int hosts = FileLines.MAX_READERS + 3;
        for (int i = 0; i < hosts; i++) {
            log(tmp, String.format("h%03d", i), "current");
            log(tmp, String.format("h%03d", i), "@400000006561d3a2000000a0.s");
        }
        List<List<String>> readers = names(FileLines.readers(FileLines.list(List.of(tmp.toString())),
                new HostRule(null, List.of(tmp.toString()))));
        assertEquals(FileLines.MAX_READERS, readers.size());
        int files = 0;
        for (List<String> r : readers) {
            files += r.size();
            assertEquals(0, r.size() % 2, "both files of a host on one reader: " + r);
        }
        assertEquals(2 * hosts, files);
        // dealt in host order: the first reader has h000 and h064
        assertEquals(List.of("h000", "h064"), readers.get(0).stream().map(n -> n.substring(0, 4)).distinct().sorted().toList());
    }
}
