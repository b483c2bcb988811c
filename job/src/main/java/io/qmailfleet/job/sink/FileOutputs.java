package io.qmailfleet.job.sink;

import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * JSON-lines files, one folder per {@link Output} under the output directory. Files roll on every
 * checkpoint and become visible (lose their in-progress name) when the checkpoint completes, so a
 * file under a folder is always complete; a bounded run's last files are committed by the final
 * checkpoint.
 */
public final class FileOutputs implements PipelineSinks {
    private final String baseDir;

    public FileOutputs(String baseDir) {
        this.baseDir = baseDir;
    }

    @Override
    public <T> void write(Output<T> output, DataStream<T> stream) {
        write(output, stream, "");
    }

    /**
     * Each stream of an output gets its own file sink into the output's folder, chained to the
     * operator that makes the stream (a union of them could not chain to either, and every life
     * cycle would cross a task boundary to reach its writer only because the relay linker's updates
     * join the same folder). Part files have unique names, so the sinks share the folder.
     */
    @Override
    public <T> void write(Output<T> output, List<DataStream<T>> parts) {
        for (int i = 0; i < parts.size(); i++) write(output, parts.get(i), i == 0 ? "" : "-" + (i + 1));
    }

    /** One file sink; {@code suffix} tells apart the operators of an output's second and later streams. */
    private <T> void write(Output<T> output, DataStream<T> stream, String suffix) {
        String name = output.name();
        FileSink<JsonChunk> sink = FileSink
                // a bulk format: the records arrive as chunks of JSON lines (JsonLinesEncoder), each
                // written with one call (JsonLinesFileWriter); it rolls on checkpoints as a row
                // format would
                .forBulkFormat(new Path(baseDir, name), JsonLinesFileWriter.factory())
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix("part").withPartSuffix(".jsonl").build())
                .build();
        // the encoder and the writer run at the parallelism of the stream they write, so they chain
        // to the operator that makes the records: no record is serialized to reach its encoder
        int parallelism = stream.getParallelism();
        stream.transform("encode " + name + suffix, TypeInformation.of(JsonChunk.class),
                        new JsonLinesEncoder<>(output.counter(), output.encoder()))
                .uid("encode-" + name + suffix).setParallelism(parallelism)
                .sinkTo(sink).uid("file-" + name + suffix).name("file " + name + suffix).setParallelism(parallelism);
    }
}
