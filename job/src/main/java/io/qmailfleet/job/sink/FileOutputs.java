package io.qmailfleet.job.sink;

import io.qmailfleet.job.alert.PageEvent;
import io.qmailfleet.job.alert.PageJson;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.flink.util.function.SerializableFunction;

/**
 * JSON-lines files, one folder per output under the output directory:
 * {@code events/}, {@code dead-letters/}, {@code lifecycles/}, {@code alerts/}, {@code late/}, {@code pages/}.
 * Files roll on every checkpoint and become visible (lose their in-progress name) when the
 * checkpoint completes, so a file under a folder is always complete; a bounded run's last files are
 * committed by the final checkpoint.
 */
public final class FileOutputs implements PipelineSinks {
    private final String baseDir;
    private final boolean writeEvents;

    public FileOutputs(String baseDir, boolean writeEvents) {
        this.baseDir = baseDir;
        this.writeEvents = writeEvents;
    }

    private <T> void write(DataStream<T> stream, String name, SerializableFunction<T, String> encoder) {
        FileSink<String> sink = FileSink
                .forRowFormat(new Path(baseDir, name), new SimpleStringEncoder<String>("UTF-8"))
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix("part").withPartSuffix(".jsonl").build())
                .build();
        stream.map(new OutputCounter<T, String>(name, encoder)).returns(String.class).uid("json-" + name).name("json " + name)
                .sinkTo(sink).uid("file-" + name).name("file " + name);
    }

    @Override
    public void events(DataStream<QmailEvent> events) {
        if (writeEvents) write(events, "events", JsonLines::event);
    }

    @Override
    public void deadLetters(DataStream<DeadLetter> deadLetters) {
        write(deadLetters, "dead-letters", JsonLines::deadLetter);
    }

    @Override
    public void lifecycles(DataStream<LifecycleRecord> lifecycles) {
        write(lifecycles, "lifecycles", JsonLines::lifecycle);
    }

    @Override
    public void alerts(DataStream<MessageAlert> alerts) {
        write(alerts, "alerts", JsonLines::alert);
    }

    @Override
    public void late(DataStream<QmailEvent> late) {
        write(late, "late", JsonLines::event);
    }

    @Override
    public void pages(DataStream<PageEvent> pages) {
        write(pages, "pages", PageJson::page);
    }
}
