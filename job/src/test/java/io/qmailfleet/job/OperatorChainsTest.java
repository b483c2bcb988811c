package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.sink.FileOutputs;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
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
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which operators share a task in the job's graph as {@link FleetPipeline} wires it with every
 * stage: the stats stage's host windows and the paging stage's alert engine read the host
 * sequencer's facts and paging signals keyed by host without a shuffle
 * ({@link FleetPipeline.Streams#factsByHost()}, {@link FleetPipeline.Streams#pagingByHost()}), so
 * they run in the sequencer's task, at its parallelism, as do the relay trace's two sides of each
 * life cycle and the message alerts' metrics. With several hosts the parser sits before a
 * {@code keyBy(host)}, in the source's task; a backfill of one host's files, or of several hosts'
 * multilog directories ({@link JobConfig#sequencerInReader}), runs a sequencer in each reader's
 * task, with the same records as behind the shuffle ({@code SequencerPerReaderTest} for several
 * hosts).
 * That the records are the same as with the shuffles is also what the stats truth tests check
 * (qmailanalog's figures, the fleet scenarios); {@code ObjectReuseTest} runs this graph with and
 * without copies between chained operators.
 */
class OperatorChainsTest {

    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    /** Two hosts' directories, each with the capture's qmail-send logs. */
    private static Path twoHosts(Path dir) {
        return Capture.multilogAsHosts(dir, "mx1", "mx2");
    }

    private static List<JobVertex> vertices(String input, int parallelism, io.qmailfleet.job.sink.PipelineSinks sinks,
                                            String... more) {
        List<String> args = new ArrayList<>(List.of("--input", input));
        args.addAll(List.of(more));
        JobConfig cfg = JobConfig.from(CliArgs.parse(args.toArray(new String[0])));
        StreamExecutionEnvironment env = PipelineRunner.env(parallelism);
        FleetPipeline.build(FileLines.readers(env, cfg), cfg, sinks);
        JobGraph graph = env.getStreamGraph().getJobGraph();
        List<JobVertex> out = new ArrayList<>();
        for (JobVertex v : graph.getVertices()) out.add(v);
        return out;
    }

    private static JobVertex sequencerTask(List<JobVertex> vertices) {
        List<String> names = new ArrayList<>();
        JobVertex sequencer = null;
        for (JobVertex v : vertices) {
            names.add(v.getName());
            if (v.getName().contains("host sequencer + life cycles")) {
                assertTrue(sequencer == null, "one task with the host sequencer in " + names);
                sequencer = v;
            }
        }
        assertTrue(sequencer != null, "a task with the host sequencer in " + names);
        return sequencer;
    }

    private static void chainedToTheSequencer(JobVertex sequencer, List<JobVertex> vertices) {
        chainedToTheSequencers(List.of(sequencer), vertices);
    }

    /** The per-host operators run in the tasks of the sequencers, one of each in each, and nowhere else. */
    private static void chainedToTheSequencers(List<JobVertex> sequencers, List<JobVertex> vertices) {
        for (String op : new String[] {"stats host windows", "alert engine", "relay offers", "relay receptions", "alert metrics"}) {
            for (JobVertex sequencer : sequencers) {
                assertTrue(sequencer.getName().contains(op), op + " in " + sequencer.getName());
                // the roll-up is keyed by window and key: it stays behind a shuffle
                assertFalse(sequencer.getName().contains("stats fleet roll-up"), sequencer.getName());
            }
            for (JobVertex v : vertices) {
                if (!sequencers.contains(v)) assertFalse(v.getName().contains(op), v.getName());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void theHostWindowsAndTheAlertEngineRunInTheHostSequencersTask(int parallelism, @TempDir Path dir) throws Exception {
        List<JobVertex> vertices = vertices(twoHosts(dir).toString(), parallelism, new CollectingSinks(),
                "--sequencer-per-reader", "false");
        JobVertex sequencer = sequencerTask(vertices);
        assertTrue(sequencer.getName().startsWith("host sequencer + life cycles"), "behind a keyBy: " + sequencer.getName());
        assertEquals(parallelism, sequencer.getParallelism());
        chainedToTheSequencer(sequencer, vertices);
    }

    /**
     * Several hosts' multilog directories ({@link JobConfig#sequencerInReader}): each reader's task
     * runs a host sequencer of its own, at parallelism 1, with the per-host operators chained to
     * it; no task of its own sequences lines.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void severalHostsDirectoriesRunASequencerInEachReadersTask(int parallelism, @TempDir Path dir) throws Exception {
        List<JobVertex> vertices = vertices(twoHosts(dir).toString(), parallelism, new CollectingSinks(),
                "--sequencer-per-reader", "true");
        List<JobVertex> sequencers = new ArrayList<>();
        for (JobVertex v : vertices) {
            if (v.getName().contains("host sequencer + life cycles")) sequencers.add(v);
        }
        assertEquals(2, sequencers.size(), sequencers.toString());
        for (int i = 0; i < 2; i++) {
            JobVertex v = sequencers.get(i);
            assertTrue(v.getName().startsWith("Source: log files " + (i + 1) + " -> parse -> "), "in the reader's task: " + v.getName());
            assertEquals(1, v.getParallelism());
        }
        chainedToTheSequencers(sequencers, vertices);
    }

    /** One host's files: one reader, and the sequencer with what it feeds in the reader's task, at parallelism 1. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aBackfillOfOneHostRunsTheSequencerInTheReadersTask(int parallelism) {
        List<JobVertex> vertices = vertices(Capture.repo().resolve("samples/fleet").toString(), parallelism, new CollectingSinks());
        JobVertex sequencer = sequencerTask(vertices);
        assertTrue(sequencer.getName().startsWith("Source: log files -> parse -> "), "in the reader's task: " + sequencer.getName());
        assertEquals(1, sequencer.getParallelism());
        chainedToTheSequencer(sequencer, vertices);
    }

    /**
     * The records of a backfill of one host are the same whether its sequencer runs in the
     * reader's task or behind a {@code keyBy(host)}: every output of the capture, as JSON lines
     * (values that depend on arrival order left out, as in {@code ObjectReuseTest}).
     */
    @Test
    void oneHostsRecordsAreTheSameInTheReadersTaskAndBehindAShuffle() throws Exception {
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {
                "--input", Capture.repo().resolve("samples/fleet").toString(),
                "--events", "true", "--host-events", "true", "--stuck-after", "60s"}));
        assertTrue(cfg.sequencerInReader);
        CollectingSinks inReader = PipelineRunner.runFiles(cfg, 2);
        cfg.sequencerInReader = false;
        CollectingSinks shuffled = PipelineRunner.runFiles(cfg, 2);
        for (Output<?> o : Outputs.ALL) {
            assertEquals(ObjectReuseTest.json(shuffled, o), ObjectReuseTest.json(inReader, o), o.name());
        }
        assertEquals(539, ObjectReuseTest.json(inReader, Outputs.LIFECYCLES).size());
        assertFalse(ObjectReuseTest.json(inReader, io.qmailfleet.job.stats.StatsOutputs.RECIPIENTS).isEmpty());
        assertFalse(ObjectReuseTest.json(inReader, Outputs.ALERTS).isEmpty(), "the stuck threshold raised alerts");
    }

    /**
     * The file sinks write each stream where it is made: the life cycles in the host sequencer's
     * task (no serialization on their way to JSON), the relay linker's updates of them into the
     * same folder from the relay updates' task.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void theLifeCyclesAreWrittenInTheHostSequencersTask(int parallelism, @TempDir Path out) throws Exception {
        String twoHosts = twoHosts(out.resolve("in")).toString();
        String[][] cases = {{Capture.repo().resolve("samples/fleet").toString()}, {twoHosts, "--sequencer-per-reader", "false"}};
        for (String[] c : cases) {
            List<JobVertex> vertices = vertices(c[0], parallelism, new FileOutputs(out.resolve("out").toString()),
                    java.util.Arrays.copyOfRange(c, 1, c.length));
            List<String> names = new ArrayList<>();
            for (JobVertex v : vertices) names.add(v.getName());
            String sequencer = sequencerTask(vertices).getName();
            assertTrue(sequencer.contains("encode lifecycles -> file lifecycles: Writer"), sequencer);
            String updates = names.stream().filter(n -> n.contains("relay updates")).findFirst().orElseThrow();
            assertTrue(updates.contains("encode lifecycles-2 -> file lifecycles-2: Writer"), updates);
            for (String n : names) assertFalse(n.startsWith("encode lifecycles"), "a task of its own: " + n);
        }
        // a sequencer in each reader's task: each writes its life cycles there, the updates come third
        List<JobVertex> vertices = vertices(twoHosts, parallelism, new FileOutputs(out.resolve("out").toString()),
                "--sequencer-per-reader", "true");
        List<String> names = new ArrayList<>();
        for (JobVertex v : vertices) names.add(v.getName());
        for (String n : names) assertFalse(n.startsWith("encode lifecycles"), "a task of its own: " + n);
        for (String lane : new String[] {"Source: log files 1 -> ", "Source: log files 2 -> "}) {
            String task = names.stream().filter(n -> n.startsWith(lane)).findFirst().orElseThrow();
            assertTrue(task.contains("host sequencer + life cycles") && task.contains("file lifecycles"), task);
        }
        assertTrue(names.stream().anyMatch(n -> n.startsWith("Source: log files 2 -> ") && n.contains("encode lifecycles-2 -> file lifecycles-2: Writer")), names.toString());
        String updates = names.stream().filter(n -> n.contains("relay updates")).findFirst().orElseThrow();
        assertTrue(updates.contains("encode lifecycles-3 -> file lifecycles-3: Writer"), updates);
    }

    /**
     * A backfill of several hosts' files sequenced behind a shuffle ({@code --sequencer-per-reader
     * false}, or syslog files): each host's reader parses its own lines in its task (no raw line
     * crosses to a task of its own to be parsed) and writes them to the events output there; the
     * parsed lines cross one shuffle, the keyBy(host) to the sequencer.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void eachReaderOfSeveralHostsParsesAndWritesItsLinesInItsTask(int parallelism, @TempDir Path dir) throws Exception {
        List<JobVertex> vertices = vertices(twoHosts(dir.resolve("in")).toString(), parallelism,
                new FileOutputs(dir.resolve("out").toString()), "--sequencer-per-reader", "false");
        List<String> names = new ArrayList<>();
        for (JobVertex v : vertices) names.add(v.getName());
        for (String reader : new String[] {"Source: log files 1", "Source: log files 2"}) {
            JobVertex v = vertices.stream().filter(x -> x.getName().startsWith(reader + " -> ")).findFirst()
                    .orElseThrow(() -> new AssertionError(reader + " in " + names));
            assertEquals(1, v.getParallelism());
            assertTrue(v.getName().startsWith(reader + " -> parse -> "), v.getName());
            assertTrue(v.getName().contains("file events"), "its lines' events sink in its task: " + v.getName());
        }
        for (String n : names) assertFalse(n.startsWith("parse"), "a parser in a task of its own: " + n);
        assertTrue(sequencerTask(vertices).getName().startsWith("host sequencer + life cycles"));
    }
    /**
     * The job as {@code Main} runs it without {@code --quiet}: each reader's lines pass a progress
     * probe in the reader's task, before its parser, so the probe does not join the readers into a
     * task of its own (which would serialize every raw line to reach it).
     */
    @Test
    void theProgressProbeOfEachReaderRunsInTheReadersTask(@TempDir Path dir) throws Exception {
        String in = twoHosts(dir.resolve("in")).toString();
        for (String hosts : new String[] {in, in + "/mx1"}) {
            JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {"--input", hosts}));
            assertFalse(cfg.quiet);
            StreamExecutionEnvironment env = PipelineRunner.env(2);
            FleetPipeline.build(Main.lines(env, cfg, null), cfg, new FileOutputs(dir.resolve("out").toString()));
            List<String> names = new ArrayList<>();
            for (JobVertex v : env.getStreamGraph().getJobGraph().getVertices()) names.add(v.getName());
            List<String> readers = names.stream().filter(n -> n.startsWith("Source: log files")).toList();
            assertEquals(hosts.equals(in) ? 2 : 1, readers.size(), names.toString());
            for (String r : readers) {
                assertTrue(r.matches("Source: log files( \\d+)? -> progress -> parse -> .*"), r);
            }
            for (String n : names) assertFalse(n.startsWith("progress"), "a probe in a task of its own: " + n);
            // --quiet: no probe
            JobConfig quiet = JobConfig.from(CliArgs.parse(new String[] {"--input", hosts, "--quiet"}));
            assertEquals(readers.size(), Main.lines(PipelineRunner.env(2), quiet, null).size());
            for (var l : Main.lines(PipelineRunner.env(2), quiet, null)) {
                assertTrue(l.getTransformation().getName().startsWith("log files"), l.getTransformation().getName());
            }
        }
    }
}
