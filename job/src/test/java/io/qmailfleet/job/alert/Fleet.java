package io.qmailfleet.job.alert;

import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.Main;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.util.ArrayList;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Synthetic multilog lines of a fleet, built from the catalog's line shapes, and a whole-graph run. */
final class Fleet {
    static final long TAI64_UNIX_EPOCH = 4611686018427387914L;
    static final long T0 = 1795551251L; // 2026-11-24 20:14:11 UTC

    /** One host's log, built in order. */
    static final class Host {
        final String name;
        final long offsetSeconds;
        final List<String> lines = new ArrayList<>();
        /** When each line was written, in millis after T0 of true time (the host's offset left out). */
        final List<Long> written = new ArrayList<>();
        int delivery = 1;
        long msg = 1000;

        Host(String name, long offsetSeconds) {
            this.name = name;
            this.offsetSeconds = offsetSeconds;
        }

        /** A multilog line {@code millis} after T0 on this host's clock. */
        Host line(long millis, String text) {
            long secs = T0 + offsetSeconds + millis / 1000;
            lines.add(String.format("@%016x%08x %s", TAI64_UNIX_EPOCH + secs, (millis % 1000) * 1_000_000L, text));
            written.add(millis);
            return this;
        }

        Host startup(long millis) {
            return line(millis, "status: local 0/10 remote 0/20");
        }

        /** A whole remote message: queued, one attempt with {@code outcome} ("success: ..."), ended if done. */
        long message(long millis, String rcpt, String result) {
            return message(millis, rcpt, result, "alice@example.com");
        }

        /** The same, from {@code sender}. */
        long message(long millis, String rcpt, String result, String sender) {
            long id = msg++;
            line(millis, "new msg " + id);
            line(millis, "info msg " + id + ": bytes 300 from <" + sender + "> qp " + (20000 + id) + " uid 1008");
            attempt(millis, id, rcpt, result);
            if (!result.startsWith("deferral")) line(millis + 3, "end msg " + id);
            return id;
        }

        Host attempt(long millis, long id, String rcpt, String result) {
            int d = delivery++;
            line(millis + 1, "starting delivery " + d + ": msg " + id + " to remote " + rcpt);
            line(millis + 1, "status: local 0/10 remote 1/20");
            line(millis + 2, "delivery " + d + ": " + result);
            line(millis + 2, "status: local 0/10 remote 0/20");
            return this;
        }

        List<RawLine> raw() {
            List<RawLine> out = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) out.add(new RawLine(lines.get(i), name, "test:" + name, i + 1));
            return out;
        }
    }

    static final String OK = "success: 10.0.0.9_accepted_message./Remote_host_said:_250_ok/";
    static final String DEFER = "deferral: Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/";

    static JobConfig config(String... args) {
        return JobConfig.from(CliArgs.parse(args));
    }

    /** A run's outputs and its accumulators. */
    static final class Run {
        CollectingSinks sinks;
        JobExecutionResult result;

        List<PageEvent> pages() {
            return sinks.pages();
        }

        @SuppressWarnings("unchecked")
        List<String> open() {
            Object v = result.getAllAccumulatorResults().get(AlertEngine.ACC_OPEN);
            return v == null ? List.of() : (List<String>) v;
        }

        /** Each dedup key's actions in order ("trigger@<nanos>", "resolve@<nanos>"). */
        Map<String, List<String>> byKey() {
            Map<String, List<String>> m = new LinkedHashMap<>();
            for (PageEvent p : pages()) {
                m.computeIfAbsent(p.dedupKey, k -> new ArrayList<>()).add(p.eventAction + "@" + p.timestampNanos);
            }
            return m;
        }
    }

    /** Hosts' lines interleaved host by host (each host in its own order), through the whole graph. */
    static Run run(JobConfig cfg, int parallelism, List<RawLine> lines) throws Exception {
        return run(cfg, parallelism, lines, FleetPipeline.watermarks(cfg), "alert scenario");
    }

    /**
     * As {@link #run}, with the watermark moved on by every line that is newer than all before it
     * (the job's bound, no periodic emission): the fleet's clock as close behind the lines as it
     * can be, the same in every run.
     */
    static Run runWatermarkEveryLine(JobConfig cfg, int parallelism, List<RawLine> lines) throws Exception {
        return run(cfg, parallelism, lines, PipelineRunner.perLineWatermarks(cfg.lifecycle.maxOutOfOrderNanos / 1_000_000L),
                "alert scenario, a watermark every line");
    }

    private static Run run(JobConfig cfg, int parallelism, List<RawLine> lines, WatermarkStrategy<RawLine> watermarks,
                           String name) throws Exception {
        StreamExecutionEnvironment env = PipelineRunner.env(parallelism, cfg.stateBackend);
        DataStream<RawLine> in = env.fromData(lines, TypeInformation.of(RawLine.class)).setParallelism(1)
                .assignTimestampsAndWatermarks(watermarks).setParallelism(1);
        return run(env, List.of(in), cfg, name);
    }

    /** The whole graph on {@code in}, its outputs collected. */
    private static Run run(StreamExecutionEnvironment env, List<DataStream<RawLine>> in, JobConfig cfg, String name) throws Exception {
        Run r = new Run();
        r.sinks = new CollectingSinks();
        FleetPipeline.build(in, cfg, r.sinks);
        r.result = env.execute(name);
        return r;
    }

    /** The job's own file source over {@code cfg.inputs}. */
    static Run runFiles(JobConfig cfg, int parallelism) throws Exception {
        StreamExecutionEnvironment env = PipelineRunner.env(parallelism, cfg.stateBackend);
        return run(env, io.qmailfleet.job.source.FileLines.readers(env, cfg), cfg, "alert files");
    }

    /**
     * {@link #runFiles} with the readers' watermarks emitted every millisecond: a small input is
     * read in less than the default 200 ms, so the fleet's clock follows the read as closely as it
     * follows a long backfill.
     */
    static Run runFilesWatermarkEveryMs(JobConfig cfg, int parallelism) throws Exception {
        StreamExecutionEnvironment env = PipelineRunner.env(parallelism, cfg.stateBackend);
        env.getConfig().setAutoWatermarkInterval(1);
        return run(env, io.qmailfleet.job.source.FileLines.readers(env, cfg), cfg, "alert files, a watermark every ms");
    }

    /**
     * The job's Kafka source over {@code cfg.inputTopic} (a bounded read when {@code --bounded true}),
     * its watermarks emitted every millisecond: a small topic is read in less than the default 200
     * ms, so the fleet's clock follows the read as closely as it follows a long backfill.
     */
    static Run runKafka(JobConfig cfg, int parallelism) throws Exception {
        StreamExecutionEnvironment env = PipelineRunner.env(parallelism, cfg.stateBackend);
        env.getConfig().setAutoWatermarkInterval(1);
        return run(env, List.of(io.qmailfleet.job.source.KafkaLines.stream(env, cfg, null)), cfg, "alert kafka");
    }

    /** The hosts' lines interleaved one by one (as in one syslog stream), each host in its own order. */
    static List<RawLine> all(Host... hosts) {
        List<RawLine> out = new ArrayList<>();
        List<List<RawLine>> raws = new ArrayList<>();
        int max = 0;
        for (Host h : hosts) {
            raws.add(h.raw());
            max = Math.max(max, h.lines.size());
        }
        for (int i = 0; i < max; i++) {
            for (List<RawLine> r : raws) if (i < r.size()) out.add(r.get(i));
        }
        return out;
    }

    /**
     * The hosts' lines in the order a live collector brings them: by when they were written (true
     * time, whatever each host's clock says), each host in its own order.
     */
    static List<RawLine> live(Host... hosts) {
        List<RawLine> out = new ArrayList<>();
        List<List<RawLine>> raws = new ArrayList<>();
        for (Host h : hosts) raws.add(h.raw());
        int[] next = new int[hosts.length];
        while (true) {
            int pick = -1;
            for (int i = 0; i < hosts.length; i++) {
                if (next[i] < raws.get(i).size()
                        && (pick < 0 || hosts[i].written.get(next[i]) < hosts[pick].written.get(next[pick]))) pick = i;
            }
            if (pick < 0) return out;
            out.add(raws.get(pick).get(next[pick]++));
        }
    }

    private Fleet() {}
}
