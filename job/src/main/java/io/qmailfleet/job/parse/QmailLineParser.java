package io.qmailfleet.job.parse;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LogFormat;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.parse.Scan.Malformed;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;

/**
 * Turns raw qmail-send / tcpserver log lines (multilog, splogger/syslog, tai64nlocal, JSON
 * envelopes) into typed {@link QmailEvent}s. Pure Java, no Flink: never throws on any input.
 *
 * <h2>Prefixes</h2>
 * <ul>
 *   <li>{@code @<24 hex TAI64N> text}: {@link LogFormat#MULTILOG}, decoded by {@link Tai64n}. A
 *       grep-style {@code FILE:} (or {@code FILE:LINE:}) prefix before the label, as {@code grep}
 *       over multilog files prints it, is skipped: the prefix is everything up to the first
 *       {@code :@} followed by a valid label and a space, and holds no blank.</li>
 *   <li>RFC 3164 syslog {@code [<pri>]Mmm dd HH:MM:SS host tag: msg} ({@link LogFormat#SYSLOG_RFC3164}),
 *       RFC 5424 {@code <pri>1 ISO host app procid msgid sd msg} and the rsyslog ISO prefix
 *       {@code ISO host tag: msg} ({@link LogFormat#SYSLOG_RFC5424}). With tag {@code qmail} (or
 *       {@code qmail[pid]}) the msg is splogger output {@code <sec>.<usec> text} (any run of blanks
 *       may precede it: rsyslog's RFC 5424 output keeps splogger's leading space after the
 *       structured-data {@code -}): the event time is that stamp and the host is the syslog host
 *       field. {@code <stamp>+<rest>} is a
 *       {@link EventType#CONTINUATION}; a text of exactly 799 characters (splogger's chunk size) is a
 *       {@link EventType#SPLIT_HEAD} that the host stage joins and hands to {@link #parseJoined}.
 *       A {@code qmail:} message without a stamp (patched qmails) takes the syslog date. Tags of
 *       known companion programs (tcpserver, qmail-smtpd, spamdyke, simscan, rblsmtpd, chkuser) are
 *       recognised; a line of any other tag is recognised only when it carries a splogger stamp
 *       (splogger run with another ident), else it is dead-lettered UNRECOGNISED naming the tag.</li>
 *   <li>{@code YYYY-MM-DD HH:MM:SS.nnnnnnnnn text}: {@code tai64nlocal} output,
 *       {@link LogFormat#TAI64NLOCAL}, local time in {@link ParserConfig#zone}.</li>
 *   <li>{@code <sec>.<fraction> text}: bare splogger ({@link LogFormat#SPLOGGER}, exactly 6 fraction
 *       digits; split lines as above) or qmailanalog matchup input ({@link LogFormat#EPOCH}).</li>
 *   <li>{@code {...}}: a log-shipper JSON envelope. The line is {@code message | line | log} (a
 *       string); the host {@code host} (string), {@code host.name} / {@code host.hostname}, or
 *       {@code hostname}; the time {@code timestamp | @timestamp} (ISO 8601 string, or epoch number
 *       in seconds, milliseconds, microseconds or nanoseconds chosen by magnitude) is used only when
 *       the line has no timestamp prefix of its own ({@link LogFormat#ENVELOPE}); {@code file |
 *       log.file.path} and {@code offset | log.offset} replace origin ({@code file:<path>}) and
 *       position. The line is then parsed as above (an envelope inside an envelope is refused).</li>
 *   <li>No prefix at all: only inside an envelope with a timestamp; else BAD_TIMESTAMP.</li>
 * </ul>
 * Host: the syslog host field, else the envelope host, else {@link RawLine#host}; none gives NO_HOST.
 *
 * <h2>Year of RFC 3164 dates</h2>
 * An RFC 3164 date has no year. It is only needed for {@code qmail:} lines without a splogger stamp
 * and for companion programs' syslog lines (a stamped line takes its time from the stamp). The
 * reference time R is the last splogger stamp seen from the line's own host, else
 * {@link ParserConfig#yearReferenceMillis}, else the wall clock ({@link SyslogYears}). The year is
 * chosen so that the date (in {@link ParserConfig#zone}) falls in {@code (R - 11 months, R + 1 month]}:
 * a {@code Dec 31} line read with R in early January belongs to the previous year, a {@code Jan 1}
 * line read with R on Dec 31 to the next year. A {@code Feb 29} with no leap year in that window is
 * BAD_TIMESTAMP.
 *
 * <h2>Line ends</h2>
 * A line ends at {@code \n} only (the reader splits there; a {@code \r} inside a line stays in it).
 * One rule for every line type: trailing blanks (space, TAB, CR, LF) are not part of the text.
 * A splogger split head is recognised on the text before that rule (its 799 characters may end in
 * a blank that the continuation follows).
 *
 * <h2>Dead letters</h2>
 * EMPTY (null/blank), TOO_LONG (more than {@link ParserConfig#maxLineChars}; checked before any
 * scan), BAD_ENVELOPE, BAD_TIMESTAMP, TRUNCATED (known shape cut short, malformed or overflowing
 * number), UNRECOGNISED, NO_HOST; a line that fails with control characters (below 0x20 except TAB)
 * or U+FFFD (undecodable input) in it is BINARY instead. Free-text fields (reports, recipients,
 * senders, warning texts) may contain anything.
 *
 * <p>Hand-written scanning, no regular expressions. A line's scan state lives in a per-call
 * {@link Line}; the text after the prefix is parsed by the stateless {@link QmailTextParser}. The
 * only state kept between lines is the per-host year reference ({@link SyslogYears}) and caches
 * (zone rules, the previous host String); an instance is not thread-safe, use one per task.
 */
public final class QmailLineParser implements Serializable {
    private static final long serialVersionUID = 1L;

    static final String STAGE = "parse";
    /** Prefix of the detail of a dead letter made from an unexpected exception (a parser bug). */
    public static final String INTERNAL_ERROR = "internal parser error: ";
    /** splogger's chunk: a text of exactly this length may be continued by {@code stamp+rest} lines. */
    public static final int SPLOGGER_CHUNK = 799;

    private static final long NO_TIME = Long.MIN_VALUE;
    private static final long NANOS = 1_000_000_000L;
    private static final long MAX_SECS = Long.MAX_VALUE / NANOS - 1;
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    private static final BigDecimal E11 = new BigDecimal("1e11");
    private static final BigDecimal E14 = new BigDecimal("1e14");
    private static final BigDecimal E17 = new BigDecimal("1e17");

    private final ParserConfig config;
    /** Per host, the last splogger stamp: the reference for the year of RFC 3164 dates. */
    private final SyslogYears years;

    private transient ObjectMapper mapper;
    private transient ZoneId zone;
    private transient ZoneRules rules;
    private transient int fixedOffset; // seconds, valid when rules.isFixedOffset()
    private transient long cachedLocalMinute = Long.MIN_VALUE;
    private transient int cachedOffset;

    // lastSyslogHost: a cache of the previous line's host String (no allocation per line), not state
    private transient String lastSyslogHost;

    private static final int HDR_NONE = 0, HDR_3164 = 1, HDR_ABS = 2;

    /**
     * Everything known about the line being parsed: made by {@link #parse} / {@link #parseJoined}
     * for that call and passed down, so no per-line state outlives the call or sits in the parser.
     */
    private static final class Line {
        final String text;
        final String transportHost;
        String origin;
        long position;
        /** Envelope host and time, when the line came in a JSON envelope. */
        String envHost;
        long envTs = NO_TIME;
        boolean envTsBad;
        /** End of the text without its line terminator but with trailing blanks. */
        int rawEnd;
        /** Index after the last timestamp read, and its fraction digits; why it failed. */
        int pos;
        int fracDigits;
        String tsError;
        /** The syslog header's date: kind, RFC 3164 fields, or absolute time. */
        int hdrKind;
        int hMon, hDay, hHour, hMin, hSec;
        long hdrNanos;

        Line(String text, String transportHost, String origin, long position) {
            this.text = text;
            this.transportHost = transportHost;
            this.origin = origin;
            this.position = position;
        }
    }

    public QmailLineParser(ParserConfig config) {
        this.config = config == null ? new ParserConfig() : config;
        this.years = new SyslogYears(this.config.yearReferenceMillis);
    }

    /** Parses one line; exactly one of the outcome's event and dead letter is set. Never throws. */
    public ParseOutcome parse(RawLine line) {
        if (line == null) return ParseOutcome.dead(DeadLetter.of(STAGE, DeadLetterReason.EMPTY, "null line", "", null, null, -1));
        Line ln = new Line(line.text, blankToNull(line.host), line.origin, line.position);
        try {
            return parseText(ln, line.text, false);
        } catch (RuntimeException | StackOverflowError e) {
            return dead(ln, DeadLetterReason.UNRECOGNISED, INTERNAL_ERROR + e, NO_TIME, resolveHost(ln, null));
        }
    }

    /**
     * Parses the qmail text of a joined splogger split line: {@code head.type == SPLIT_HEAD} and
     * {@code head.raw} holds the first part plus every continuation's rest. The host, time, format,
     * origin and position come from the head. Never throws.
     */
    public ParseOutcome parseJoined(QmailEvent head) {
        if (head == null) return ParseOutcome.dead(DeadLetter.of(STAGE, DeadLetterReason.EMPTY, "null split head", "", null, null, -1));
        Line ln = new Line(head.raw, blankToNull(head.host), head.origin, head.position);
        try {
            String s = head.raw;
            if (s == null) return dead(ln, DeadLetterReason.TRUNCATED, "split head without text", head.tsNanos, ln.transportHost);
            if (s.length() > config.maxLineChars)
                return dead(ln, DeadLetterReason.TOO_LONG, "joined line of " + s.length() + " characters, more than the maximum "
                        + config.maxLineChars, head.tsNanos, ln.transportHost);
            int end = trimEnd(s, 0, s.length());
            QmailEvent e;
            try {
                e = QmailTextParser.parse(s, 0, end);
            } catch (Malformed m) {
                return failLine(ln, s, 0, end, m.reason, m.detail, head.tsNanos, null);
            }
            if (ln.transportHost == null) return dead(ln, DeadLetterReason.NO_HOST, "split head without a host", head.tsNanos, null);
            e.host = ln.transportHost;
            e.tsNanos = head.tsNanos;
            e.format = head.format;
            e.origin = head.origin;
            e.position = head.position;
            e.seq = head.seq;
            return ParseOutcome.of(e);
        } catch (RuntimeException | StackOverflowError e) {
            return dead(ln, DeadLetterReason.UNRECOGNISED, INTERNAL_ERROR + e, head.tsNanos, ln.transportHost);
        }
    }

    /** The reference time of a host's RFC 3164 years: its last splogger stamp (epoch nanos), or Long.MIN_VALUE. */
    public long lastStampNanos(String host) {
        return years.lastStamp(host);
    }

    /** Index after s[p, end) without its trailing blanks (space, TAB, CR, LF). */
    static int trimEnd(String s, int p, int end) {
        while (end > p) {
            char c = s.charAt(end - 1);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
            end--;
        }
        return end;
    }

    // ==============================================================================================
    // prefix dispatch

    private ParseOutcome parseText(Line ln, String s, boolean inEnvelope) {
        if (s == null || s.isEmpty())
            return dead(ln, DeadLetterReason.EMPTY, inEnvelope ? "empty line text in envelope" : "empty line", NO_TIME, resolveHost(ln, null));
        int len = s.length();
        if (len > config.maxLineChars)
            return dead(ln, DeadLetterReason.TOO_LONG, len + " characters, more than the maximum " + config.maxLineChars,
                    NO_TIME, resolveHost(ln, null));
        int rawEnd = len;
        if (rawEnd > 0 && s.charAt(rawEnd - 1) == '\n') rawEnd--;
        if (rawEnd > 0 && s.charAt(rawEnd - 1) == '\r') rawEnd--;
        ln.rawEnd = rawEnd;
        int end = trimEnd(s, 0, rawEnd);
        int p = 0;
        while (p < end && (s.charAt(p) == ' ' || s.charAt(p) == '\t')) p++;
        if (p == end) return dead(ln, DeadLetterReason.EMPTY, "blank line", NO_TIME, resolveHost(ln, null));
        char c = s.charAt(p);
        if (c == '@') return multilog(ln, s, p, end);
        if (c != '{' && c != '<') {
            int label = grepPrefixedLabel(s, p, end);
            if (label >= 0) return multilog(ln, s, label, end);
        }
        if (c >= '0' && c <= '9') return numeric(ln, s, p, end);
        if (c == '<') return syslogPri(ln, s, p, end);
        if (c == '{') {
            if (inEnvelope) return dead(ln, DeadLetterReason.BAD_ENVELOPE, "envelope inside an envelope", NO_TIME, resolveHost(ln, null));
            return envelope(ln, s);
        }
        if (c >= 'A' && c <= 'Z' && month(s, p, end) > 0 && p + 3 < end && s.charAt(p + 3) == ' ') return rfc3164(ln, s, p, end, p);
        return finish(ln, s, p, end, NO_TIME, LogFormat.ENVELOPE, null);
    }

    /** {@code @<24 hex> text}. */
    private ParseOutcome multilog(Line ln, String s, int p, int end) {
        if (end - p == 25 && Tai64n.isLabel(s, p + 1))
            return failLine(ln, s, p, end, DeadLetterReason.TRUNCATED, "no text after the multilog timestamp", NO_TIME, null);
        if (end - p < 26 || s.charAt(p + 25) != ' ')
            return failLine(ln, s, p, end, DeadLetterReason.BAD_TIMESTAMP, "multilog stamp is not '@' + 24 hex digits + space", NO_TIME, null);
        long ts = Tai64n.epochNanos(s, p + 1);
        if (ts == Tai64n.INVALID)
            return failLine(ln, s, p, end, DeadLetterReason.BAD_TIMESTAMP, Tai64n.problem(s, p + 1), NO_TIME, null);
        return finish(ln, s, p + 26, end, ts, LogFormat.MULTILOG, null);
    }

    /**
     * Index of the {@code @} of a multilog label behind a grep-style {@code FILE:} prefix
     * ({@code current:@4000... text}, {@code current:12:@4000... text}), or -1. The prefix holds
     * no blank, and the label must be valid and followed by a space.
     */
    public static int grepPrefixedLabel(String s, int p, int end) {
        for (int i = p; i < end - 26; i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t') return -1;
            if (c == ':' && i > p && s.charAt(i + 1) == '@' && s.charAt(i + 26) == ' ' && Tai64n.isLabel(s, i + 2)) return i + 1;
        }
        return -1;
    }

    /** A line starting with a digit: ISO syslog prefix, tai64nlocal, or a splogger / epoch stamp. */
    private ParseOutcome numeric(Line ln, String s, int p, int end) {
        if (end - p > 10 && s.charAt(p + 4) == '-' && allDigits(s, p, 4)) {
            char sep = s.charAt(p + 10);
            if (sep == 'T') return isoSyslog(ln, s, p, end);
            if (sep == ' ') {
                long ts = parseIso(ln, s, p, end, ' ', false);
                if (ts == NO_TIME) return failLine(ln, s, p, end, DeadLetterReason.BAD_TIMESTAMP, "bad tai64nlocal date: " + ln.tsError, NO_TIME, null);
                if (ln.pos >= end || s.charAt(ln.pos) != ' ')
                    return failLine(ln, s, p, end, DeadLetterReason.TRUNCATED, "no text after the tai64nlocal timestamp", ts, null);
                return finish(ln, s, ln.pos + 1, end, ts, LogFormat.TAI64NLOCAL, null);
            }
            return failLine(ln, s, p, end, DeadLetterReason.BAD_TIMESTAMP, "date not followed by 'T' or a space", NO_TIME, null);
        }
        long ts = stamp(ln, s, p, end);
        if (ts == NO_TIME) return failLine(ln, s, p, end, DeadLetterReason.BAD_TIMESTAMP, ln.tsError, NO_TIME, null);
        boolean splogger = ln.fracDigits == 6;
        return stampedText(ln, s, ln.pos, end, ts, splogger ? LogFormat.SPLOGGER : LogFormat.EPOCH, null, splogger);
    }

    /**
     * The text after a splogger/epoch stamp; {@code p} is at the separator (space, or {@code +} for a
     * splogger continuation).
     */
    private ParseOutcome stampedText(Line ln, String s, int p, int end, long ts, LogFormat fmt, String syslogHost, boolean splogger) {
        if (p >= end) return failLine(ln, s, p, end, DeadLetterReason.TRUNCATED, "no text after the timestamp", ts, syslogHost);
        char c = s.charAt(p);
        if (splogger) years.stamp(resolveHost(ln, syslogHost), ts);
        if (c == ' ') {
            if (splogger && ln.rawEnd - (p + 1) == SPLOGGER_CHUNK)
                return rawEvent(ln, EventType.SPLIT_HEAD, s.substring(p + 1, ln.rawEnd), ts, fmt, syslogHost);
            return finish(ln, s, p + 1, end, ts, fmt, syslogHost);
        }
        if (c == '+' && splogger) return rawEvent(ln, EventType.CONTINUATION, s.substring(p + 1, ln.rawEnd), ts, fmt, syslogHost);
        return failLine(ln, s, p, end, DeadLetterReason.BAD_TIMESTAMP, "timestamp not followed by a space", NO_TIME, syslogHost);
    }

    // ==============================================================================================
    // syslog

    /** {@code <pri>} then an RFC 5424 header, an ISO date (rsyslog) or an RFC 3164 date. */
    private ParseOutcome syslogPri(Line ln, String s, int p, int end) {
        int i = p + 1;
        int st = i;
        while (i < end && i - st < 4 && Scan.isDigit(s.charAt(i))) i++;
        if (i == st || i >= end || s.charAt(i) != '>')
            return failLine(ln, s, p, end, DeadLetterReason.UNRECOGNISED, "'<' not followed by a syslog priority '<n>'", NO_TIME, null);
        i++;
        if (end - i > 2 && s.charAt(i) == '1' && s.charAt(i + 1) == ' ') return rfc5424(ln, s, p, i + 2, end);
        if (end - i > 10 && s.charAt(i + 4) == '-' && allDigits(s, i, 4) && s.charAt(i + 10) == 'T') return isoSyslog(ln, s, i, end);
        if (month(s, i, end) > 0 && i + 3 < end && s.charAt(i + 3) == ' ') return rfc3164(ln, s, i, end, p);
        return failLine(ln, s, p, end, DeadLetterReason.BAD_TIMESTAMP, "syslog priority not followed by a date", NO_TIME, null);
    }

    /** {@code Mmm dd HH:MM:SS host tag: msg}; p at the month. */
    private ParseOutcome rfc3164(Line ln, String s, int p, int end, int lineStart) {
        int mon = month(s, p, end);
        int i = p + 4; // "Mmm "
        if (i < end && s.charAt(i) == ' ') i++; // space-padded day
        int st = i;
        int day = 0;
        while (i < end && i - st < 2 && Scan.isDigit(s.charAt(i))) day = day * 10 + (s.charAt(i++) - '0');
        if (i == st || day < 1 || day > 31 || i >= end || s.charAt(i) != ' ')
            return failLine(ln, s, lineStart, end, DeadLetterReason.BAD_TIMESTAMP, "bad RFC 3164 day", NO_TIME, null);
        i++;
        if (end - i < 9 || !allDigits(s, i, 2) || s.charAt(i + 2) != ':' || !allDigits(s, i + 3, 2) || s.charAt(i + 5) != ':'
                || !allDigits(s, i + 6, 2))
            return failLine(ln, s, lineStart, end, DeadLetterReason.BAD_TIMESTAMP, "bad RFC 3164 time", NO_TIME, null);
        int hh = two(s, i), mm = two(s, i + 3), ss = two(s, i + 6);
        if (hh > 23 || mm > 59 || ss > 60)
            return failLine(ln, s, lineStart, end, DeadLetterReason.BAD_TIMESTAMP, "bad RFC 3164 time", NO_TIME, null);
        i += 8;
        if (i < end && s.charAt(i) == '.') { // high-precision variant: skip the fraction
            i++;
            while (i < end && Scan.isDigit(s.charAt(i))) i++;
        }
        if (i >= end || s.charAt(i) != ' ')
            return failLine(ln, s, lineStart, end, DeadLetterReason.TRUNCATED, "RFC 3164 line cut after the time", NO_TIME, null);
        ln.hdrKind = HDR_3164;
        ln.hMon = mon;
        ln.hDay = day;
        ln.hHour = hh;
        ln.hMin = mm;
        ln.hSec = ss;
        return hostAndTag(ln, s, i + 1, end, lineStart, LogFormat.SYSLOG_RFC3164);
    }

    /** {@code 2026-11-24T20:06:39.534679+00:00 host tag: msg} (rsyslog's ISO file format). */
    private ParseOutcome isoSyslog(Line ln, String s, int p, int end) {
        long ts = parseIso(ln, s, p, end, 'T', false);
        if (ts == NO_TIME) return failLine(ln, s, p, end, DeadLetterReason.BAD_TIMESTAMP, "bad ISO 8601 syslog time: " + ln.tsError, NO_TIME, null);
        if (ln.pos >= end || s.charAt(ln.pos) != ' ')
            return failLine(ln, s, p, end, DeadLetterReason.TRUNCATED, "syslog line cut after the time", ts, null);
        ln.hdrKind = HDR_ABS;
        ln.hdrNanos = ts;
        return hostAndTag(ln, s, ln.pos + 1, end, p, LogFormat.SYSLOG_RFC5424);
    }

    /** After the date: {@code host tag[pid]: msg}. */
    private ParseOutcome hostAndTag(Line ln, String s, int i, int end, int lineStart, LogFormat fmt) {
        int hs = i;
        while (i < end && s.charAt(i) != ' ') i++;
        if (i == hs || i >= end)
            return failLine(ln, s, lineStart, end, DeadLetterReason.TRUNCATED, "syslog line cut before the tag", headerTimeOrNone(ln, null), null);
        String host = syslogHost(s, hs, i);
        i++;
        int ts = i;
        while (i < end) {
            char c = s.charAt(i);
            if (c == ':' || c == '[' || c == ' ') break;
            i++;
        }
        int te = i;
        long pid = -1;
        if (i < end && s.charAt(i) == '[') {
            int ps = ++i;
            while (i < end && s.charAt(i) != ']' && s.charAt(i) != ' ') i++;
            if (i >= end || s.charAt(i) != ']')
                return failLine(ln, s, lineStart, end, DeadLetterReason.TRUNCATED, "syslog tag '[' without ']'", headerTimeOrNone(ln, host), host);
            pid = Scan.number(s, ps, i); // a non-numeric or overflowing procid (-1) is kept out of the event
            i++;
        }
        if (te == ts || i >= end || s.charAt(i) != ':')
            return failLine(ln, s, lineStart, end, DeadLetterReason.UNRECOGNISED, "syslog line without a 'tag:'", headerTimeOrNone(ln, host), host);
        i++;
        while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
        return syslogMessage(ln, s, i, end, fmt, host, ts, te, pid, lineStart);
    }

    /** {@code <pri>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]}; i after "1 ". */
    private ParseOutcome rfc5424(Line ln, String s, int lineStart, int i, int end) {
        // TIMESTAMP
        if (i < end && s.charAt(i) == '-') {
            ln.hdrKind = HDR_NONE;
            i++;
        } else {
            long ts = parseIso(ln, s, i, end, 'T', true);
            if (ts == NO_TIME) return failLine(ln, s, lineStart, end, DeadLetterReason.BAD_TIMESTAMP, "bad RFC 5424 time: " + ln.tsError, NO_TIME, null);
            ln.hdrKind = HDR_ABS;
            ln.hdrNanos = ts;
            i = ln.pos;
        }
        if (i >= end || s.charAt(i) != ' ') return cut5424(ln, s, lineStart, end, null);
        // HOST
        int hs = ++i;
        while (i < end && s.charAt(i) != ' ') i++;
        if (i >= end) return cut5424(ln, s, lineStart, end, null);
        String host = (i - hs == 1 && s.charAt(hs) == '-') ? null : syslogHost(s, hs, i);
        // APP-NAME
        int as = ++i;
        while (i < end && s.charAt(i) != ' ') i++;
        if (i >= end) return cut5424(ln, s, lineStart, end, host);
        int ae = i;
        if (ae - as == 1 && s.charAt(as) == '-') ae = as;
        // PROCID
        int ps = ++i;
        while (i < end && s.charAt(i) != ' ') i++;
        if (i >= end) return cut5424(ln, s, lineStart, end, host);
        long pid = Scan.number(s, ps, i);
        // MSGID
        i++;
        while (i < end && s.charAt(i) != ' ') i++;
        if (i >= end) return cut5424(ln, s, lineStart, end, host);
        // STRUCTURED-DATA
        i++;
        if (i >= end) return cut5424(ln, s, lineStart, end, host);
        if (s.charAt(i) == '-') {
            i++;
        } else if (s.charAt(i) == '[') {
            while (i < end && s.charAt(i) == '[') {
                i++;
                boolean quoted = false;
                while (i < end) {
                    char c = s.charAt(i);
                    if (quoted) {
                        if (c == '\\') i++;
                        else if (c == '"') quoted = false;
                    } else if (c == '"') {
                        quoted = true;
                    } else if (c == ']') {
                        break;
                    }
                    i++;
                }
                if (i >= end) return cut5424(ln, s, lineStart, end, host);
                i++; // ']'
            }
        } else {
            return failLine(ln, s, lineStart, end, DeadLetterReason.TRUNCATED, "RFC 5424 structured data is neither '-' nor '[...]'", headerTimeOrNone(ln, host), host);
        }
        if (i >= end) return failLine(ln, s, lineStart, end, DeadLetterReason.TRUNCATED, "RFC 5424 line without a message", headerTimeOrNone(ln, host), host);
        if (s.charAt(i) != ' ') return cut5424(ln, s, lineStart, end, host);
        // any run of blanks: rsyslog keeps splogger's leading space ("- -  <stamp> text")
        while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
        if (i < end && s.charAt(i) == '\uFEFF') i++; // BOM
        if (ae == as)
            return failLine(ln, s, lineStart, end, DeadLetterReason.UNRECOGNISED, "RFC 5424 line without an app name", headerTimeOrNone(ln, host), host);
        return syslogMessage(ln, s, i, end, LogFormat.SYSLOG_RFC5424, host, as, ae, pid, lineStart);
    }

    private ParseOutcome cut5424(Line ln, String s, int lineStart, int end, String host) {
        return failLine(ln, s, lineStart, end, DeadLetterReason.TRUNCATED, "RFC 5424 header cut short", headerTimeOrNone(ln, host), host);
    }

    /** The message part of a syslog line, tag = s[ts, te). */
    private ParseOutcome syslogMessage(Line ln, String s, int i, int end, LogFormat fmt, String host, int ts, int te, long pid, int lineStart) {
        boolean qmail = te - ts == 5 && s.startsWith("qmail", ts);
        // splogger output (any ident): <sec>.<usec> text
        if (i < end && Scan.isDigit(s.charAt(i))) {
            long st = stamp(ln, s, i, end);
            if (st != NO_TIME && ln.fracDigits == 6 && ln.pos < end && (s.charAt(ln.pos) == ' ' || s.charAt(ln.pos) == '+')) {
                ParseOutcome o = stampedText(ln, s, ln.pos, end, st, fmt, host, true);
                if (!qmail && o.deadLetter != null && o.deadLetter.reason == DeadLetterReason.UNRECOGNISED)
                    o.deadLetter.detail = "syslog tag '" + s.substring(ts, te) + "': " + o.deadLetter.detail;
                return o;
            }
        }
        String program = qmail ? "qmail" : knownProgram(s, ts, te);
        if (program == null)
            return failLine(ln, s, lineStart, end, DeadLetterReason.UNRECOGNISED,
                    "syslog tag '" + Scan.snippet(s, ts, te) + "' is not a qmail program", headerTimeOrNone(ln, host), host);
        QmailEvent e;
        try {
            if (qmail) {
                e = QmailTextParser.parse(s, i, end);
            } else {
                if (program.equals("tcpserver") && Scan.starts(s, i, end, "tcpserver: ")) i += 11;
                e = QmailTextParser.tagged(program, pid, s, i, end);
            }
        } catch (Malformed m) {
            return failLine(ln, s, lineStart, end, m.reason, m.detail, headerTimeOrNone(ln, host), host);
        }
        long t = headerTime(ln, host);
        if (t == NO_TIME) {
            if (ln.envTs == NO_TIME) return dead(ln, DeadLetterReason.BAD_TIMESTAMP, ln.tsError, NO_TIME, host);
            return complete(ln, e, ln.envTs, fmt, host);
        }
        return complete(ln, e, t, fmt, host);
    }

    /** The host field s[from, to), reusing the previous line's String when equal (no allocation per line). */
    private String syslogHost(String s, int from, int to) {
        String h = lastSyslogHost;
        if (h != null && h.length() == to - from && s.startsWith(h, from)) return h;
        h = s.substring(from, to);
        lastSyslogHost = h;
        return h;
    }

    private static String knownProgram(String s, int ts, int te) {
        for (String p : QmailTextParser.TAGGED_PROGRAMS) if (te - ts == p.length() && s.startsWith(p, ts)) return p;
        return null;
    }

    private long headerTimeOrNone(Line ln, String host) {
        return headerTime(ln, host);
    }

    /**
     * The syslog header's time (RFC 3164 with the year of {@code host}'s reference), NO_TIME when
     * absent/invalid (ln.tsError set).
     */
    private long headerTime(Line ln, String host) {
        if (ln.hdrKind == HDR_ABS) return ln.hdrNanos;
        if (ln.hdrKind == HDR_NONE) {
            ln.tsError = "no timestamp: RFC 5424 nil time and no splogger stamp";
            return NO_TIME;
        }
        long t = years.resolve(resolveHost(ln, host), ln.hMon, ln.hDay, ln.hHour, ln.hMin, ln.hSec, zone());
        if (t == NO_TIME) ln.tsError = "RFC 3164 date " + MONTHS[ln.hMon - 1] + " " + ln.hDay + " fits no year near the reference time";
        return t;
    }

    // ==============================================================================================
    // JSON envelope

    private ParseOutcome envelope(Line ln, String s) {
        JsonNode root;
        try {
            root = mapper().readTree(s);
        } catch (Exception e) {
            String m = String.valueOf(e.getMessage());
            int nl = m.indexOf('\n');
            if (nl >= 0) m = m.substring(0, nl);
            if (m.length() > 200) m = m.substring(0, 200) + "...";
            return dead(ln, DeadLetterReason.BAD_ENVELOPE, "invalid JSON: " + m, NO_TIME, resolveHost(ln, null));
        }
        if (root == null || !root.isObject())
            return dead(ln, DeadLetterReason.BAD_ENVELOPE, "JSON envelope is not an object", NO_TIME, resolveHost(ln, null));
        String line = str(root.get("message"));
        if (line == null) line = str(root.get("line"));
        if (line == null) line = str(root.get("log"));
        // host
        JsonNode h = root.get("host");
        String host = str(h);
        if (host == null && h != null && h.isObject()) {
            host = str(h.get("name"));
            if (host == null) host = str(h.get("hostname"));
        }
        if (host == null) host = str(root.get("hostname"));
        ln.envHost = blankToNull(host);
        // origin / position
        String file = str(root.get("file"));
        JsonNode log = root.get("log");
        if (file == null && log != null && log.isObject()) {
            JsonNode f = log.get("file");
            if (f != null && f.isObject()) file = str(f.get("path"));
        }
        if (file != null) ln.origin = "file:" + file;
        JsonNode off = root.get("offset");
        if ((off == null || !off.isIntegralNumber()) && log != null && log.isObject()) off = log.get("offset");
        if (off != null && off.isIntegralNumber() && off.canConvertToLong()) ln.position = off.longValue();
        if (line == null)
            return dead(ln, DeadLetterReason.BAD_ENVELOPE, "JSON envelope without a string 'message', 'line' or 'log'", NO_TIME, resolveHost(ln, null));
        // timestamp
        JsonNode t = root.get("timestamp");
        if (t == null || t.isNull()) t = root.get("@timestamp");
        if (t != null && !t.isNull()) {
            long ts = envelopeTime(ln, t);
            if (ts == NO_TIME) ln.envTsBad = true;
            else ln.envTs = ts;
        }
        return parseText(ln, line, true);
    }

    private long envelopeTime(Line ln, JsonNode t) {
        if (t.isTextual()) {
            String v = t.textValue().trim();
            long ts = parseIso(ln, v, 0, v.length(), 'T', false);
            if (ts == NO_TIME && v.length() > 10 && v.charAt(10) == ' ') ts = parseIso(ln, v, 0, v.length(), ' ', false);
            return ts != NO_TIME && ln.pos == v.length() ? ts : NO_TIME;
        }
        if (t.isNumber()) {
            try {
                BigDecimal v = t.decimalValue();
                BigDecimal a = v.abs();
                int shift = a.compareTo(E11) < 0 ? 9 : a.compareTo(E14) < 0 ? 6 : a.compareTo(E17) < 0 ? 3 : 0;
                return v.movePointRight(shift).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
            } catch (ArithmeticException e) {
                return NO_TIME;
            }
        }
        return NO_TIME;
    }

    private ObjectMapper mapper() {
        if (mapper == null) mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        return mapper;
    }

    private static String str(JsonNode n) {
        return n != null && n.isTextual() ? n.textValue() : null;
    }

    // ==============================================================================================
    // events and dead letters

    /** Parses the qmail/tcpserver/companion text s[p, end) and completes the event. */
    private ParseOutcome finish(Line ln, String s, int p, int end, long ts, LogFormat fmt, String syslogHost) {
        QmailEvent e;
        try {
            e = QmailTextParser.parse(s, p, end);
        } catch (Malformed m) {
            return failLine(ln, s, p, end, m.reason, m.detail, ts, syslogHost);
        }
        return complete(ln, e, ts, fmt, syslogHost);
    }

    private ParseOutcome rawEvent(Line ln, EventType type, String raw, long ts, LogFormat fmt, String syslogHost) {
        QmailEvent e = new QmailEvent();
        e.type = type;
        e.raw = raw;
        return complete(ln, e, ts, fmt, syslogHost);
    }

    private ParseOutcome complete(Line ln, QmailEvent e, long ts, LogFormat fmt, String syslogHost) {
        String host = resolveHost(ln, syslogHost);
        if (ts == NO_TIME) {
            if (ln.envTs == NO_TIME)
                return dead(ln, DeadLetterReason.BAD_TIMESTAMP, ln.envTsBad ? "line has no timestamp prefix and the envelope timestamp is unreadable"
                        : "line has no timestamp prefix and no envelope timestamp", NO_TIME, host);
            ts = ln.envTs;
        }
        if (host == null)
            return dead(ln, DeadLetterReason.NO_HOST, "no host: no syslog host field, envelope host or transport host", ts, null);
        e.host = host;
        e.tsNanos = ts;
        e.format = fmt;
        e.origin = ln.origin;
        e.position = ln.position;
        return ParseOutcome.of(e);
    }

    /**
     * A line that did not parse: BINARY if it holds control characters or U+FFFD, else the given
     * reason. Scans s once.
     */
    private ParseOutcome failLine(Line ln, String s, int p, int end, DeadLetterReason reason, String detail, long ts, String syslogHost) {
        if (reason == null) {
            reason = DeadLetterReason.UNRECOGNISED;
            detail = INTERNAL_ERROR + "failure without a reason";
        }
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t' && !(i >= end && (c == '\n' || c == '\r'))) || c == '\uFFFD') {
                String what = c == '\uFFFD' ? "U+FFFD (undecodable bytes)" : String.format("control character 0x%02x", (int) c);
                return dead(ln, DeadLetterReason.BINARY, what + " at offset " + i + "; " + reason + ": " + detail, ts, resolveHost(ln, syslogHost));
            }
        }
        return dead(ln, reason, detail, ts, resolveHost(ln, syslogHost));
    }

    private ParseOutcome dead(Line ln, DeadLetterReason reason, String detail, long ts, String host) {
        DeadLetter d = DeadLetter.of(STAGE, reason, detail, ln.text, host, ln.origin, ln.position);
        d.tsNanos = ts == NO_TIME ? -1 : ts;
        return ParseOutcome.dead(d);
    }

    private String resolveHost(Line ln, String syslogHost) {
        if (syslogHost != null && !syslogHost.isEmpty()) return syslogHost;
        if (ln.envHost != null) return ln.envHost;
        return ln.transportHost;
    }

    private static String blankToNull(String h) {
        if (h == null) return null;
        for (int i = 0; i < h.length(); i++) if (h.charAt(i) > ' ') return h;
        return null;
    }

    // ==============================================================================================
    // timestamps

    /**
     * {@code <sec>.<fraction>} at p: epoch nanos (fraction beyond 9 digits ignored), sets ln.pos after
     * it and ln.fracDigits; NO_TIME with ln.tsError if malformed.
     */
    private long stamp(Line ln, String s, int p, int end) {
        Scan sc = new Scan(s, p, end);
        long sec = sc.num();
        int i = sc.pos;
        if (sec < 0 || sec > MAX_SECS) {
            ln.tsError = sec == -1 ? "expected a number" : "timestamp seconds out of range";
            return NO_TIME;
        }
        if (i >= end || s.charAt(i) != '.') {
            ln.tsError = "timestamp seconds not followed by '.'";
            return NO_TIME;
        }
        i++;
        int st = i;
        long frac = 0;
        while (i < end && Scan.isDigit(s.charAt(i))) {
            if (i - st < 9) frac = frac * 10 + (s.charAt(i) - '0');
            i++;
        }
        int digits = i - st;
        if (digits == 0) {
            ln.tsError = "timestamp without fraction digits";
            return NO_TIME;
        }
        for (int k = digits; k < 9; k++) frac *= 10;
        ln.fracDigits = digits;
        ln.pos = i;
        return sec * NANOS + frac;
    }

    /**
     * ISO 8601 {@code YYYY-MM-DD<sep>HH:MM:SS[.f][Z|±HH:MM|±HHMM]} at p; without a zone designator the
     * time is local in the configured zone (or, if {@code zoneRequired}, an error). Sets ln.pos after it.
     */
    private long parseIso(Line ln, String s, int p, int end, char sep, boolean zoneRequired) {
        if (end - p < 19 || !allDigits(s, p, 4) || s.charAt(p + 4) != '-' || !allDigits(s, p + 5, 2) || s.charAt(p + 7) != '-'
                || !allDigits(s, p + 8, 2) || s.charAt(p + 10) != sep || !allDigits(s, p + 11, 2) || s.charAt(p + 13) != ':'
                || !allDigits(s, p + 14, 2) || s.charAt(p + 16) != ':' || !allDigits(s, p + 17, 2)) {
            ln.tsError = "not YYYY-MM-DD" + (sep == ' ' ? " " : String.valueOf(sep)) + "HH:MM:SS";
            return NO_TIME;
        }
        int y = two(s, p) * 100 + two(s, p + 2);
        int mo = two(s, p + 5), d = two(s, p + 8), hh = two(s, p + 11), mi = two(s, p + 14), ss = two(s, p + 17);
        if (mo < 1 || mo > 12 || d < 1 || d > LocalDate.of(y, mo, 1).lengthOfMonth() || hh > 23 || mi > 59 || ss > 60) {
            ln.tsError = "date/time field out of range";
            return NO_TIME;
        }
        if (ss == 60) ss = 59;
        int i = p + 19;
        long frac = 0;
        if (i < end && (s.charAt(i) == '.' || s.charAt(i) == ',')) {
            int st = ++i;
            while (i < end && Scan.isDigit(s.charAt(i))) {
                if (i - st < 9) frac = frac * 10 + (s.charAt(i) - '0');
                i++;
            }
            if (i == st) {
                ln.tsError = "no digits after the decimal point";
                return NO_TIME;
            }
            for (int k = i - st; k < 9; k++) frac *= 10;
        }
        long local = LocalDate.of(y, mo, d).toEpochDay() * 86400L + hh * 3600L + mi * 60L + ss;
        long epoch;
        if (i < end && (s.charAt(i) == 'Z' || s.charAt(i) == 'z')) {
            epoch = local;
            i++;
        } else if (i < end && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            int sign = s.charAt(i) == '-' ? -1 : 1;
            i++;
            if (end - i < 2 || !allDigits(s, i, 2)) {
                ln.tsError = "bad zone offset";
                return NO_TIME;
            }
            int oh = two(s, i);
            i += 2;
            int om = 0;
            if (i < end && s.charAt(i) == ':') i++;
            if (end - i >= 2 && allDigits(s, i, 2)) {
                om = two(s, i);
                i += 2;
            }
            if (oh > 18 || om > 59) {
                ln.tsError = "bad zone offset";
                return NO_TIME;
            }
            epoch = local - sign * (oh * 3600L + om * 60L);
        } else if (zoneRequired) {
            ln.tsError = "no zone designator";
            return NO_TIME;
        } else {
            epoch = local - offsetOfLocal(local);
        }
        ln.pos = i;
        return epoch * NANOS + frac;
    }

    /** Offset (seconds) of the configured zone at a local date-time given as local epoch seconds. */
    private int offsetOfLocal(long localSec) {
        ZoneRules r = rules();
        if (r.isFixedOffset()) return fixedOffset;
        long minute = Math.floorDiv(localSec, 60);
        if (minute != cachedLocalMinute) {
            cachedOffset = r.getOffset(LocalDateTime.ofEpochSecond(minute * 60, 0, ZoneOffset.UTC)).getTotalSeconds();
            cachedLocalMinute = minute;
        }
        return cachedOffset;
    }

    private ZoneId zone() {
        if (zone == null) zone = config.zoneId();
        return zone;
    }

    private ZoneRules rules() {
        if (rules == null) {
            rules = zone().getRules();
            if (rules.isFixedOffset()) fixedOffset = rules.getOffset(Instant.EPOCH).getTotalSeconds();
        }
        return rules;
    }

    /** 1..12 if s[p, p+3) is an English month abbreviation, else 0. */
    private static int month(String s, int p, int end) {
        if (end - p < 3) return 0;
        for (int m = 0; m < 12; m++) if (s.startsWith(MONTHS[m], p)) return m + 1;
        return 0;
    }

    private static boolean allDigits(String s, int p, int n) {
        if (p + n > s.length()) return false;
        for (int i = p; i < p + n; i++) if (!Scan.isDigit(s.charAt(i))) return false;
        return true;
    }

    private static int two(String s, int p) {
        return (s.charAt(p) - '0') * 10 + (s.charAt(p + 1) - '0');
    }
}
