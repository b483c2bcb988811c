package io.qmailfleet.job.model;

/** Why a line was dead-lettered. */
public enum DeadLetterReason {
    /** An empty or blank line. */
    EMPTY,
    /** Longer than the configured maximum line length. */
    TOO_LONG,
    /** Control bytes, NUL or undecodable bytes (invalid UTF-8 shows as U+FFFD). */
    BINARY,
    /** A timestamp prefix that cannot be read (bad TAI64N, bad date, bad splogger stamp). */
    BAD_TIMESTAMP,
    /** Known line shape but cut short or with a malformed field. */
    TRUNCATED,
    /** A JSON envelope that is not valid JSON or has no line text. */
    BAD_ENVELOPE,
    /** No host could be determined (no syslog host, envelope host, Kafka key/header or file rule). */
    NO_HOST,
    /** A syslog line of another program/tag, or text that is no known qmail, tcpserver or patch line. */
    UNRECOGNISED,
    /** A splogger continuation ({@code stamp+rest}) with no first part before it. */
    ORPHAN_CONTINUATION,
    /** A delivery result whose {@code starting delivery} was never seen (log started mid-stream). */
    UNMATCHED_DELIVERY,
    /**
     * An output record larger than Kafka accepts ({@code --kafka-max-record-bytes}), e.g. the life
     * cycle of a message with thousands of recipients: not sent; its JSON starts in the raw text.
     */
    RECORD_TOO_LARGE,
    /** A line of a host that is not in {@code --known-hosts}. */
    UNKNOWN_HOST,
    /**
     * A line that names a host other than its file's, in a backfill whose readers each sequence
     * their own hosts' lines (several hosts' multilog directories, {@code --sequencer-per-reader}).
     */
    FOREIGN_HOST
}
