package io.qmailfleet.job.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Reads back what a file output wrote: the commands that work on a run's output folder use it. */
public final class OutputRecords {
    private OutputRecords() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Every committed record of one output folder, in file-name order; none if the folder is absent.
     * The file sink's in-progress files are hidden and skipped. A line that is not JSON is an
     * {@link IOException} naming its file and line.
     */
    public static List<JsonNode> read(Path dir) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        if (!Files.isDirectory(dir)) return records;
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing(Path::toString)).toList();
        }
        for (Path f : files) {
            try (BufferedReader br = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = br.readLine()) != null) {
                    n++;
                    if (line.isBlank()) continue;
                    try {
                        records.add(JSON.readTree(line));
                    } catch (IOException e) {
                        throw new IOException(f + ":" + n + " is not JSON: " + e.getMessage(), e);
                    }
                }
            }
        }
        return records;
    }
}
