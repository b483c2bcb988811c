package io.qmailfleet.job.parse;

import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.parse.Scan.Malformed;

/**
 * Parses the text of one log line once its timestamp/syslog prefix is gone: the qmail-send lines of
 * log-format.md sections 1, 2 and 4, tcpserver's lines (section 5) and the lines of patched qmails
 * and companion programs that share qmail logs:
 * <ul>
 *   <li>indimail: a {@code  queue<N>} suffix on every qmail-send line (the qmail-send instance of a
 *       multi-queue set-up) becomes {@link QmailEvent#queue}; its
 *       {@code local: <sender> <recipient> <bytes>} line is a {@link EventType#LOCAL_ENVELOPE};
 *       {@code qmail-daemon: ...} lines are other-program events;</li>
 *   <li>s/qmail: {@code warn: <text>} is a {@link EventType#WARNING};</li>
 *   <li>Plesk: {@code qmail-remote-handlers[pid]:}, {@code qmail-local-handlers[pid]:} and
 *       {@code qmail-queue-handlers[pid]:} lines are other-program events;</li>
 *   <li>chkuser, simscan, spamdyke, rblsmtpd, qmail-smtpd logging patches: other-program events.</li>
 * </ul>
 *
 * <p>Stateless: every method is static and a line's scan state lives in a {@link Scan} made for the
 * call. Hand-written scanning over {@code [p, end)}, no regular expressions, no copies except the
 * substrings that become event fields. A line that does not parse throws {@link Malformed} with
 * the dead-letter reason.
 */
final class QmailTextParser {
    static final String LOCAL = "local";
    static final String REMOTE = "remote";

    private QmailTextParser() {}

    // ------------------------------------------------------------------------------------------
    // entry points

    /** Parses {@code s[p, end)}; returns an event with only its type-specific fields set. */
    static QmailEvent parse(String s, int p, int end) throws Malformed {
        if (p >= end) throw Scan.truncated("no text after the timestamp");
        int q = queueSuffix(s, p, end);
        QmailEvent e = qmailSend(s, p, q < 0 ? end : q);
        if (e != null) {
            if (q >= 0) e.queue = s.substring(q + 1, end);
            return e;
        }
        e = companion(s, p, end);
        if (e != null) return e;
        throw Scan.fail(DeadLetterReason.UNRECOGNISED,
                "not a qmail-send, tcpserver or known companion line: '" + Scan.snippet(s, p, end) + "'");
    }

    /**
     * A line of another program identified by its syslog tag ({@code spamdyke[12]: text}): an
     * OTHER_PROGRAM event, or for {@code tcpserver} the tcpserver event of the text.
     */
    static QmailEvent tagged(String program, long pid, String s, int p, int end) throws Malformed {
        if ("tcpserver".equals(program)) return tcpserver(new Scan(s, p, end));
        return other(program, pid, s, p, end);
    }

    /**
     * Start of indimail's {@code " queue<N>"} suffix at the end of s[p, end) (the index of its
     * space), or -1. qmail-send's own fields never hold a space (addresses and reports are
     * logsafe'd), so a final {@code " queue<digits>"} can only be that suffix.
     */
    static int queueSuffix(String s, int p, int end) {
        int j = end;
        while (j > p && Scan.isDigit(s.charAt(j - 1))) j--;
        if (j == end || j - p < 7 || !s.startsWith(" queue", j - 6)) return -1;
        return j - 6;
    }

    /** The qmail-send line at s[p, end), or null if the text is no qmail-send keyword. */
    private static QmailEvent qmailSend(String s, int p, int end) throws Malformed {
        Scan c = new Scan(s, p, end);
        switch (s.charAt(p)) {
            case 'n':
                if (c.skip("new msg")) return simpleMsg(c, EventType.NEW_MSG, "new msg");
                break;
            case 'i':
                if (c.skip("info msg")) return infoMsg(c);
                break;
            case 's':
                if (c.skip("status:")) return status(c);
                if (c.skip("starting delivery")) return startDelivery(c);
                break;
            case 'd':
                if (c.skip("delivery ")) return delivery(c);
                break;
            case 'e':
                if (c.skip("end msg")) return simpleMsg(c, EventType.END_MSG, "end msg");
                break;
            case 'b':
                if (c.skip("bounce msg")) return bounceMsg(c);
                break;
            case 't':
                if (c.skip("triple bounce:")) return tripleBounce(c);
                break;
            case 'w':
                if (c.skip("warning:")) return freeText(c, EventType.WARNING, "warning", true);
                if (c.skip("warn:")) return freeText(c, EventType.WARNING, "warn", true); // s/qmail
                break;
            case 'a':
                if (c.skip("alert:")) return freeText(c, EventType.ALERT, "alert", false);
                break;
            case 'l':
                if (c.skip("local:")) return localEnvelope(c); // indimail
                break;
            default:
                break;
        }
        return null;
    }

    /** tcpserver and the companion programs sharing the log, or null. */
    private static QmailEvent companion(String s, int p, int end) throws Malformed {
        switch (s.charAt(p)) {
            case 't':
                if (Scan.starts(s, p, end, "tcpserver:")) {
                    Scan c = new Scan(s, p + 10, end);
                    c.expect(" ", "tcpserver");
                    return tcpserver(c);
                }
                break;
            case 's':
                if (Scan.starts(s, p, end, "simscan:")) return other("simscan", -1, s, skipSpace(s, p + 8, end), end);
                if (Scan.starts(s, p, end, "spamdyke[")) return program(s, p, end, "spamdyke");
                break;
            case 'C':
                if (Scan.starts(s, p, end, "CHKUSER ")) return other("chkuser", -1, s, p + 8, end);
                break;
            case 'r':
                if (Scan.starts(s, p, end, "rblsmtpd:") || Scan.starts(s, p, end, "rblsmtpd[")) return program(s, p, end, "rblsmtpd");
                break;
            case 'q':
                for (String name : Q_PROGRAMS) {
                    if (Scan.starts(s, p, end, name) && p + name.length() < end
                            && (s.charAt(p + name.length()) == ':' || s.charAt(p + name.length()) == '['))
                        return program(s, p, end, name);
                }
                break;
            default:
                break;
        }
        return null;
    }

    /** Programs named {@code q...} whose {@code name:} / {@code name[pid]:} lines share qmail logs. */
    private static final String[] Q_PROGRAMS = {
        "qmail-smtpd", "qmail-daemon", "qmail-remote-handlers", "qmail-local-handlers", "qmail-queue-handlers"};

    /** Syslog tags of programs (other than qmail-send) whose lines are recognised. */
    static final String[] TAGGED_PROGRAMS = {
        "tcpserver", "qmail-smtpd", "spamdyke", "simscan", "rblsmtpd", "chkuser",
        "qmail-daemon", "qmail-remote-handlers", "qmail-local-handlers", "qmail-queue-handlers"};

    // ------------------------------------------------------------------------------------------
    // qmail-send

    /** {@code new msg <id>} / {@code end msg <id>}: the cursor is just after the keyword. */
    private static QmailEvent simpleMsg(Scan c, EventType type, String what) throws Malformed {
        c.expect(" ", what);
        long id = c.need("message id");
        c.expectEnd(what);
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
    private static QmailEvent infoMsg(Scan c) throws Malformed {
        c.expect(" ", "info msg");
        long id = c.need("message id");
        c.expect(": bytes ", "info msg");
        long bytes = c.need("bytes");
        c.expect(" from <", "info msg");
        String s = c.s;
        int senderStart = c.pos;
        int end = c.end;
        int uidStart = digitsBack(s, end, senderStart);
        if (uidStart == end || uidStart - 5 < senderStart || !s.startsWith(" uid ", uidStart - 5))
            throw Scan.truncated("info msg without a trailing 'uid <n>'");
        int qpEnd = uidStart - 5;
        int qpStart = digitsBack(s, qpEnd, senderStart);
        if (qpStart == qpEnd || qpStart - 5 < senderStart || !s.startsWith("> qp ", qpStart - 5))
            throw Scan.truncated("info msg without '> qp <n>' before the uid");
        QmailEvent e = new QmailEvent();
        e.type = EventType.INFO_MSG;
        e.msgId = id;
        e.bytes = bytes;
        e.address = s.substring(senderStart, qpStart - 5);
        e.qp = new Scan(s, qpStart, qpEnd).need("qp");
        e.uid = new Scan(s, uidStart, end).need("uid");
        return e;
    }

    /** {@code starting delivery <d>: msg <id> to local|remote <recipient>}. */
    private static QmailEvent startDelivery(Scan c) throws Malformed {
        c.expect(" ", "starting delivery");
        long d = c.need("delivery id");
        c.expect(": msg ", "starting delivery");
        long id = c.need("message id");
        c.expect(" to ", "starting delivery");
        String channel;
        if (c.skip("local ")) channel = LOCAL;
        else if (c.skip("remote ")) channel = REMOTE;
        else throw Scan.truncated("starting delivery: expected 'local <recipient>' or 'remote <recipient>'");
        if (c.atEnd()) throw Scan.truncated("starting delivery: no recipient");
        QmailEvent e = new QmailEvent();
        e.type = EventType.START_DELIVERY;
        e.deliveryId = d;
        e.msgId = id;
        e.channel = channel;
        e.address = c.s.substring(c.pos, c.end);
        if (channel == LOCAL) e.mailbox = Mailbox.of(e.address);
        return e;
    }

    /** {@code delivery <d>: success|deferral|failure: <report>} or {@code delivery <d>: report mangled, will defer}. */
    private static QmailEvent delivery(Scan c) throws Malformed {
        long d = c.need("delivery id");
        c.expect(": ", "delivery");
        Outcome outcome;
        if (c.skip("success:")) {
            outcome = Outcome.SUCCESS;
        } else if (c.skip("deferral:")) {
            outcome = Outcome.DEFERRAL;
        } else if (c.skip("failure:")) {
            outcome = Outcome.FAILURE;
        } else if (c.end - c.pos == 26 && c.s.startsWith("report mangled, will defer", c.pos)) {
            QmailEvent e = new QmailEvent();
            e.type = EventType.DELIVERY_RESULT;
            e.deliveryId = d;
            e.outcome = Outcome.DEFERRAL;
            e.mangled = true;
            e.text = "";
            return e;
        } else {
            throw Scan.truncated("delivery " + d + ": no success/deferral/failure result");
        }
        String text;
        if (c.atEnd()) text = ""; // an empty report: its trailing space is a trailing blank
        else if (c.s.charAt(c.pos) == ' ') text = c.s.substring(c.pos + 1, c.end);
        else throw Scan.truncated("delivery " + d + ": no space after the result");
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
            while (i < n && Scan.isDigit(text.charAt(i))) i++;
            if (i == st || i >= n) return -1;
            char sep = text.charAt(i);
            if (sep != (part < 2 ? '+' : '/')) return -1;
            i++;
        }
        if (!text.startsWith("qp_", i)) return -1;
        Scan c = new Scan(text, i + 3, n);
        long v = c.num();
        if (v < 0 || c.atEnd() || text.charAt(c.pos) != '/') return -1;
        return v;
    }

    /** {@code bounce msg <id> qp <qp>}. */
    private static QmailEvent bounceMsg(Scan c) throws Malformed {
        c.expect(" ", "bounce msg");
        long id = c.need("message id");
        c.expect(" qp ", "bounce msg");
        long qp = c.need("qp");
        c.expectEnd("bounce msg");
        QmailEvent e = new QmailEvent();
        e.type = EventType.BOUNCE_MSG;
        e.msgId = id;
        e.qp = qp;
        return e;
    }

    /** {@code triple bounce: discarding bounce/<id>}. */
    private static QmailEvent tripleBounce(Scan c) throws Malformed {
        c.expect(" discarding bounce/", "triple bounce");
        long id = c.need("message id");
        c.expectEnd("triple bounce");
        QmailEvent e = new QmailEvent();
        e.type = EventType.TRIPLE_BOUNCE;
        e.msgId = id;
        return e;
    }

    /** {@code status: local <lu>/<lc> remote <ru>/<rc>[ exitasap]} or {@code status: exiting}. */
    private static QmailEvent status(Scan c) throws Malformed {
        if (c.end - c.pos == 8 && c.s.startsWith(" exiting", c.pos)) {
            QmailEvent e = new QmailEvent();
            e.type = EventType.STATUS_EXITING;
            return e;
        }
        c.expect(" local ", "status");
        int lu = c.needInt("local in use");
        c.expect("/", "status");
        int lc = c.needInt("local concurrency");
        c.expect(" remote ", "status");
        int ru = c.needInt("remote in use");
        c.expect("/", "status");
        int rc = c.needInt("remote concurrency");
        boolean exitasap = false;
        if (!c.atEnd()) {
            if (c.end - c.pos == 9 && c.s.startsWith(" exitasap", c.pos)) exitasap = true;
            else throw Scan.truncated("status: unexpected text after the remote concurrency");
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

    /** {@code warning: <text>} / {@code alert: <text>}; the cursor is just after the colon. */
    private static QmailEvent freeText(Scan c, EventType type, String what, boolean findId) throws Malformed {
        String text;
        if (c.atEnd()) text = "";
        else if (c.s.charAt(c.pos) == ' ') text = c.s.substring(c.pos + 1, c.end);
        else throw Scan.truncated(what + ": no space after the colon");
        QmailEvent e = new QmailEvent();
        e.type = type;
        e.text = text;
        if (findId) e.msgId = queueFileId(text);
        return e;
    }

    /**
     * indimail's {@code local: <sender> <recipient> <bytes>} (its queue suffix already removed):
     * the envelope of a local delivery before virtual-domain rewriting. The sender may be empty
     * (a bounce), so the line is read from the right.
     */
    private static QmailEvent localEnvelope(Scan c) throws Malformed {
        String s = c.s;
        c.expect(" ", "local");
        int start = c.pos;
        int end = c.end;
        int bytesStart = digitsBack(s, end, start);
        if (bytesStart == end || bytesStart - 1 <= start || s.charAt(bytesStart - 1) != ' ')
            throw Scan.truncated("local: expected '<sender> <recipient> <bytes>'");
        int rcptEnd = bytesStart - 1;
        int rcptStart = s.lastIndexOf(' ', rcptEnd - 1) + 1;
        if (rcptStart <= start || rcptStart == rcptEnd)
            throw Scan.truncated("local: expected '<sender> <recipient> <bytes>'");
        QmailEvent e = new QmailEvent();
        e.type = EventType.LOCAL_ENVELOPE;
        e.text = s.substring(start, rcptStart - 1);
        e.address = s.substring(rcptStart, rcptEnd);
        e.bytes = new Scan(s, bytesStart, end).need("local: bytes");
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
            Scan c = new Scan(t, k + 1, n);
            if (split) {
                if (c.num() < 0 || c.atEnd() || t.charAt(c.pos) != '/') continue;
                c.pos++;
            }
            long v = c.num();
            if (v < 0) continue;
            return v;
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------------
    // tcpserver (ucspi-tcp 0.88 -v); the cursor is just after "tcpserver: "

    private static QmailEvent tcpserver(Scan c) throws Malformed {
        String s = c.s;
        int end = c.end;
        if (c.skip("status: ")) {
            long n = c.need("connection count");
            c.expect("/", "tcpserver status");
            long max = c.need("connection limit");
            c.expectEnd("tcpserver status");
            QmailEvent e = new QmailEvent();
            e.type = EventType.TCP_STATUS;
            e.count = n;
            e.limit = max;
            return e;
        }
        if (c.skip("pid ")) {
            long pid = c.need("pid");
            c.expect(" from ", "tcpserver pid");
            if (c.atEnd()) throw Scan.truncated("tcpserver pid: no remote address");
            QmailEvent e = new QmailEvent();
            e.type = EventType.TCP_PID;
            e.pid = pid;
            e.address = s.substring(c.pos, end);
            return e;
        }
        boolean ok = c.skip("ok ");
        if (ok || c.skip("deny ")) {
            long pid = c.need("pid");
            c.expect(" ", "tcpserver ok/deny");
            int i = c.pos;
            int sp = s.indexOf(' ', i);
            if (sp < 0 || sp >= end || sp == i || sp + 1 >= end)
                throw Scan.truncated("tcpserver ok/deny: expected '<local> <remote>'");
            QmailEvent e = new QmailEvent();
            e.type = ok ? EventType.TCP_OK : EventType.TCP_DENY;
            e.pid = pid;
            e.text = s.substring(i, sp);
            e.address = s.substring(sp + 1, end);
            return e;
        }
        if (c.skip("end ")) {
            long pid = c.need("pid");
            c.expect(" status ", "tcpserver end");
            long st = c.need("wait status");
            c.expectEnd("tcpserver end");
            QmailEvent e = new QmailEvent();
            e.type = EventType.TCP_END;
            e.pid = pid;
            e.count = st;
            return e;
        }
        if (c.skip("warning:")) return freeText(c, EventType.TCP_WARNING, "tcpserver warning", false);
        if (c.skip("fatal:")) return freeText(c, EventType.TCP_FATAL, "tcpserver fatal", false);
        throw Scan.fail(DeadLetterReason.UNRECOGNISED, "unknown tcpserver line: '" + Scan.snippet(s, c.pos, end) + "'");
    }

    // ------------------------------------------------------------------------------------------
    // other programs

    /** {@code name: text} or {@code name[pid]: text} starting at p. */
    private static QmailEvent program(String s, int p, int end, String name) throws Malformed {
        Scan c = new Scan(s, p + name.length(), end);
        long pid = -1;
        if (c.skip("[")) {
            pid = c.need(name + " pid");
            c.expect("]", name);
        }
        c.expect(":", name);
        return other(name, pid, s, skipSpace(s, c.pos, end), end);
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

    private static int skipSpace(String s, int p, int end) {
        return p < end && s.charAt(p) == ' ' ? p + 1 : p;
    }

    /** First index of the run of digits that ends at {@code end} (== end if none), not before {@code min}. */
    private static int digitsBack(String s, int end, int min) {
        int j = end;
        while (j > min && Scan.isDigit(s.charAt(j - 1))) j--;
        return j;
    }
}
