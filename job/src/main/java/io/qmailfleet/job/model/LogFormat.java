package io.qmailfleet.job.model;

/** The timestamp/prefix format a line was written in. */
public enum LogFormat {
    /** daemontools multilog: {@code @<24 hex TAI64N> text}. */
    MULTILOG,
    /** {@code tai64nlocal} output: {@code YYYY-MM-DD HH:MM:SS.nnnnnnnnn text} (local time). */
    TAI64NLOCAL,
    /** splogger through syslog, RFC 3164 prefix: {@code Mmm dd HH:MM:SS host qmail: sec.usec text}. */
    SYSLOG_RFC3164,
    /** splogger through syslog with an RFC 5424 or ISO 8601 (rsyslog high-precision) prefix. */
    SYSLOG_RFC5424,
    /** bare splogger stamp: {@code sec.usec text} (e.g. the message field of a shipper envelope). */
    SPLOGGER,
    /** qmailanalog's matchup input: {@code <unix seconds with fraction> text}. */
    EPOCH,
    /**
     * The line itself had no timestamp prefix (a bare qmail text inside a log-shipper envelope); the
     * time is the envelope's {@code timestamp}/{@code @timestamp}.
     */
    ENVELOPE
}
