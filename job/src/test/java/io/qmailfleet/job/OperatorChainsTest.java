package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.sink.FileOutputs;
import io.qmailfleet.job.source.FileLines;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which operators share a task in the job's graph as {@link FleetPipeline} wires it with every
 * stage: the stats stage's host windows and the paging stage's alert engine read the host
 * sequencer's facts and paging signals keyed by host without a shuffle
 * ({@link FleetPipeline.Streams#factsByHost()}, {@link FleetPipeline.Streams#pagingByHost()}), so
 * they run in the sequencer's task, at its parallelism; the parser still sits before a
 * {@code keyBy(host)}, in the source's task.
 * That the records are the same as with the shuffle is what the stats truth tests check
 * (qmailanalog's figures, the fleet scenarios); {@code ObjectReuseTest} runs this graph with and
 * without copies between chained operators.
 */
class OperatorChainsTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void theHostWindowsAndTheAlertEngineRunInTheHostSequencersTask(int parallelism) {
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {"--input", Capture.repo().resolve("samples/fleet").toString()}));
        StreamExecutionEnvironment env = PipelineRunner.env(parallelism);
        FleetPipeline.build(FileLines.stream(env, cfg), cfg, new CollectingSinks());
        JobGraph graph = env.getStreamGraph().getJobGraph();

        List<String> names = new ArrayList<>();
        JobVertex sequencer = null;
        for (JobVertex v : graph.getVertices()) {
            names.add(v.getName());
            if (v.getName().startsWith("host sequencer + life cycles")) sequencer = v;
        }
        assertTrue(sequencer != null, "a task headed by the host sequencer in " + names);
        assertEquals(parallelism, sequencer.getParallelism());
        for (String op : new String[] {"stats host windows", "alert engine"}) {
            assertTrue(sequencer.getName().contains(op), op + " in " + sequencer.getName());
            for (String n : names) {
                if (!n.equals(sequencer.getName())) assertFalse(n.contains(op), n);
            }
        }
        // the roll-up is keyed by window and key: it stays behind a shuffle
        assertFalse(sequencer.getName().contains("stats fleet roll-up"), sequencer.getName());
    }

    /**
     * The file sinks write each stream where it is made: the life cycles in the host sequencer's
     * task (no serialization on their way to JSON), the relay linker's updates of them into the
     * same folder from the relay updates' task.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void theLifeCyclesAreWrittenInTheHostSequencersTask(int parallelism, @TempDir Path out) {
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {"--input", Capture.repo().resolve("samples/fleet").toString()}));
        StreamExecutionEnvironment env = PipelineRunner.env(parallelism);
        FleetPipeline.build(FileLines.stream(env, cfg), cfg, new FileOutputs(out.toString()));
        JobGraph graph = env.getStreamGraph().getJobGraph();
        List<String> names = new ArrayList<>();
        for (JobVertex v : graph.getVertices()) names.add(v.getName());
        String sequencer = names.stream().filter(n -> n.startsWith("host sequencer + life cycles")).findFirst().orElseThrow();
        assertTrue(sequencer.contains("count lifecycles -> file lifecycles: Writer"), sequencer);
        String updates = names.stream().filter(n -> n.contains("relay updates")).findFirst().orElseThrow();
        assertTrue(updates.contains("count lifecycles-2 -> file lifecycles-2: Writer"), updates);
        for (String n : names) assertFalse(n.startsWith("count lifecycles"), "a task of its own: " + n);
    }
}
