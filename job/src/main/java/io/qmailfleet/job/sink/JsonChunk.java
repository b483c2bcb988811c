package io.qmailfleet.job.sink;

/**
 * Whole JSON lines on their way from a file output's encoder ({@link JsonLinesEncoder}) to its
 * writer ({@link JsonLinesFileWriter}): the first {@link #length} bytes of {@link #bytes}. The
 * encoder sends its own buffer and reuses it once the call returns, by which time the writer has
 * written the bytes (the two are chained, and a chained or serialized hand-over is done before
 * {@code collect} returns); a chunk must not be kept.
 */
public final class JsonChunk {
    public byte[] bytes;
    public int length;

    public JsonChunk() {}

    JsonChunk(byte[] bytes, int length) {
        this.bytes = bytes;
        this.length = length;
    }
}
