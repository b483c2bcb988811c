package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmailfleet.job.lifecycle.HostSequencer;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.source.FileLines;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The job runs with Flink's object reuse on ({@link FleetPipeline#OBJECT_REUSE}): chained operators
 * pass records on without a copy, so an operator that changed a record after emitting it, or kept
 * one it received, would corrupt another's output. The whole graph runs here on the real capture
 * (qmail-send and tcpserver logs as multilog, and the syslog copy with its split line) on the heap
 * state backend, where state objects are shared by reference, with every output on and a stuck
 * threshold low enough to raise alerts, once with reuse and once without: every output's records,
 * as the JSON lines they become, are the same. The collecting sinks keep the record objects
 * themselves (nothing is encoded until the end), so a later change to an emitted record shows.
 */
class ObjectReuseTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @ParameterizedTest
    @ValueSource(strings = {"fleet", "syslog"})
    void everyOutputIsTheSameWithAndWithoutObjectReuse(String input) throws Exception {
        JobConfig cfg = config(input, true);

        CollectingSinks reused = PipelineRunner.runFiles(cfg, 2, true);
        CollectingSinks copied = PipelineRunner.runFiles(cfg, 2, false);

        for (Output<?> o : Outputs.ALL) {
            List<String> a = json(reused, o);
            List<String> b = json(copied, o);
            assertEquals(b.size(), a.size(), o.name());
            assertEquals(b, a, o.name());
        }
        assertEquals(539, json(reused, Outputs.LIFECYCLES).size());
        assertFalse(json(reused, Outputs.ALERTS).isEmpty(), "the stuck threshold raised alerts");
        assertTrue(json(reused, Outputs.EVENTS).size() >= 4526);
        assertFalse(json(reused, Outputs.HOST_EVENTS).isEmpty());
    }

    /**
     * With the events output off, the host sequencer is the only consumer of the parser's stream and
     * its reorder buffer keeps the parser's objects instead of copies
     * ({@link io.qmailfleet.job.lifecycle.HostSequencer#parsedLinesShared}); with it on, copies. The
     * wiring says which, and every other output is the same either way (object reuse on, the
     * collecting sinks keeping the record objects, so a line changed behind another's back shows).
     */
    @ParameterizedTest
    @ValueSource(strings = {"fleet", "syslog"})
    void withoutTheEventsOutputTheReorderBufferKeepsTheParsersLinesAndNothingElseChanges(String input) throws Exception {
        JobConfig on = config(input, true);
        JobConfig off = config(input, false);
        assertTrue(parsedLinesShared(on), "the events output shares the parser's lines");
        assertFalse(parsedLinesShared(off), "the sequencer alone reads them");

        CollectingSinks copies = PipelineRunner.runFiles(on, 2, true);
        CollectingSinks lines = PipelineRunner.runFiles(off, 2, true);
        assertTrue(lines.of(Outputs.EVENTS).isEmpty());
        for (Output<?> o : Outputs.ALL) {
            if (o == Outputs.EVENTS) continue;
            assertEquals(json(copies, o), json(lines, o), o.name());
        }
        assertEquals(539, json(lines, Outputs.LIFECYCLES).size());
        assertFalse(json(lines, Outputs.HOST_EVENTS).isEmpty());
    }

    /** The real capture ({@code fleet}: multilog, {@code syslog}: the syslog copy), every output on but maybe the events, alerts raised. */
    private static JobConfig config(String input, boolean events) {
        String path = input.equals("fleet") ? Capture.repo().resolve("samples/fleet").toString() : Capture.syslogFile().toString();
        return JobConfig.from(CliArgs.parse(new String[] {
                "--input", path, "--events", String.valueOf(events), "--host-events", "true", "--stuck-after", "60s"}));
    }

    /** Whether the host sequencer of the graph wired for {@code cfg} (with sinks for its enabled outputs) copies the lines it buffers. */
    private static boolean parsedLinesShared(JobConfig cfg) {
        StreamExecutionEnvironment env = PipelineRunner.env(1, cfg.stateBackend, true);
        FleetPipeline.build(FileLines.readers(env, cfg), cfg, new CollectingSinks());
        List<Boolean> found = new ArrayList<>();
        for (Transformation<?> t : env.getTransformations()) {
            if (t instanceof OneInputTransformation<?, ?> one && one.getOperatorFactory() instanceof SimpleOperatorFactory<?> f
                    && f.getOperator() instanceof HostSequencer seq) {
                found.add(seq.parsedLinesShared());
            }
        }
        assertEquals(1, found.size(), "one host sequencer");
        return found.get(0);
    }

    /**
     * The output's records as JSON lines, sorted (subtasks interleave differently run to run).
     * Two kinds of value depend on that interleaving, not on copies, and are left out: the stats
     * stage's example reason text (the first one it saw) and its quantile sketches (KLL compacts
     * in arrival order). Every count and sum beside them must still be equal.
     */
    static <T> List<String> json(CollectingSinks sinks, Output<T> o) {
        List<String> out = new ArrayList<>();
        for (T r : sinks.of(o)) {
            String line = o.json().apply(r);
            try {
                JsonNode tree = JSON.readTree(line);
                dropArrivalOrderValues(tree);
                out.add(JSON.writeValueAsString(tree));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        out.sort(null);
        return out;
    }

    /** Leaves out the values that depend on the order records arrived in: reasons' examples and quantile estimates. */
    static void dropArrivalOrderValues(JsonNode node) {
        if (node instanceof ObjectNode) {
            ObjectNode o = (ObjectNode) node;
            List<String> drop = new ArrayList<>();
            o.fieldNames().forEachRemaining(f -> {
                if (f.equals("example") || f.endsWith("_quantiles")) drop.add(f);
            });
            o.remove(drop);
        }
        for (JsonNode child : node) dropArrivalOrderValues(child);
    }
}
