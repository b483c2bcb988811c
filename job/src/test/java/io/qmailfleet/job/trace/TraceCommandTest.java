package io.qmailfleet.job.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.Main;
import io.qmailfleet.job.testutil.PipelineRunner;
import io.qmailfleet.job.testutil.Schemas;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job run on the synthetic fleet's log files (one multilog folder per host), writing real output
 * files, then {@code trace} on those files: the bounce round trip mx1 -> mbox1 -> (bounce) -> mx1.
 */
class TraceCommandTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @TempDir
    static Path tmp;
    static Path out;
    static JobExecutionResult result;

    @BeforeAll
    static void runTheJobOnTheFleetsFiles() throws Exception {
        Path logs = tmp.resolve("logs");
        for (Map.Entry<String, List<String>> h : RelayFleetLogs.hosts().entrySet()) {
            Path dir = Files.createDirectories(logs.resolve(h.getKey()));
            Files.write(dir.resolve("current"), h.getValue(), StandardCharsets.UTF_8);
        }
        out = tmp.resolve("out");
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {
                "--input", logs.toString(), "--output", out.toString(), "--fleet-map", RelayFleetLogs.FLEET_MAP}));
        result = Main.run(cfg);
    }

    record Result(int rc, String out, String err) {}

    static Result trace(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--output", out.toString()));
        all.addAll(List.of(args));
        int rc = TraceCommand.run(all.toArray(new String[0]), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static List<String> lines(Path folder) throws Exception {
        List<String> l = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.sorted().toList()) l.addAll(Files.readAllLines(f));
        }
        return l;
    }

    @Test
    void theRunWritesHopsAndLinkedLifeCyclesThatFollowTheSchemas() throws Exception {
        List<String> hops = lines(out.resolve("hops"));
        assertEquals(5, hops.size());
        assertEquals(5L, ((Number) result.getAllAccumulatorResults().get("out-hops")).longValue());
        assertEquals(5L, ((Number) result.getAllAccumulatorResults().get(RelayLinker.ACC_LINKS)).longValue());
        JsonSchema hopSchema = Schemas.load("hop.schema.json");
        for (String h : hops) assertEquals(Set.of(), Schemas.validate(hopSchema, h), h);
        List<String> lifecycles = lines(out.resolve("lifecycles"));
        assertEquals(12 + 10, lifecycles.size(), "12 life cycles, 10 written again with a link");
        // the two file sinks of the folder (the sequencer's life cycles, the linker's updates) count into one total
        assertEquals(22L, ((Number) result.getAllAccumulatorResults().get("out-lifecycles")).longValue());
        JsonSchema lifecycleSchema = Schemas.load("lifecycle.schema.json");
        for (String l : lifecycles) assertEquals(Set.of(), Schemas.validate(lifecycleSchema, l), l);
    }

    @Test
    void aBounceRoundTripReadsAsOnePath() {
        Result r = trace("--host", "mx1", "--msg", "102");
        assertEquals(0, r.rc(), r.err());
        String[] l = r.out().split("\n");
        assertTrue(l[0].startsWith("path 1 of 1: 4 life cycles on mbox1, mx1"), r.out());
        assertTrue(r.out().contains("* mx1 msg 102"), r.out());
        assertTrue(r.out().contains("-> relayed to mbox1 msg 202 (delivery 3 to nosuch@mbox1.example via 10.0.0.2, qp 7003,"
                + " 0.3 s from attempt start to end msg (receiver clock +86400 s))"), r.out());
        assertTrue(r.out().contains("local nosuch@mbox1.example: failure after 1 attempt  Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/"), r.out());
        assertTrue(r.out().contains("-> bounced: mbox1 msg 203 to the sender"), r.out());
        assertTrue(r.out().contains("-> relayed to mx1 msg 103"), r.out());
        assertTrue(r.out().contains("local alice@mx1.example: success"), r.out());
        // starting from the returned bounce gives the same path, from its origin
        Result back = trace("--host", "mx1", "--msg", "103");
        assertEquals(r.out().replace("* mx1 msg 102", "mx1 msg 102"), back.out().replace("* mx1 msg 103", "mx1 msg 103"));
    }

    @Test
    void jsonForMachinesAndAnAddressWithATimeRange() throws Exception {
        Result r = trace("--address", "BOB@mbox1.example", "--from", "2026-11-24T20:14:00Z", "--to", "2026-11-24T20:14:30", "--json");
        assertEquals(0, r.rc(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(2, j.path("paths").size(), "mx1:100 -> mbox1:200 and mbox1:201 -> mx1:101 (bob's reply)");
        JsonNode first = j.path("paths").get(0);
        assertEquals("mx1", first.path("lifecycle").path("host").asText());
        assertEquals(100, first.path("lifecycle").path("msg_id").asLong());
        JsonNode step = first.path("next").get(0);
        assertEquals("relay", step.path("via").asText());
        assertEquals("mbox1", step.path("to").path("lifecycle").path("host").asText());
        assertEquals(200, step.path("to").path("lifecycle").path("msg_id").asLong());
        assertEquals("mx1", step.path("to").path("lifecycle").path("relayed_from").path("host").asText());
        // mbox1's clock is a day ahead: its messages are outside a range on mx1's day
        Result none = trace("--address", "bob@mbox1.example", "--from", "2026-11-26T00:00:00Z");
        assertEquals(1, none.rc());
        assertTrue(none.err().contains("no message found"), none.err());
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        Result r = trace("--host", "mx1");
        assertEquals(2, r.rc());
        assertTrue(r.err().startsWith("error: --host and --msg go together"), r.err());
        assertEquals(2, trace("--msg", "1", "--host", "mx1", "--bogus", "x").rc());
    }
}
