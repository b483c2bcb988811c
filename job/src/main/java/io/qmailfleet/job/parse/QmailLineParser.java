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
 * <p>Hand-written scanning, no regular expressions. The text after the prefix is parsed by the
 * stateless {@link QmailTextParser}. An instance is not thread-safe (it keeps per-line scratch
 * state and the per-host year references); use one per task.
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

    // ---- per-line scratch (single-threaded)
    private transient String curText;
    private transient String curTransportHost;
    private transient String curEnvHost;
    private transient long curEnvTs;
    private transient boolean curEnvTsBad;
    private transient String curOrigin;
    private transient long curPosition;
    /** End of the current line's text without its line terminator but with trailing blanks. */
    private transient int curRawEnd;
    private transient int pos;
    private transient int fracDigits;
    /** RFC 3164 header date, valid while {@link #hdrKind} == HDR_3164. */
    private transient int hMon, hDay, hHour, hMin, hSec;
    private transient int hdrKind;
    private transient long hdrNanos;
    private transient String tsError;
    private transient String lastSyslogHost;

    private static final int HDR_NONE = 0, HDR_3164 = 1, HDR_ABS = 2;

    public QmailLineParser(ParserConfig config) {
        this.config = config == null ? new ParserConfig() : config;
        this.years = new SyslogYears(this.config.yearReferenceMillis);
    }

    /** Parses one line; exactly one of the outcome's event and dead letter is set. Never throws. */
    public ParseOutcome parse(RawLine line) {
        if (line == null) return ParseOutcome.dead(DeadLetter.of(STAGE, DeadLetterReason.EMPTY, "null line", "", null, null, -1));
        curText = line.text;
        curTransportHost = blankToNull(line.host);
        curEnvHost = null;
        curEnvTs = NO_TIME;
        curEnvTsBad = false;
        curOrigin = line.origin;
        curPosition = line.position;
        try {
            return parseText(line.text, false);
        } catch (RuntimeException | StackOverflowError e) {
            return dead(DeadLetterReason.UNRECOGNISED, INTERNAL_ERROR + e, NO_TIME, resolveHost(null));
        }
    }

    /**
     * Parses the qmail text of a joined splogger split line: {@code head.type == SPLIT_HEAD} and
     * {@code head.raw} holds the first part plus every continuation's rest. The host, time, format,
     * origin and position come from the head. Never throws.
     */
    public ParseOutcome parseJoined(QmailEvent head) {
        if (head == null) return ParseOutcome.dead(DeadLetter.of(STAGE, DeadLetterReason.EMPTY, "null split head", "", null, null, -1));
        curText = head.raw;
        curTransportHost = blankToNull(head.host);
        curEnvHost = null;
        curEnvTs = NO_TIME;
        curEnvTsBad = false;
        curOrigin = head.origin;
        curPosition = head.position;
        try {
            String s = head.raw;
            if (s == null) return dead(DeadLetterReason.TRUNCATED, "split head without text", head.tsNanos, curTransportHost);
            if (s.length() > config.maxLineChars)
                return dead(DeadLetterReason.TOO_LONG, "joined line of " + s.length() + " characters, more than the maximum "
                        + config.maxLineChars, head.tsNanos, curTransportHost);
            int end = trimEnd(s, 0, s.length());
            QmailEvent e;
            try {
                e = QmailTextParser.parse(s, 0, end);
            } catch (Malformed m) {
                return failLine(s, 0, end, m.reason, m.detail, head.tsNanos, null);
            }
            if (curTransportHost == null) return dead(DeadLetterReason.NO_HOST, "split head without a host", head.tsNanos, null);
            e.host = curTransportHost;
            e.tsNanos = head.tsNanos;
            e.format = head.format;
            e.origin = head.origin;
            e.position = head.position;
            e.seq = head.seq;
            return ParseOutcome.of(e);
        } catch (RuntimeException | StackOverflowError e) {
            return dead(DeadLetterReason.UNRECOGNISED, INTERNAL_ERROR + e, head.tsNanos, curTransportHost);
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

    private ParseOutcome parseText(String s, boolean inEnvelope) {
        if (s == null || s.isEmpty())
            return dead(DeadLetterReason.EMPTY, inEnvelope ? "empty line text in envelope" : "empty line", NO_TIME, resolveHost(null));
        int len = s.length();
        if (len > config.maxLineChars)
            return dead(DeadLetterReason.TOO_LONG, len + " characters, more than the maximum " + config.maxLineChars,
                    NO_TIME, resolveHost(null));
        int rawEnd = len;
        if (rawEnd > 0 && s.charAt(rawEnd - 1) == '\n') rawEnd--;
        if (rawEnd > 0 && s.charAt(rawEnd - 1) == '\r') rawEnd--;
        curRawEnd = rawEnd;
        int end = trimEnd(s, 0, rawEnd);
        int p = 0;
        while (p < end && (s.charAt(p) == ' ' || s.charAt(p) == '\t')) p++;
        if (p == end) return dead(DeadLetterReason.EMPTY, "blank line", NO_TIME, resolveHost(null));
        char c = s.charAt(p);
        if (c == '@') return multilog(s, p, end);
        if (c != '{' && c != '<') {
            int label = grepPrefixedLabel(s, p, end);
            if (label >= 0) return multilog(s, label, end);
        }
        if (c >= '0' && c <= '9') return numeric(s, p, end);
        if (c == '<') return syslogPri(s, p, end);
        if (c == '{') {
            if (inEnvelope) return dead(DeadLetterReason.BAD_ENVELOPE, "envelope inside an envelope", NO_TIME, resolveHost(null));
            return envelope(s);
        }
        if (c >= 'A' && c <= 'Z' && month(s, p, end) > 0 && p + 3 < end && s.charAt(p + 3) == ' ') return rfc3164(s, p, end, p);
        return finish(s, p, end, NO_TIME, LogFormat.ENVELOPE, null);
    }

    /** {@code @<24 hex> text}. */
    private ParseOutcome multilog(String s, int p, int end) {
        if (end - p == 25 && Tai64n.isLabel(s, p + 1))
            return failLine(s, p, end, DeadLetterReason.TRUNCATED, "no text after the multilog timestamp", NO_TIME, null);
        if (end - p < 26 || s.charAt(p + 25) != ' ')
            return failLine(s, p, end, DeadLetterReason.BAD_TIMESTAMP, "multilog stamp is not '@' + 24 hex digits + space", NO_TIME, null);
        long ts = Tai64n.epochNanos(s, p + 1);
        if (ts == Tai64n.INVALID)
            return failLine(s, p, end, DeadLetterReason.BAD_TIMESTAMP, Tai64n.problem(s, p + 1), NO_TIME, null);
        return finish(s, p + 26, end, ts, LogFormat.MULTILOG, null);
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
    private ParseOutcome numeric(String s, int p, int end) {
        if (end - p > 10 && s.charAt(p + 4) == '-' && allDigits(s, p, 4)) {
            char sep = s.charAt(p + 10);
            if (sep == 'T') return isoSyslog(s, p, end);
            if (sep == ' ') {
                long ts = parseIso(s, p, end, ' ', false);
                if (ts == NO_TIME) return failLine(s, p, end, DeadLetterReason.BAD_TIMESTAMP, "bad tai64nlocal date: " + tsError, NO_TIME, null);
                if (pos >= end || s.charAt(pos) != ' ')
                    return failLine(s, p, end, DeadLetterReason.TRUNCATED, "no text after the tai64nlocal timestamp", ts, null);
                return finish(s, pos + 1, end, ts, LogFormat.TAI64NLOCAL, null);
            }
            return failLine(s, p, end, DeadLetterReason.BAD_TIMESTAMP, "date not followed by 'T' or a space", NO_TIME, null);
        }
        long ts = stamp(s, p, end);
        if (ts == NO_TIME) return failLine(s, p, end, DeadLetterReason.BAD_TIMESTAMP, tsError, NO_TIME, null);
        boolean splogger = fracDigits == 6;
        return stampedText(s, pos, end, ts, splogger ? LogFormat.SPLOGGER : LogFormat.EPOCH, null, splogger);
    }

    /**
     * The text after a splogger/epoch stamp; {@code p} is at the separator (space, or {@code +} for a
     * splogger continuation).
     */
    private ParseOutcome stampedText(String s, int p, int end, long ts, LogFormat fmt, String syslogHost, boolean splogger) {
        if (p >= end) return failLine(s, p, end, DeadLetterReason.TRUNCATED, "no text after the timestamp", ts, syslogHost);
        char c = s.charAt(p);
        if (splogger) years.stamp(resolveHost(syslogHost), ts);
        if (c == ' ') {
            if (splogger && curRawEnd - (p + 1) == SPLOGGER_CHUNK)
                return rawEvent(EventType.SPLIT_HEAD, s.substring(p + 1, curRawEnd), ts, fmt, syslogHost);
            return finish(s, p + 1, end, ts, fmt, syslogHost);
        }
        if (c == '+' && splogger) return rawEvent(EventType.CONTINUATION, s.substring(p + 1, curRawEnd), ts, fmt, syslogHost);
        return failLine(s, p, end, DeadLetterReason.BAD_TIMESTAMP, "timestamp not followed by a space", NO_TIME, syslogHost);
    }

    // ==============================================================================================
    // syslog

    /** {@code <pri>} then an RFC 5424 header, an ISO date (rsyslog) or an RFC 3164 date. */
    private ParseOutcome syslogPri(String s, int p, int end) {
        int i = p + 1;
        int st = i;
        while (i < end && i - st < 4 && Scan.isDigit(s.charAt(i))) i++;
        if (i == st || i >= end || s.charAt(i) != '>')
            return failLine(s, p, end, DeadLetterReason.UNRECOGNISED, "'<' not followed by a syslog priority '<n>'", NO_TIME, null);
        i++;
        if (end - i > 2 && s.charAt(i) == '1' && s.charAt(i + 1) == ' ') return rfc5424(s, p, i + 2, end);
        if (end - i > 10 && s.charAt(i + 4) == '-' && allDigits(s, i, 4) && s.charAt(i + 10) == 'T') return isoSyslog(s, i, end);
        if (month(s, i, end) > 0 && i + 3 < end && s.charAt(i + 3) == ' ') return rfc3164(s, i, end, p);
        return failLine(s, p, end, DeadLetterReason.BAD_TIMESTAMP, "syslog priority not followed by a date", NO_TIME, null);
    }

    /** {@code Mmm dd HH:MM:SS host tag: msg}; p at the month. */
    private ParseOutcome rfc3164(String s, int p, int end, int lineStart) {
        int mon = month(s, p, end);
        int i = p + 4; // "Mmm "
        if (i < end && s.charAt(i) == ' ') i++; // space-padded day
        int st = i;
        int day = 0;
        while (i < end && i - st < 2 && Scan.isDigit(s.charAt(i))) day = day * 10 + (s.charAt(i++) - '0');
        if (i == st || day < 1 || day > 31 || i >= end || s.charAt(i) != ' ')
            return failLine(s, lineStart, end, DeadLetterReason.BAD_TIMESTAMP, "bad RFC 3164 day", NO_TIME, null);
        i++;
        if (end - i < 9 || !allDigits(s, i, 2) || s.charAt(i + 2) != ':' || !allDigits(s, i + 3, 2) || s.charAt(i + 5) != ':'
                || !allDigits(s, i + 6, 2))
            return failLine(s, lineStart, end, DeadLetterReason.BAD_TIMESTAMP, "bad RFC 3164 time", NO_TIME, null);
        int hh = two(s, i), mm = two(s, i + 3), ss = two(s, i + 6);
        if (hh > 23 || mm > 59 || ss > 60)
            return failLine(s, lineStart, end, DeadLetterReason.BAD_TIMESTAMP, "bad RFC 3164 time", NO_TIME, null);
        i += 8;
        if (i < end && s.charAt(i) == '.') { // high-precision variant: skip the fraction
            i++;
            while (i < end && Scan.isDigit(s.charAt(i))) i++;
        }
        if (i >= end || s.charAt(i) != ' ')
            return failLine(s, lineStart, end, DeadLetterReason.TRUNCATED, "RFC 3164 line cut after the time", NO_TIME, null);
        hdrKind = HDR_3164;
        hMon = mon;
        hDay = day;
        hHour = hh;
        hMin = mm;
        hSec = ss;
        return hostAndTag(s, i + 1, end, lineStart, LogFormat.SYSLOG_RFC3164);
    }

    /** {@code 2026-11-24T20:06:39.534679+00:00 host tag: msg} (rsyslog's ISO file format). */
    private ParseOutcome isoSyslog(String s, int p, int end) {
        long ts = parseIso(s, p, end, 'T', false);
        if (ts == NO_TIME) return failLine(s, p, end, DeadLetterReason.BAD_TIMESTAMP, "bad ISO 8601 syslog time: " + tsError, NO_TIME, null);
        if (pos >= end || s.charAt(pos) != ' ')
            return failLine(s, p, end, DeadLetterReason.TRUNCATED, "syslog line cut after the time", ts, null);
        hdrKind = HDR_ABS;
        hdrNanos = ts;
        return hostAndTag(s, pos + 1, end, p, LogFormat.SYSLOG_RFC5424);
    }

    /** After the date: {@code host tag[pid]: msg}. */
    private ParseOutcome hostAndTag(String s, int i, int end, int lineStart, LogFormat fmt) {
        int hs = i;
        while (i < end && s.charAt(i) != ' ') i++;
        if (i == hs || i >= end)
            return failLine(s, lineStart, end, DeadLetterReason.TRUNCATED, "syslog line cut before the tag", headerTimeOrNone(null), null);
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
                return failLine(s, lineStart, end, DeadLetterReason.TRUNCATED, "syslog tag '[' without ']'", headerTimeOrNone(host), host);
            pid = Scan.number(s, ps, i); // a non-numeric or overflowing procid (-1) is kept out of the event
            i++;
        }
        if (te == ts || i >= end || s.charAt(i) != ':')
            return failLine(s, lineStart, end, DeadLetterReason.UNRECOGNISED, "syslog line without a 'tag:'", headerTimeOrNone(host), host);
        i++;
        while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
        return syslogMessage(s, i, end, fmt, host, ts, te, pid, lineStart);
    }

    /** {@code <pri>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]}; i after "1 ". */
    private ParseOutcome rfc5424(String s, int lineStart, int i, int end) {
        // TIMESTAMP
        if (i < end && s.charAt(i) == '-') {
            hdrKind = HDR_NONE;
            i++;
        } else {
            long ts = parseIso(s, i, end, 'T', true);
            if (ts == NO_TIME) return failLine(s, lineStart, end, DeadLetterReason.BAD_TIMESTAMP, "bad RFC 5424 time: " + tsError, NO_TIME, null);
            hdrKind = HDR_ABS;
            hdrNanos = ts;
            i = pos;
        }
        if (i >= end || s.charAt(i) != ' ') return cut5424(s, lineStart, end, null);
        // HOST
        int hs = ++i;
        while (i < end && s.charAt(i) != ' ') i++;
        if (i >= end) return cut5424(s, lineStart, end, null);
        String host = (i - hs == 1 && s.charAt(hs) == '-') ? null : syslogHost(s, hs, i);
        // APP-NAME
        int as = ++i;
        while (i < end && s.charAt(i) != ' ') i++;
        if (i >= end) return cut5424(s, lineStart, end, host);
        int ae = i;
        if (ae - as == 1 && s.charAt(as) == '-') ae = as;
        // PROCID
        int ps = ++i;
        while (i < end && s.charAt(i) != ' ') i++;
        if (i >= end) return cut5424(s, lineStart, end, host);
        long pid = Scan.number(s, ps, i);
        // MSGID
        i++;
        while (i < end && s.charAt(i) != ' ') i++;
        if (i >= end) return cut5424(s, lineStart, end, host);
        // STRUCTURED-DATA
        i++;
        if (i >= end) return cut5424(s, lineStart, end, host);
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
                if (i >= end) return cut5424(s, lineStart, end, host);
                i++; // ']'
            }
        } else {
            return failLine(s, lineStart, end, DeadLetterReason.TRUNCATED, "RFC 5424 structured data is neither '-' nor '[...]'", headerTimeOrNone(host), host);
        }
        if (i >= end) return failLine(s, lineStart, end, DeadLetterReason.TRUNCATED, "RFC 5424 line without a message", headerTimeOrNone(host), host);
        if (s.charAt(i) != ' ') return cut5424(s, lineStart, end, host);
        // any run of blanks: rsyslog keeps splogger's leading space ("- -  <stamp> text")
        while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
        if (i < end && s.charAt(i) == '\uFEFF') i++; // BOM
        if (ae == as)
            return failLine(s, lineStart, end, DeadLetterReason.UNRECOGNISED, "RFC 5424 line without an app name", headerTimeOrNone(host), host);
        return syslogMessage(s, i, end, LogFormat.SYSLOG_RFC5424, host, as, ae, pid, lineStart);
    }

    private ParseOutcome cut5424(String s, int lineStart, int end, String host) {
        return failLine(s, lineStart, end, DeadLetterReason.TRUNCATED, "RFC 5424 header cut short", headerTimeOrNone(host), host);
    }

    /** The message part of a syslog line, tag = s[ts, te). */
    private ParseOutcome syslogMessage(String s, int i, int end, LogFormat fmt, String host, int ts, int te, long pid, int lineStart) {
        boolean qmail = te - ts == 5 && s.startsWith("qmail", ts);
        // splogger output (any ident): <sec>.<usec> text
        if (i < end && Scan.isDigit(s.charAt(i))) {
            long st = stamp(s, i, end);
            if (st != NO_TIME && fracDigits == 6 && pos < end && (s.charAt(pos) == ' ' || s.charAt(pos) == '+')) {
                ParseOutcome o = stampedText(s, pos, end, st, fmt, host, true);
                if (!qmail && o.deadLetter != null && o.deadLetter.reason == DeadLetterReason.UNRECOGNISED)
                    o.deadLetter.detail = "syslog tag '" + s.substring(ts, te) + "': " + o.deadLetter.detail;
                return o;
            }
        }
        String program = qmail ? "qmail" : knownProgram(s, ts, te);
        if (program == null)
            return failLine(s, lineStart, end, DeadLetterReason.UNRECOGNISED,
                    "syslog tag '" + Scan.snippet(s, ts, te) + "' is not a qmail program", headerTimeOrNone(host), host);
        QmailEvent e;
        try {
            if (qmail) {
                e = QmailTextParser.parse(s, i, end);
            } else {
                if (program.equals("tcpserver") && Scan.starts(s, i, end, "tcpserver: ")) i += 11;
                e = QmailTextParser.tagged(program, pid, s, i, end);
            }
        } catch (Malformed m) {
            return failLine(s, lineStart, end, m.reason, m.detail, headerTimeOrNone(host), host);
        }
        long t = headerTime(host);
        if (t == NO_TIME) {
            if (curEnvTs == NO_TIME) return dead(DeadLetterReason.BAD_TIMESTAMP, tsError, NO_TIME, host);
            return complete(e, curEnvTs, fmt, host);
        }
        return complete(e, t, fmt, host);
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

    private long headerTimeOrNone(String host) {
        return headerTime(host);
    }

    /**
     * The syslog header's time (RFC 3164 with the year of {@code host}'s reference), NO_TIME when
     * absent/invalid (tsError set).
     */
    private long headerTime(String host) {
        if (hdrKind == HDR_ABS) return hdrNanos;
        if (hdrKind == HDR_NONE) {
            tsError = "no timestamp: RFC 5424 nil time and no splogger stamp";
            return NO_TIME;
        }
        long t = years.resolve(resolveHost(host), hMon, hDay, hHour, hMin, hSec, zone());
        if (t == NO_TIME) tsError = "RFC 3164 date " + MONTHS[hMon - 1] + " " + hDay + " fits no year near the reference time";
        return t;
    }

    // ==============================================================================================
    // JSON envelope

    private ParseOutcome envelope(String s) {
        JsonNode root;
        try {
            root = mapper().readTree(s);
        } catch (Exception e) {
            String m = String.valueOf(e.getMessage());
            int nl = m.indexOf('\n');
            if (nl >= 0) m = m.substring(0, nl);
            if (m.length() > 200) m = m.substring(0, 200) + "...";
            return dead(DeadLetterReason.BAD_ENVELOPE, "invalid JSON: " + m, NO_TIME, resolveHost(null));
        }
        if (root == null || !root.isObject())
            return dead(DeadLetterReason.BAD_ENVELOPE, "JSON envelope is not an object", NO_TIME, resolveHost(null));
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
        curEnvHost = blankToNull(host);
        // origin / position
        String file = str(root.get("file"));
        JsonNode log = root.get("log");
        if (file == null && log != null && log.isObject()) {
            JsonNode f = log.get("file");
            if (f != null && f.isObject()) file = str(f.get("path"));
        }
        if (file != null) curOrigin = "file:" + file;
        JsonNode off = root.get("offset");
        if ((off == null || !off.isIntegralNumber()) && log != null && log.isObject()) off = log.get("offset");
        if (off != null && off.isIntegralNumber() && off.canConvertToLong()) curPosition = off.longValue();
        if (line == null)
            return dead(DeadLetterReason.BAD_ENVELOPE, "JSON envelope without a string 'message', 'line' or 'log'", NO_TIME, resolveHost(null));
        // timestamp
        JsonNode t = root.get("timestamp");
        if (t == null || t.isNull()) t = root.get("@timestamp");
        if (t != null && !t.isNull()) {
            long ts = envelopeTime(t);
            if (ts == NO_TIME) curEnvTsBad = true;
            else curEnvTs = ts;
        }
        return parseText(line, true);
    }

    private long envelopeTime(JsonNode t) {
        if (t.isTextual()) {
            String v = t.textValue().trim();
            long ts = parseIso(v, 0, v.length(), 'T', false);
            if (ts == NO_TIME && v.length() > 10 && v.charAt(10) == ' ') ts = parseIso(v, 0, v.length(), ' ', false);
            return ts != NO_TIME && pos == v.length() ? ts : NO_TIME;
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
    private ParseOutcome finish(String s, int p, int end, long ts, LogFormat fmt, String syslogHost) {
        QmailEvent e;
        try {
            e = QmailTextParser.parse(s, p, end);
        } catch (Malformed m) {
            return failLine(s, p, end, m.reason, m.detail, ts, syslogHost);
        }
        return complete(e, ts, fmt, syslogHost);
    }

    private ParseOutcome rawEvent(EventType type, String raw, long ts, LogFormat fmt, String syslogHost) {
        QmailEvent e = new QmailEvent();
        e.type = type;
        e.raw = raw;
        return complete(e, ts, fmt, syslogHost);
    }

    private ParseOutcome complete(QmailEvent e, long ts, LogFormat fmt, String syslogHost) {
        String host = resolveHost(syslogHost);
        if (ts == NO_TIME) {
            if (curEnvTs == NO_TIME)
                return dead(DeadLetterReason.BAD_TIMESTAMP, curEnvTsBad ? "line has no timestamp prefix and the envelope timestamp is unreadable"
                        : "line has no timestamp prefix and no envelope timestamp", NO_TIME, host);
            ts = curEnvTs;
        }
        if (host == null)
            return dead(DeadLetterReason.NO_HOST, "no host: no syslog host field, envelope host or transport host", ts, null);
        e.host = host;
        e.tsNanos = ts;
        e.format = fmt;
        e.origin = curOrigin;
        e.position = curPosition;
        return ParseOutcome.of(e);
    }

    /**
     * A line that did not parse: BINARY if it holds control characters or U+FFFD, else the given
     * reason. Scans s once.
     */
    private ParseOutcome failLine(String s, int p, int end, DeadLetterReason reason, String detail, long ts, String syslogHost) {
        if (reason == null) {
            reason = DeadLetterReason.UNRECOGNISED;
            detail = INTERNAL_ERROR + "failure without a reason";
        }
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t' && !(i >= end && (c == '\n' || c == '\r'))) || c == '\uFFFD') {
                String what = c == '\uFFFD' ? "U+FFFD (undecodable bytes)" : String.format("control character 0x%02x", (int) c);
                return dead(DeadLetterReason.BINARY, what + " at offset " + i + "; " + reason + ": " + detail, ts, resolveHost(syslogHost));
            }
        }
        return dead(reason, detail, ts, resolveHost(syslogHost));
    }

    private ParseOutcome dead(DeadLetterReason reason, String detail, long ts, String host) {
        DeadLetter d = DeadLetter.of(STAGE, reason, detail, curText, host, curOrigin, curPosition);
        d.tsNanos = ts == NO_TIME ? -1 : ts;
        return ParseOutcome.dead(d);
    }

    private String resolveHost(String syslogHost) {
        if (syslogHost != null && !syslogHost.isEmpty()) return syslogHost;
        if (curEnvHost != null) return curEnvHost;
        return curTransportHost;
    }

    private static String blankToNull(String h) {
        if (h == null) return null;
        for (int i = 0; i < h.length(); i++) if (h.charAt(i) > ' ') return h;
        return null;
    }

    // ==============================================================================================
    // timestamps

    /**
     * {@code <sec>.<fraction>} at p: epoch nanos (fraction beyond 9 digits ignored), sets pos after
     * it and fracDigits; NO_TIME with tsError if malformed.
     */
    private long stamp(String s, int p, int end) {
        Scan sc = new Scan(s, p, end);
        long sec = sc.num();
        int i = sc.pos;
        if (sec < 0 || sec > MAX_SECS) {
            tsError = sec == -1 ? "expected a number" : "timestamp seconds out of range";
            return NO_TIME;
        }
        if (i >= end || s.charAt(i) != '.') {
            tsError = "timestamp seconds not followed by '.'";
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
            tsError = "timestamp without fraction digits";
            return NO_TIME;
        }
        for (int k = digits; k < 9; k++) frac *= 10;
        fracDigits = digits;
        pos = i;
        return sec * NANOS + frac;
    }

    /**
     * ISO 8601 {@code YYYY-MM-DD<sep>HH:MM:SS[.f][Z|±HH:MM|±HHMM]} at p; without a zone designator the
     * time is local in the configured zone (or, if {@code zoneRequired}, an error). Sets pos after it.
     */
    private long parseIso(String s, int p, int end, char sep, boolean zoneRequired) {
        if (end - p < 19 || !allDigits(s, p, 4) || s.charAt(p + 4) != '-' || !allDigits(s, p + 5, 2) || s.charAt(p + 7) != '-'
                || !allDigits(s, p + 8, 2) || s.charAt(p + 10) != sep || !allDigits(s, p + 11, 2) || s.charAt(p + 13) != ':'
                || !allDigits(s, p + 14, 2) || s.charAt(p + 16) != ':' || !allDigits(s, p + 17, 2)) {
            tsError = "not YYYY-MM-DD" + (sep == ' ' ? " " : String.valueOf(sep)) + "HH:MM:SS";
            return NO_TIME;
        }
        int y = two(s, p) * 100 + two(s, p + 2);
        int mo = two(s, p + 5), d = two(s, p + 8), hh = two(s, p + 11), mi = two(s, p + 14), ss = two(s, p + 17);
        if (mo < 1 || mo > 12 || d < 1 || d > LocalDate.of(y, mo, 1).lengthOfMonth() || hh > 23 || mi > 59 || ss > 60) {
            tsError = "date/time field out of range";
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
                tsError = "no digits after the decimal point";
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
                tsError = "bad zone offset";
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
                tsError = "bad zone offset";
                return NO_TIME;
            }
            epoch = local - sign * (oh * 3600L + om * 60L);
        } else if (zoneRequired) {
            tsError = "no zone designator";
            return NO_TIME;
        } else {
            epoch = local - offsetOfLocal(local);
        }
        pos = i;
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
