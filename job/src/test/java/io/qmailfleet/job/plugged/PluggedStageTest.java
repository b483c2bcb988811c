package io.qmailfleet.job.plugged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.JobOptions;
import io.qmailfleet.job.Stage;
import io.qmailfleet.job.Stages;
import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.options.OptionGroup;
import io.qmailfleet.job.options.Options;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.source.FileLines;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stage joins the job through the stage list and the output list alone: {@link FactCountsStage},
 * which no main class names, is added to copies of {@link Stages#ALL} and {@link Outputs#ALL}; its
 * options are then parsed and checked with the job's, and on the real capture its output appears
 * beside the job's own, with counts that agree with the life cycles the same run wrote.
 */
class PluggedStageTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static final List<Stage<?>> STAGES = plus(Stages.ALL, new FactCountsStage());
    private static final List<Output<?>> OUTPUTS = plus(Outputs.ALL, FactCountsStage.OUTPUT);

    private static <T> List<T> plus(List<T> list, T more) {
        List<T> l = new ArrayList<>(list);
        l.add(more);
        return List.copyOf(l);
    }

    @Test
    void itsOptionsArePartOfTheCommandLineOnlyWhenItIsListed() {
        String usage = JobOptions.usage(new Options(JobOptions.groups(STAGES)));
        assertTrue(usage.contains("\nFact counts:\n" + Options.line(FactCountsStage.ENABLED) + "\n"), usage);
        assertTrue(usage.indexOf("Fact counts:") > usage.indexOf("Paging alerts"), "after the stages before it");

        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {"--fact-counts-min", "3"}), STAGES);
        assertEquals(3, cfg.get(FactCountsStage.MIN));
        assertEquals("--fact-counts-min -1: must be >= 0", assertThrows(IllegalArgumentException.class,
                () -> JobConfig.from(CliArgs.parse(new String[] {"--fact-counts-min", "-1"}), STAGES)).getMessage());
        assertEquals("unknown option --fact-counts-min (see --help)", assertThrows(IllegalArgumentException.class,
                () -> JobConfig.from(CliArgs.parse(new String[] {"--fact-counts-min", "3"}))).getMessage());
        assertTrue(!JobOptions.USAGE.contains("fact-counts"));
    }

    @Test
    void anOutputGetsOneStreamAndTheErrorNamesTheStage() throws Exception {
        Stage<Void> again = new Stage<>() {
            @Override public String name() { return "life cycles again"; }
            @Override public OptionGroup options() { return new OptionGroup("Life cycles again"); }
            @Override public Void config(JobConfig cfg) { return null; }
            @Override public void attach(FleetPipeline.Streams s, Void config) { s.put(Outputs.LIFECYCLES, s.lifecycles); }
        };
        List<Stage<?>> stages = plus(Stages.ALL, again);
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {"--input", Capture.multilogDir().toString()}), stages);
        StreamExecutionEnvironment env = PipelineRunner.env(1);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FleetPipeline.build(FileLines.readers(env, cfg), cfg, stages));
        assertEquals("stage life cycles again: output lifecycles has a stream already: add to it", e.getMessage());
    }

    @Test
    void itsOutputAppearsBesideTheJobsOwnAndCountsTheCoresFacts() throws Exception {
        JobConfig cfg = JobConfig.from(CliArgs.parse(new String[] {
                "--input", Capture.multilogDir().toString(), "--host", "mail"}), STAGES);
        StreamExecutionEnvironment env = PipelineRunner.env(2);
        CollectingSinks sinks = new CollectingSinks();
        FleetPipeline.build(FileLines.readers(env, cfg), cfg, sinks, STAGES, OUTPUTS);
        env.execute("a plugged-in stage");

        List<LifecycleRecord> lifecycles = sinks.lifecycles().stream().filter(r -> !r.relayUpdate).toList();
        assertEquals(539, lifecycles.size(), "the job's own outputs as without the stage");
        assertTrue(!sinks.stats("hosts").isEmpty());
        long accepted = lifecycles.stream().filter(r -> r.infoNanos >= 0).count();
        long ended = 0;
        long attempts = 0;
        for (LifecycleRecord r : lifecycles) {
            if (r.status == LifecycleStatus.COMPLETE) ended++;
            for (Recipient rc : r.recipients) {
                for (Attempt a : rc.attempts) if (a.outcome != null) attempts++;
            }
        }
        Map<String, Long> got = new TreeMap<>();
        for (FactCountsStage.FactCount c : sinks.of(FactCountsStage.OUTPUT)) {
            assertEquals("mail", c.host);
            assertEquals(null, got.put(c.kind, c.count), "one count per kind");
        }
        assertEquals(Map.of("ACCEPTED", accepted, "ATTEMPT_END", attempts, "MESSAGE_END", ended), got);
        assertTrue(accepted > 500 && attempts > 500 && ended > 500, got.toString());
        sinks.clear();
    }
}
