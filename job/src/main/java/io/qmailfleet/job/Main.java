package io.qmailfleet.job;

import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.ParseFunction;
import io.qmailfleet.job.sink.FileOutputs;
import io.qmailfleet.job.sink.KafkaOutputs;
import io.qmailfleet.job.sink.KafkaTopicCheck;
import io.qmailfleet.job.sink.PipelineSinks;
import io.qmailfleet.job.source.KafkaLineDeserializer;
import io.qmailfleet.job.source.KafkaOffsets;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import io.qmailfleet.job.source.HostRule;
import io.qmailfleet.job.source.LogFileOrder;
import io.qmailfleet.job.source.LogLineFormat;
import io.qmailfleet.job.source.OrderedSplitAssigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry point, both for {@code flink run} on a cluster and for {@code java -jar} on an embedded
 * local Flink (the launcher jar): reads log files, runs {@link FleetPipeline}, writes JSON lines.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        CliArgs cli;
        JobConfig cfg;
        try {
            cli = CliArgs.parse(args);
            if (cli.has("help")) {
                System.out.println(JobConfig.USAGE);
                return;
            }
            cfg = JobConfig.from(cli);
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println();
            System.err.println(JobConfig.USAGE);
            System.exit(2);
            return;
        }
        for (String in : cfg.inputs) {
            if (in.isEmpty() || !Files.exists(Path.of(in))) {
                System.err.println("error: input " + in + " does not exist");
                System.exit(2);
            }
        }
        JobExecutionResult result = run(cfg);
        if (result != null && !result.isJobExecutionResult()) {
            // `flink run -d`: the job has only been submitted; its accumulators and runtime are not
            // known here (asking a DetachedJobExecutionResult for them throws)
            System.out.println("submitted as job " + result.getJobID() + " (detached): outputs appear as it runs");
            return;
        }
        if (result != null && !result.getJobExecutionResult().getAllAccumulatorResults().isEmpty()) {
            String summary = summary(cfg, result);
            System.out.println(summary);
            if (cfg.sink.equals("files")) {
                Files.writeString(Path.of(cfg.output, "summary.json"), summaryJson(result), StandardCharsets.UTF_8);
            }
        }
    }

    /** Builds the environment and the file-to-file job and runs it to the end of its input. */
    public static JobExecutionResult run(JobConfig cfg) throws Exception {
        if (cfg.sink.equals("files")) prepareOutput(cfg.output);
        Configuration conf = new Configuration();
        // every type on the wire is a POJO or a basic type: a Kryo fallback is a bug, so fail fast
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(StateBackendOptions.STATE_BACKEND, cfg.stateBackend);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (cfg.parallelism > 0) env.setParallelism(cfg.parallelism);
        env.enableCheckpointing(cfg.checkpointInterval.toMillis());

        // a bounded Kafka run stops at the offsets that are latest now: fixed here, so that the
        // same offsets can be committed for the group once the run has finished
        Map<TopicPartition, Long> stopOffsets = cfg.readsKafka() && cfg.bounded
                ? KafkaOffsets.latest(cfg.kafkaBootstrap, cfg.inputTopic) : null;
        DataStream<RawLine> lines = cfg.readsKafka() ? kafkaLines(env, cfg, stopOffsets) : fileLines(env, cfg);
        if (cfg.sink.equals("kafka")) {
            KafkaTopicCheck.check(cfg.kafkaBootstrap, cfg.topicPrefix, PipelineSinks.OUTPUTS, cfg.kafkaMaxRecordBytes);
        }
        PipelineSinks sinks = cfg.sink.equals("kafka")
                ? new KafkaOutputs(cfg.kafkaBootstrap, cfg.topicPrefix, cfg.exactlyOnce, cfg.writeEvents,
                        cfg.kafkaMaxRecordBytes)
                : new FileOutputs(absolute(cfg.output), cfg.writeEvents);
        FleetPipeline.build(lines, cfg, sinks);
        JobExecutionResult result = env.execute("qmail fleet analytics");
        if (stopOffsets != null && result != null && result.isJobExecutionResult()) {
            // The source commits offsets only when a checkpoint completes, asynchronously and as a
            // courtesy for monitoring: the offsets read after the last checkpoint of a bounded run
            // are often never committed, and a later --starting-offsets committed run would read
            // those lines again. The run has finished (and its outputs are committed), so commit
            // where it stopped. Not in detached mode: there the job has only been submitted.
            try {
                KafkaOffsets.commit(cfg.kafkaBootstrap, cfg.groupId, stopOffsets);
            } catch (Exception e) {
                System.err.println("warning: the run finished, but committing its stop offsets " + stopOffsets
                        + " for group " + cfg.groupId + " failed (" + e + "): a run from the committed offsets"
                        + " would read some lines again");
            }
        }
        return result;
    }

    /**
     * The file source: one reader (parallelism 1) that takes the files in {@link LogFileOrder}, so
     * each host's lines come out in the order they were written, across rotations.
     */
    public static DataStream<RawLine> fileLines(StreamExecutionEnvironment env, JobConfig cfg) {
        List<String> dirs = new ArrayList<>();
        List<org.apache.flink.core.fs.Path> paths = new ArrayList<>();
        for (String in : cfg.inputs) {
            String abs = absolute(in);
            if (Files.isDirectory(Path.of(abs))) dirs.add(abs);
            paths.add(new org.apache.flink.core.fs.Path(abs));
        }
        FileSource<RawLine> source = FileSource
                .forBulkFileFormat(new LogLineFormat(new HostRule(cfg.host, dirs)),
                        paths.toArray(new org.apache.flink.core.fs.Path[0]))
                .setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(Main::isLogFile))
                .setSplitAssigner(OrderedSplitAssigner::new)
                .build();
        return env.fromSource(source, FleetPipeline.watermarks(cfg), "log files")
                .uid("file-source").setParallelism(1);
    }

    /**
     * Kafka: one record per line; producers key records by host so each host's lines stay in one
     * partition, in order. Watermarks per partition, with idleness. A bounded source stops at
     * {@code stopOffsets} if given, else at the offsets that are latest when the job starts.
     */
    public static DataStream<RawLine> kafkaLines(StreamExecutionEnvironment env, JobConfig cfg,
                                                 Map<TopicPartition, Long> stopOffsets) {
        OffsetsInitializer start;
        switch (cfg.startingOffsets) {
            case "earliest": start = OffsetsInitializer.earliest(); break;
            case "latest": start = OffsetsInitializer.latest(); break;
            default: start = OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        }
        KafkaSourceBuilder<RawLine> b = KafkaSource.<RawLine>builder()
                .setBootstrapServers(cfg.kafkaBootstrap)
                .setTopics(cfg.inputTopic)
                .setGroupId(cfg.groupId)
                .setStartingOffsets(start)
                .setDeserializer(new KafkaLineDeserializer());
        if (cfg.bounded) b.setBounded(stopOffsets != null ? OffsetsInitializer.offsets(stopOffsets) : OffsetsInitializer.latest());
        return env.fromSource(b.build(), FleetPipeline.watermarks(cfg), "kafka lines").uid("kafka-source");
    }

    /** Skips hidden files and the control files multilog keeps beside its logs. */
    static boolean isLogFile(org.apache.flink.core.fs.Path p) {
        String name = p.getName();
        return !name.startsWith(".") && !name.startsWith("_") && !LogFileOrder.isMultilogControlFile(name);
    }

    private static String absolute(String p) {
        return Path.of(p).toAbsolutePath().normalize().toString();
    }

    /** The output folders this job writes are replaced, so a re-run does not mix two runs' files. */
    static void prepareOutput(String output) throws IOException {
        Path base = Path.of(output);
        Files.createDirectories(base);
        for (String sub : PipelineSinks.OUTPUTS) {
            Path dir = base.resolve(sub);
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
                }
            }
            // present even when an output stays empty, so "no dead letters" reads as an empty folder
            Files.createDirectories(dir);
        }
        Files.deleteIfExists(base.resolve("summary.json"));
    }

    private static long acc(JobExecutionResult r, String name) {
        Object v = r.getAllAccumulatorResults().get(name);
        return v instanceof Number ? ((Number) v).longValue() : 0L;
    }

    static String summary(JobConfig cfg, JobExecutionResult r) {
        long read = acc(r, ParseFunction.ACC_READ);
        long parsed = acc(r, ParseFunction.ACC_PARSED);
        long dead = acc(r, ParseFunction.ACC_DEAD);
        StringBuilder b = new StringBuilder();
        b.append(String.format("lines read %d = parsed %d + dead-lettered %d%n", read, parsed, dead));
        for (String out : PipelineSinks.OUTPUTS) {
            String where = cfg.sink.equals("kafka") ? "topic " + KafkaOutputs.topic(cfg.topicPrefix, out)
                    : Path.of(cfg.output, out).toString();
            b.append(String.format("  %-13s %8d records -> %s%n", out, acc(r, "out-" + out), where));
        }
        b.append(String.format("job time %d ms", r.getNetRuntime()));
        return b.toString();
    }

    /** Numbers as they are; a list (e.g. the dedup keys of alerts still open) as a sorted JSON array of strings. */
    private static String jsonValue(Object v) {
        if (!(v instanceof java.util.Collection)) return String.valueOf(v);
        StringBuilder b = new StringBuilder("[");
        for (Object o : new java.util.TreeSet<>(((java.util.Collection<?>) v).stream().map(String::valueOf).toList())) {
            if (b.length() > 1) b.append(',');
            b.append('"').append(String.valueOf(o).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return b.append(']').toString();
    }

    static String summaryJson(JobExecutionResult r) {
        Map<String, Object> sorted = new TreeMap<>(r.getAllAccumulatorResults());
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
            if (b.length() > 1) b.append(',');
            b.append('"').append(e.getKey()).append("\":").append(jsonValue(e.getValue()));
        }
        b.append(",\"job_time_ms\":").append(r.getNetRuntime()).append("}\n");
        return b.toString();
    }
}
