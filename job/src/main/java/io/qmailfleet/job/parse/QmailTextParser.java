package io.qmailfleet.job.parse;

import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import java.io.Serializable;

/**
 * Parses the text of one log line once its timestamp/syslog prefix is gone: the qmail-send lines of
 * log-format.md sections 1, 2 and 4, tcpserver's lines (section 5) and a few companion programs that
 * share qmail logs (chkuser, simscan, spamdyke, rblsmtpd, qmail-smtpd logging patches).
 *
 * <p>Hand-written scanning over {@code [p, end)} of the line: no regular expressions, no copies
 * except the substrings that become event fields. On failure {@link #parse} returns null and leaves
 * the reason in {@link #failReason} / {@link #failDetail}. Not thread-safe (scratch fields); one
 * instance per {@link QmailLineParser}.
 */
final class QmailTextParser implements Serializable {
    private static final long serialVersionUID = 1L;

    static final String LOCAL = "local";
    static final String REMOTE = "remote";

    /** Reason of the last failed {@link #parse}. */
    DeadLetterReason failReason;
    /** Human-readable explanation of the last failure. */
    String failDetail;
    /** Scratch: index just after the last number read by {@link #num}. */
    int pos;

    // ------------------------------------------------------------------------------------------
    // entry point

    /** Parses {@code s[p, end)}; returns an event with only its type-specific fields set, or null. */
    QmailEvent parse(String s, int p, int end) {
        failReason = null;
        failDetail = null;
        if (p >= end) return fail(DeadLetterReason.TRUNCATED, "no text after the timestamp");
        switch (s.charAt(p)) {
            case 'n':
                if (starts(s, p, end, "new msg")) return simpleMsg(s, p + 7, end, EventType.NEW_MSG, "new msg");
                break;
            case 'i':
                if (starts(s, p, end, "info msg")) return infoMsg(s, p + 8, end);
                break;
            case 's':
                if (starts(s, p, end, "status:")) return status(s, p + 7, end);
                if (starts(s, p, end, "starting delivery")) return startDelivery(s, p + 17, end);
                if (starts(s, p, end, "simscan:")) return other("simscan", -1, s, skipSpace(s, p + 8, end), end);
                if (starts(s, p, end, "spamdyke[")) return program(s, p, end, "spamdyke");
                break;
            case 'd':
                if (starts(s, p, end, "delivery ")) return delivery(s, p + 9, end);
                break;
            case 'e':
                if (starts(s, p, end, "end msg")) return simpleMsg(s, p + 7, end, EventType.END_MSG, "end msg");
                break;
            case 'b':
                if (starts(s, p, end, "bounce msg")) return bounceMsg(s, p + 10, end);
                break;
            case 't':
                if (starts(s, p, end, "tcpserver:")) {
                    int i = expect(s, p + 10, end, " ", "tcpserver");
                    return i < 0 ? null : tcpserver(s, i, end);
                }
                if (starts(s, p, end, "triple bounce:")) return tripleBounce(s, p + 14, end);
                break;
            case 'w':
                if (starts(s, p, end, "warning:")) return freeText(s, p + 8, end, EventType.WARNING, "warning", true);
                break;
            case 'a':
                if (starts(s, p, end, "alert:")) return freeText(s, p + 6, end, EventType.ALERT, "alert", false);
                break;
            case 'C':
                if (starts(s, p, end, "CHKUSER ")) return other("chkuser", -1, s, p + 8, end);
                break;
            case 'r':
                if (starts(s, p, end, "rblsmtpd:") || starts(s, p, end, "rblsmtpd[")) return program(s, p, end, "rblsmtpd");
                break;
            case 'q':
                if (starts(s, p, end, "qmail-smtpd:") || starts(s, p, end, "qmail-smtpd[")) return program(s, p, end, "qmail-smtpd");
                break;
            default:
                break;
        }
        return fail(DeadLetterReason.UNRECOGNISED,
                "not a qmail-send, tcpserver or known companion line: '" + snippet(s, p, end) + "'");
    }

    /**
     * A line of another program identified by its syslog tag ({@code spamdyke[12]: text}): an
     * OTHER_PROGRAM event, or for {@code tcpserver} the tcpserver event of the text.
     */
    QmailEvent tagged(String program, long pid, String s, int p, int end) {
        failReason = null;
        failDetail = null;
        if ("tcpserver".equals(program)) return tcpserver(s, p, end);
        return other(program, pid, s, p, end);
    }

    // ------------------------------------------------------------------------------------------
    // qmail-send

    /** {@code new msg <id>} / {@code end msg <id>}: p is just after the keyword. */
    private QmailEvent simpleMsg(String s, int p, int end, EventType type, String what) {
        int i = expect(s, p, end, " ", what);
        if (i < 0) return null;
        long id = need(s, i, end, "message id");
        if (id < 0 || !atEnd(pos, end, what)) return null;
        QmailEvent e = new QmailEvent();
        e.type = type;
        e.msgId = id;
        return e;
    }

    /**
     * {@code info msg <id>: bytes <b> from <<sender>> qp <qp> uid <uid>}. The sender is free text
     * (logsafe'd, but a patched qmail could log anything, even {@code >} or spaces), so the tail
     * {@code > qp <n> uid <n>} is read from the right.
     */
    private QmailEvent infoMsg(String s, int p, int end) {
        int i = expect(s, p, end, " ", "info msg");
        if (i < 0) return null;
        long id = need(s, i, end, "message id");
        if (id < 0) return null;
        i = expect(s, pos, end, ": bytes ", "info msg");
        if (i < 0) return null;
        long bytes = need(s, i, end, "bytes");
        if (bytes < 0) return null;
        int senderStart = expect(s, pos, end, " from <", "info msg");
        if (senderStart < 0) return null;
        // right to left: "> qp " digits " uid " digits
        int uidStart = digitsBack(s, end, senderStart);
        if (uidStart == end || uidStart - 5 < senderStart || !s.startsWith(" uid ", uidStart - 5))
            return fail(DeadLetterReason.TRUNCATED, "info msg without a trailing 'uid <n>'");
        int qpEnd = uidStart - 5;
        int qpStart = digitsBack(s, qpEnd, senderStart);
        if (qpStart == qpEnd || qpStart - 5 < senderStart || !s.startsWith("> qp ", qpStart - 5))
            return fail(DeadLetterReason.TRUNCATED, "info msg without '> qp <n>' before the uid");
        long qp = need(s, qpStart, qpEnd, "qp");
        if (qp < 0) return null;
        long uid = need(s, uidStart, end, "uid");
        if (uid < 0) return null;
        QmailEvent e = new QmailEvent();
        e.type = EventType.INFO_MSG;
        e.msgId = id;
        e.bytes = bytes;
        e.address = s.substring(senderStart, qpStart - 5);
        e.qp = qp;
        e.uid = uid;
        return e;
    }

    /** {@code starting delivery <d>: msg <id> to local|remote <recipient>}. */
    private QmailEvent startDelivery(String s, int p, int end) {
        int i = expect(s, p, end, " ", "starting delivery");
        if (i < 0) return null;
        long d = need(s, i, end, "delivery id");
        if (d < 0) return null;
        i = expect(s, pos, end, ": msg ", "starting delivery");
        if (i < 0) return null;
        long id = need(s, i, end, "message id");
        if (id < 0) return null;
        i = expect(s, pos, end, " to ", "starting delivery");
        if (i < 0) return null;
        String channel;
        if (starts(s, i, end, "local ")) {
            channel = LOCAL;
            i += 6;
        } else if (starts(s, i, end, "remote ")) {
            channel = REMOTE;
            i += 7;
        } else {
            return fail(DeadLetterReason.TRUNCATED, "starting delivery: expected 'local <recipient>' or 'remote <recipient>'");
        }
        QmailEvent e = new QmailEvent();
        e.type = EventType.START_DELIVERY;
        e.deliveryId = d;
        e.msgId = id;
        e.channel = channel;
        e.address = s.substring(i, end);
        return e;
    }

    /** {@code delivery <d>: success|deferral|failure: <report>} or {@code delivery <d>: report mangled, will defer}. */
    private QmailEvent delivery(String s, int p, int end) {
        long d = need(s, p, end, "delivery id");
        if (d < 0) return null;
        int i = expect(s, pos, end, ": ", "delivery");
        if (i < 0) return null;
        Outcome outcome;
        int textStart;
        if (starts(s, i, end, "success:")) {
            outcome = Outcome.SUCCESS;
            textStart = i + 8;
        } else if (starts(s, i, end, "deferral:")) {
            outcome = Outcome.DEFERRAL;
            textStart = i + 9;
        } else if (starts(s, i, end, "failure:")) {
            outcome = Outcome.FAILURE;
            textStart = i + 8;
        } else if (end - i == 26 && s.startsWith("report mangled, will defer", i)) {
            QmailEvent e = new QmailEvent();
            e.type = EventType.DELIVERY_RESULT;
            e.deliveryId = d;
            e.outcome = Outcome.DEFERRAL;
            e.mangled = true;
            e.text = "";
            return e;
        } else {
            return fail(DeadLetterReason.TRUNCATED, "delivery " + d + ": no success/deferral/failure result");
        }
        String text;
        if (textStart == end) {
            text = ""; // a shipper trimmed the trailing space of an empty report
        } else if (s.charAt(textStart) == ' ') {
            text = s.substring(textStart + 1, end);
        } else {
            return fail(DeadLetterReason.TRUNCATED, "delivery " + d + ": no space after the result");
        }
        QmailEvent e = new QmailEvent();
        e.type = EventType.DELIVERY_RESULT;
        e.deliveryId = d;
        e.outcome = outcome;
        e.text = text;
        if (outcome == Outcome.SUCCESS) e.qp = forwardQp(text);
        return e;
    }

    /**
     * The qp of a local forward: qmail-local's status {@code did_<m>+<f>+<p>/qp_<qp>/} (the last
     * {@code did_} in the report, after any program output). -1 when there is none.
     */
    static long forwardQp(String text) {
        int k = text.lastIndexOf("did_");
        if (k < 0) return -1;
        int n = text.length();
        int i = k + 4;
        for (int part = 0; part < 3; part++) {
            int st = i;
            while (i < n && isDigit(text.charAt(i))) i++;
            if (i == st || i >= n) return -1;
            char sep = text.charAt(i);
            if (sep != (part < 2 ? '+' : '/')) return -1;
            i++;
        }
        if (!text.startsWith("qp_", i)) return -1;
        i += 3;
        int st = i;
        long v = 0;
        while (i < n && isDigit(text.charAt(i))) {
            int dgt = text.charAt(i) - '0';
            if (v > (Long.MAX_VALUE - dgt) / 10) return -1;
            v = v * 10 + dgt;
            i++;
        }
        if (i == st || i >= n || text.charAt(i) != '/') return -1;
        return v;
    }

    /** {@code bounce msg <id> qp <qp>}. */
    private QmailEvent bounceMsg(String s, int p, int end) {
        int i = expect(s, p, end, " ", "bounce msg");
        if (i < 0) return null;
        long id = need(s, i, end, "message id");
        if (id < 0) return null;
        i = expect(s, pos, end, " qp ", "bounce msg");
        if (i < 0) return null;
        long qp = need(s, i, end, "qp");
        if (qp < 0 || !atEnd(pos, end, "bounce msg")) return null;
        QmailEvent e = new QmailEvent();
        e.type = EventType.BOUNCE_MSG;
        e.msgId = id;
        e.qp = qp;
        return e;
    }

    /** {@code triple bounce: discarding bounce/<id>}. */
    private QmailEvent tripleBounce(String s, int p, int end) {
        int i = expect(s, p, end, " discarding bounce/", "triple bounce");
        if (i < 0) return null;
        long id = need(s, i, end, "message id");
        if (id < 0 || !atEnd(pos, end, "triple bounce")) return null;
        QmailEvent e = new QmailEvent();
        e.type = EventType.TRIPLE_BOUNCE;
        e.msgId = id;
        return e;
    }

    /** {@code status: local <lu>/<lc> remote <ru>/<rc>[ exitasap]} or {@code status: exiting}. */
    private QmailEvent status(String s, int p, int end) {
        if (end - p == 8 && s.startsWith(" exiting", p)) {
            QmailEvent e = new QmailEvent();
            e.type = EventType.STATUS_EXITING;
            return e;
        }
        int i = expect(s, p, end, " local ", "status");
        if (i < 0) return null;
        int lu = needInt(s, i, end, "local in use");
        if (lu < 0) return null;
        i = expect(s, pos, end, "/", "status");
        if (i < 0) return null;
        int lc = needInt(s, i, end, "local concurrency");
        if (lc < 0) return null;
        i = expect(s, pos, end, " remote ", "status");
        if (i < 0) return null;
        int ru = needInt(s, i, end, "remote in use");
        if (ru < 0) return null;
        i = expect(s, pos, end, "/", "status");
        if (i < 0) return null;
        int rc = needInt(s, i, end, "remote concurrency");
        if (rc < 0) return null;
        i = pos;
        boolean exitasap = false;
        if (i != end) {
            if (end - i == 9 && s.startsWith(" exitasap", i)) exitasap = true;
            else return fail(DeadLetterReason.TRUNCATED, "status: unexpected text after the remote concurrency");
        }
        QmailEvent e = new QmailEvent();
        e.type = EventType.STATUS;
        e.localUsed = lu;
        e.localMax = lc;
        e.remoteUsed = ru;
        e.remoteMax = rc;
        e.exitasap = exitasap;
        return e;
    }

    /** {@code warning: <text>} / {@code alert: <text>}; p is just after the colon. */
    private QmailEvent freeText(String s, int p, int end, EventType type, String what, boolean findId) {
        String text;
        if (p == end) text = "";
        else if (s.charAt(p) == ' ') text = s.substring(p + 1, end);
        else return fail(DeadLetterReason.TRUNCATED, what + ": no space after the colon");
        QmailEvent e = new QmailEvent();
        e.type = type;
        e.text = text;
        if (findId) e.msgId = queueFileId(text);
        return e;
    }

    /**
     * The message id named by a queue-relative file in a warning: {@code foop/<id>}, {@code todo/<id>},
     * {@code bounce/<id>}, or {@code info|mess|local|remote/<split>/<id>}. -1 if the text names none.
     */
    static long queueFileId(String t) {
        int n = t.length();
        for (int k = t.indexOf('/'); k >= 0; k = t.indexOf('/', k + 1)) {
            int w = k;
            while (w > 0 && t.charAt(w - 1) != ' ') w--;
            int len = k - w;
            boolean flat = (len == 4 && (t.startsWith("foop", w) || t.startsWith("todo", w)))
                    || (len == 6 && t.startsWith("bounce", w));
            boolean split = (len == 4 && (t.startsWith("info", w) || t.startsWith("mess", w)))
                    || (len == 5 && t.startsWith("local", w)) || (len == 6 && t.startsWith("remote", w));
            if (!flat && !split) continue;
            int i = k + 1;
            if (split) {
                int st = i;
                while (i < n && isDigit(t.charAt(i))) i++;
                if (i == st || i >= n || t.charAt(i) != '/') continue;
                i++;
            }
            int st = i;
            long v = 0;
            boolean overflow = false;
            while (i < n && isDigit(t.charAt(i))) {
                int d = t.charAt(i) - '0';
                if (v > (Long.MAX_VALUE - d) / 10) {
                    overflow = true;
                    break;
                }
                v = v * 10 + d;
                i++;
            }
            if (i == st || overflow) continue;
            return v;
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------------
    // tcpserver (ucspi-tcp 0.88 -v); p is just after "tcpserver: "

    private QmailEvent tcpserver(String s, int p, int end) {
        if (starts(s, p, end, "status: ")) {
            long n = need(s, p + 8, end, "connection count");
            if (n < 0) return null;
            int i = expect(s, pos, end, "/", "tcpserver status");
            if (i < 0) return null;
            long max = need(s, i, end, "connection limit");
            if (max < 0 || !atEnd(pos, end, "tcpserver status")) return null;
            QmailEvent e = new QmailEvent();
            e.type = EventType.TCP_STATUS;
            e.count = n;
            e.limit = max;
            return e;
        }
        if (starts(s, p, end, "pid ")) {
            long pid = need(s, p + 4, end, "pid");
            if (pid < 0) return null;
            int i = expect(s, pos, end, " from ", "tcpserver pid");
            if (i < 0) return null;
            if (i == end) return fail(DeadLetterReason.TRUNCATED, "tcpserver pid: no remote address");
            QmailEvent e = new QmailEvent();
            e.type = EventType.TCP_PID;
            e.pid = pid;
            e.address = s.substring(i, end);
            return e;
        }
        boolean ok = starts(s, p, end, "ok ");
        if (ok || starts(s, p, end, "deny ")) {
            long pid = need(s, p + (ok ? 3 : 5), end, "pid");
            if (pid < 0) return null;
            int i = expect(s, pos, end, " ", "tcpserver ok/deny");
            if (i < 0) return null;
            int sp = s.indexOf(' ', i);
            if (sp < 0 || sp >= end || sp == i || sp + 1 >= end)
                return fail(DeadLetterReason.TRUNCATED, "tcpserver ok/deny: expected '<local> <remote>'");
            QmailEvent e = new QmailEvent();
            e.type = ok ? EventType.TCP_OK : EventType.TCP_DENY;
            e.pid = pid;
            e.text = s.substring(i, sp);
            e.address = s.substring(sp + 1, end);
            return e;
        }
        if (starts(s, p, end, "end ")) {
            long pid = need(s, p + 4, end, "pid");
            if (pid < 0) return null;
            int i = expect(s, pos, end, " status ", "tcpserver end");
            if (i < 0) return null;
            long st = need(s, i, end, "wait status");
            if (st < 0 || !atEnd(pos, end, "tcpserver end")) return null;
            QmailEvent e = new QmailEvent();
            e.type = EventType.TCP_END;
            e.pid = pid;
            e.count = st;
            return e;
        }
        if (starts(s, p, end, "warning:")) return freeText(s, p + 8, end, EventType.TCP_WARNING, "tcpserver warning", false);
        if (starts(s, p, end, "fatal:")) return freeText(s, p + 6, end, EventType.TCP_FATAL, "tcpserver fatal", false);
        return fail(DeadLetterReason.UNRECOGNISED, "unknown tcpserver line: '" + snippet(s, p, end) + "'");
    }

    // ------------------------------------------------------------------------------------------
    // other programs

    /** {@code name: text} or {@code name[pid]: text} starting at p. */
    private QmailEvent program(String s, int p, int end, String name) {
        int i = p + name.length();
        long pid = -1;
        if (i < end && s.charAt(i) == '[') {
            pid = need(s, i + 1, end, name + " pid");
            if (pid < 0) return null;
            i = expect(s, pos, end, "]", name);
            if (i < 0) return null;
        }
        i = expect(s, i, end, ":", name);
        if (i < 0) return null;
        return other(name, pid, s, skipSpace(s, i, end), end);
    }

    private static QmailEvent other(String program, long pid, String s, int p, int end) {
        QmailEvent e = new QmailEvent();
        e.type = EventType.OTHER_PROGRAM;
        e.program = program;
        e.pid = pid;
        e.text = s.substring(p, end);
        return e;
    }

    // ------------------------------------------------------------------------------------------
    // scanning helpers

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean starts(String s, int p, int end, String lit) {
        return end - p >= lit.length() && s.startsWith(lit, p);
    }

    private static int skipSpace(String s, int p, int end) {
        return p < end && s.charAt(p) == ' ' ? p + 1 : p;
    }

    /** First index of the run of digits that ends at {@code end} (== end if none), not before {@code min}. */
    private static int digitsBack(String s, int end, int min) {
        int j = end;
        while (j > min && isDigit(s.charAt(j - 1))) j--;
        return j;
    }

    /** Index after {@code lit} if it is at p, else -1 with a TRUNCATED failure. */
    private int expect(String s, int p, int end, String lit, String what) {
        if (starts(s, p, end, lit)) return p + lit.length();
        fail(DeadLetterReason.TRUNCATED, what + ": expected '" + lit + "' at offset " + p
                + (p >= end ? " (line ends there)" : ""));
        return -1;
    }

    private boolean atEnd(int i, int end, String what) {
        if (i == end) return true;
        fail(DeadLetterReason.TRUNCATED, what + ": unexpected text after the last field");
        return false;
    }

    /**
     * Unsigned decimal at p (sets {@link #pos} after it): the value, -1 if there is no digit, -2 if
     * it does not fit a long.
     */
    long num(String s, int p, int end) {
        long v = 0;
        int i = p;
        while (i < end) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') break;
            int d = c - '0';
            if (v > (Long.MAX_VALUE - d) / 10) {
                pos = i;
                return -2;
            }
            v = v * 10 + d;
            i++;
        }
        pos = i;
        return i == p ? -1 : v;
    }

    /** Like {@link #num} but records a TRUNCATED failure (bad or overflowing number) and returns -1. */
    private long need(String s, int p, int end, String what) {
        long v = num(s, p, end);
        if (v >= 0) return v;
        if (v == -2) fail(DeadLetterReason.TRUNCATED, what + " does not fit a long");
        else fail(DeadLetterReason.TRUNCATED, what + ": expected a number at offset " + p
                + (p >= end ? " (line ends there)" : ""));
        return -1;
    }

    private int needInt(String s, int p, int end, String what) {
        long v = need(s, p, end, what);
        if (v > Integer.MAX_VALUE) {
            fail(DeadLetterReason.TRUNCATED, what + " does not fit an int");
            return -1;
        }
        return (int) v;
    }

    private QmailEvent fail(DeadLetterReason reason, String detail) {
        failReason = reason;
        failDetail = detail;
        return null;
    }

    static String snippet(String s, int p, int end) {
        int n = Math.min(end, p + 60);
        StringBuilder b = new StringBuilder(n - p + 3);
        for (int i = p; i < n; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (n < end) b.append("...");
        return b.toString();
    }
}
