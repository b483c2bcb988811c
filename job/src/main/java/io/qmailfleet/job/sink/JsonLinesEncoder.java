package io.qmailfleet.job.sink;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Encodes the records of one file output into chunks of JSON lines (UTF-8, one {@code \n} after each
 * record), counts them ({@link RecordCount}), and hands the file sink one chunk of about
 * {@value #CHUNK} bytes at a time instead of one record at a time: the sink's per-record work (its
 * context's timestamp, a clock read, the bucket lookup) is paid per chunk. The chunk is this
 * operator's own buffer ({@link JsonChunk}): nothing is copied or allocated per chunk.
 *
 * <p>A chunk is sent when it is full, before every checkpoint barrier
 * ({@link #prepareSnapshotPreBarrier}: the operators of a chain are asked from the head, so the
 * chunk reaches the writer before the writer closes its part file for the checkpoint) and at the
 * end of the input. What a checkpoint commits is therefore exactly the records that came before its
 * barrier, as when each record went to the sink by itself, and this operator keeps nothing across a
 * checkpoint (it has no state). A part file only becomes visible when its checkpoint completes, so
 * holding the lines until then delays nothing a reader can see.
 */
public final class JsonLinesEncoder<T> extends AbstractStreamOperator<JsonChunk>
        implements OneInputStreamOperator<T, JsonChunk>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /** Bytes of lines after which a chunk is sent (a record is never split: a chunk may be larger). */
    static final int CHUNK = 64 * 1024;

    private final String counter;
    private final JsonEncoder<T> encoder;
    private transient JsonText lines;
    private transient RecordCount count;
    private transient JsonChunk chunk;
    private transient StreamRecord<JsonChunk> record;

    public JsonLinesEncoder(String counter, JsonEncoder<T> encoder) {
        this.counter = counter;
        this.encoder = encoder;
    }

    @Override
    public void open() throws Exception {
        super.open();
        lines = new JsonText();
        count = new RecordCount(getRuntimeContext(), counter);
        chunk = new JsonChunk();
        record = new StreamRecord<>(chunk);
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        count.add();
        encoder.write(lines, element.getValue());
        lines.line();
        if (lines.length() >= CHUNK) send();
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        sendHeld();
    }

    @Override
    public void endInput() {
        sendHeld();
    }

    @Override
    public void finish() throws Exception {
        // endInput came first on a bounded input; an unbounded one that finishes (stop with a
        // savepoint) sends what it holds here, before the sink's last part file is closed
        sendHeld();
        super.finish();
    }

    /** Lines encoded and not yet sent (bytes). */
    int held() {
        return lines.length();
    }

    /** Sends the lines held, if any. */
    private void sendHeld() {
        if (lines.length() > 0) send();
    }

    /** Sends the buffer's lines, without a copy (see {@link JsonChunk}), and empties it. */
    private void send() {
        chunk.bytes = lines.buffer();
        chunk.length = lines.length();
        output.collect(record);
        lines.reset();
    }
}
