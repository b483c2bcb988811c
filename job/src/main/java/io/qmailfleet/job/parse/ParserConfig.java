package io.qmailfleet.job.parse;

import java.io.Serializable;
import java.time.ZoneId;

/** Settings of the line parser. */
public class ParserConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Time zone of local-time prefixes: {@code tai64nlocal} output and RFC 3164 syslog dates. */
    public String zone = "UTC";
    /** Lines longer than this many characters are dead-lettered as TOO_LONG (qmail-send's longest is about 10 kB). */
    public int maxLineChars = 65536;
    /**
     * Reference time (epoch millis) for the year of RFC 3164 dates when no splogger stamp was seen
     * yet; -1 means the wall clock at parse time.
     */
    public long yearReferenceMillis = -1;
    /**
     * Hosts the job accepts ({@code --known-hosts}); a line of any other host is dead-lettered as
     * UNKNOWN_HOST instead of opening state for it. Null (the default) accepts every host.
     */
    public java.util.List<String> knownHosts;

    public ParserConfig() {}

    public ZoneId zoneId() {
        return ZoneId.of(zone);
    }
}
