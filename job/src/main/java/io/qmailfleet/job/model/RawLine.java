package io.qmailfleet.job.model;

import java.util.Objects;

/**
 * One line as it arrived, before parsing: the text of a log file line or of a Kafka record value
 * (which may be a JSON envelope from a log shipper), with where it came from.
 *
 * <p>A Flink POJO: public fields and a no-argument constructor, so no Kryo fallback.
 */
public class RawLine {
    /** The line without its line terminator: a raw log line or a JSON envelope. */
    public String text;
    /**
     * Host named by the transport: the Kafka record key or {@code host} header, or for files the
     * {@code --host} option or the directory rule. Null when the transport names none. A syslog
     * line's own host field and a JSON envelope's host take precedence over it (see the parser).
     */
    public String host;
    /** Where it came from: {@code file:<path>} or {@code kafka:<topic>/<partition>}. */
    public String origin;
    /** Line number in the file (1-based) or the Kafka offset. */
    public long position;
    /** Transport timestamp (Kafka record time) in epoch milliseconds, or -1. */
    public long arrivalMillis = -1;

    public RawLine() {}

    public RawLine(String text, String host, String origin, long position) {
        this.text = text;
        this.host = host;
        this.origin = origin;
        this.position = position;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RawLine)) return false;
        RawLine r = (RawLine) o;
        return position == r.position && arrivalMillis == r.arrivalMillis && Objects.equals(text, r.text)
                && Objects.equals(host, r.host) && Objects.equals(origin, r.origin);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text, host, origin, position);
    }

    @Override
    public String toString() {
        return "RawLine{" + origin + ":" + position + " host=" + host + " " + text + "}";
    }
}
