package io.qmailfleet.job.model;

/**
 * A line (or an event) that could not be used, with the reason. Nothing is dropped silently: every
 * input line is either parsed into a {@link QmailEvent} or becomes one of these.
 */
public class DeadLetter {
    /** Longest raw text kept in a dead letter; {@link #rawLength} gives the real length. */
    public static final int MAX_RAW_CHARS = 2048;

    /**
     * Stage that rejected it: {@code parse}, {@code host} (the per-host sequencing stage) or
     * {@code sink} (an output record Kafka would not accept).
     */
    public String stage;
    /** Machine-readable reason code, see {@link DeadLetterReason}. */
    public DeadLetterReason reason;
    /** Human-readable explanation. */
    public String detail;
    /** The raw text, cut to {@link #MAX_RAW_CHARS} characters. */
    public String raw;
    /** Length of the full raw text in characters. */
    public int rawLength;
    public boolean truncated;
    /** Host if it was known, else null. */
    public String host;
    public String origin;
    public long position = -1;
    /** Log time of the line if it was known (epoch nanos), else -1. */
    public long tsNanos = -1;

    public DeadLetter() {}

    public static DeadLetter of(String stage, DeadLetterReason reason, String detail, String rawText,
                                String host, String origin, long position) {
        DeadLetter d = new DeadLetter();
        d.stage = stage;
        d.reason = reason;
        d.detail = detail;
        d.host = host;
        d.origin = origin;
        d.position = position;
        if (rawText == null) rawText = "";
        d.rawLength = rawText.length();
        d.truncated = rawText.length() > MAX_RAW_CHARS;
        d.raw = d.truncated ? rawText.substring(0, MAX_RAW_CHARS) : rawText;
        return d;
    }

    @Override
    public String toString() {
        return "DeadLetter{" + stage + " " + reason + ": " + detail + " @" + origin + ":" + position + "}";
    }
}
