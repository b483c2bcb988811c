package io.qmailfleet.job.source;

import io.qmailfleet.job.model.RawLine;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;

/**
 * Reads log files line by line ({@link NewlineLineFormat}: a line ends at {@code \n} only, so the
 * lines read are what {@code wc -l} counts plus an unterminated last line; UTF-8; undecodable bytes become U+FFFD and are dead-lettered by
 * the parser; {@code .gz}/{@code .bz2}/{@code .xz} files are decompressed by their extension) and
 * tags every line with its file, its 1-based line number and the file's host ({@link HostRule}).
 *
 * <p>Files are not split, and the position checkpointed per file is the number of lines already
 * emitted, so a restored job resumes after the last line it had read.
 */
public final class LogLineFormat implements BulkFormat<RawLine, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    private final StreamFormatAdapter<String> lines = new StreamFormatAdapter<>(new NewlineLineFormat());
    private final HostRule hostRule;

    public LogLineFormat(HostRule hostRule) {
        this.hostRule = hostRule;
    }

    @Override
    public Reader<RawLine> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return wrap(lines.createReader(config, split), split);
    }

    @Override
    public Reader<RawLine> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        return wrap(lines.restoreReader(config, split), split);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<RawLine> getProducedType() {
        return TypeInformation.of(RawLine.class);
    }

    private Reader<RawLine> wrap(Reader<String> inner, FileSourceSplit split) {
        String path = split.path().getPath();
        String origin = "file:" + path;
        String host = hostRule.hostFor(path);
        return new Reader<>() {
            @Override
            public RecordIterator<RawLine> readBatch() throws IOException {
                RecordIterator<String> batch = inner.readBatch();
                if (batch == null) return null;
                return new RecordIterator<>() {
                    @Override
                    public RecordAndPosition<RawLine> next() {
                        RecordAndPosition<String> r = batch.next();
                        if (r == null) return null;
                        // recordSkipCount = records to skip after the offset to resume behind this
                        // one: for an unsplit file read from its start, the 1-based line number
                        RawLine line = new RawLine(r.getRecord(), host, origin, r.getRecordSkipCount());
                        return new RecordAndPosition<>(line, r.getOffset(), r.getRecordSkipCount());
                    }

                    @Override
                    public void releaseBatch() {
                        batch.releaseBatch();
                    }
                };
            }

            @Override
            public void close() throws IOException {
                inner.close();
            }
        };
    }
}
