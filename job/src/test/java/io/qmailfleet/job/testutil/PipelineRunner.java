package io.qmailfleet.job.testutil;

import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.Main;
import io.qmailfleet.job.source.FileLines;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.source.LineTimestamps;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** Runs the whole graph on the test MiniCluster, with generic (Kryo) types switched off. */
public final class PipelineRunner {
    private PipelineRunner() {}

    public static MiniClusterExtension miniCluster() {
        Configuration conf = new Configuration();
        // as the job's embedded cluster and deploy/'s clusters: a backfill's file readers can be
        // paused when ahead (FileLines)
        conf.set(PipelineOptions.ALLOW_UNALIGNED_SOURCE_SPLITS, true);
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setConfiguration(conf).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());
    }

    /** Every transformation of the graph wired on {@code env} (its sinks and all they read from), each once. */
    public static List<Transformation<?>> transformations(StreamExecutionEnvironment env) {
        List<Transformation<?>> all = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        Deque<Transformation<?>> todo = new ArrayDeque<>(env.getTransformations());
        while (!todo.isEmpty()) {
            Transformation<?> t = todo.pop();
            if (!seen.add(t.getId())) continue;
            all.add(t);
            todo.addAll(t.getInputs());
        }
        return all;
    }

    public static StreamExecutionEnvironment env(int parallelism) {
        return env(parallelism, "hashmap");
    }

    public static StreamExecutionEnvironment env(int parallelism, String stateBackend) {
        return env(parallelism, stateBackend, FleetPipeline.OBJECT_REUSE);
    }

    /** As the job runs, but with Flink's object reuse as given. */
    public static StreamExecutionEnvironment env(int parallelism, String stateBackend, boolean objectReuse) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, stateBackend);
        // every record type must be a POJO or basic type: a Kryo fallback fails the job
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // as the job runs (Main.environment)
        conf.set(PipelineOptions.OBJECT_REUSE, objectReuse);
        // as the job runs on the clusters of miniCluster(): a backfill's file readers pause as a
        // whole when ahead (FileLines)
        conf.set(PipelineOptions.ALLOW_UNALIGNED_SOURCE_SPLITS, true);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        return env;
    }

    /** The job's own file source over {@code cfg.inputs}, into collecting sinks. */
    public static CollectingSinks runFiles(JobConfig cfg, int parallelism) throws Exception {
        return runFiles(cfg, parallelism, FleetPipeline.OBJECT_REUSE);
    }

    /** The job's own file source over {@code cfg.inputs}, with Flink's object reuse as given. */
    public static CollectingSinks runFiles(JobConfig cfg, int parallelism, boolean objectReuse) throws Exception {
        return filesRun(cfg, parallelism, objectReuse).sinks();
    }

    /** A run's records and its result, whose accumulators hold the job's counts ({@link #acc}). */
    public record FilesRun(CollectingSinks sinks, JobExecutionResult result) {
        public long acc(String name) {
            return PipelineRunner.acc(result, name);
        }
    }

    /** {@link #runFiles(JobConfig, int)} with the run's result. */
    public static FilesRun filesRun(JobConfig cfg, int parallelism) throws Exception {
        return filesRun(cfg, parallelism, FleetPipeline.OBJECT_REUSE);
    }

    private static FilesRun filesRun(JobConfig cfg, int parallelism, boolean objectReuse) throws Exception {
        StreamExecutionEnvironment env = env(parallelism, cfg.stateBackend, objectReuse);
        if (cfg.rocksdbTimers != null) {
            // as Main.environment sets it
            Configuration timers = new Configuration();
            Main.setRocksdbTimers(timers, cfg.rocksdbTimers);
            env.configure(timers);
        }
        CollectingSinks sinks = new CollectingSinks();
        FleetPipeline.build(FileLines.readers(env, cfg), cfg, sinks);
        return new FilesRun(sinks, env.execute("test on files"));
    }

    /** The accumulator {@code name} of a finished job (a count), 0 when the job has none. */
    public static long acc(JobExecutionResult r, String name) {
        Object v = r.getAllAccumulatorResults().get(name);
        return v instanceof Number ? ((Number) v).longValue() : 0L;
    }

    /** In-memory lines (in this order, one source subtask), into collecting sinks. */
    public static CollectingSinks runLines(JobConfig cfg, List<RawLine> lines, int parallelism) throws Exception {
        StreamExecutionEnvironment env = env(parallelism, cfg.stateBackend);
        CollectingSinks sinks = new CollectingSinks();
        DataStream<RawLine> in = env.fromData(lines, TypeInformation.of(RawLine.class)).setParallelism(1)
                .assignTimestampsAndWatermarks(FleetPipeline.watermarks(cfg)).setParallelism(1);
        FleetPipeline.build(in, cfg, sinks);
        env.execute("test on lines");
        return sinks;
    }

    /** A source watermark after every line (newest line - bound - 1 ms): deterministic progress. */
    public static WatermarkStrategy<RawLine> perLineWatermarks(long boundMillis) {
        return WatermarkStrategy.<RawLine>forGenerator(ctx -> new WatermarkGenerator<>() {
            private long max = Long.MIN_VALUE;

            @Override
            public void onEvent(RawLine line, long ts, WatermarkOutput out) {
                if (ts > max) {
                    max = ts;
                    out.emitWatermark(new Watermark(max - boundMillis - 1));
                }
            }

            @Override
            public void onPeriodicEmit(WatermarkOutput out) {}
        }).withTimestampAssigner(new LineTimestamps());
    }
}
