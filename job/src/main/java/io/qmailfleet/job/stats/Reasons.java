package io.qmailfleet.job.stats;

import io.qmailfleet.job.model.ReasonCount;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Normalises a delivery report (logsafe'd: spaces are {@code _}) to an SMTP reply code, an enhanced
 * status code and a category, so that {@code 451 4.2.1 <a@x>: mailbox temporarily unavailable} for a
 * thousand addresses is one reason. The category comes from qmail-remote's and qmail-local's own
 * texts first (greeting, connection, DNS, sender rejected), then from the enhanced code, then from
 * words of the reply.
 */
public final class Reasons {
    private Reasons() {}

    /** The first reply the remote host said: {@code Remote_host_said:_451_4.2.1_...}. */
    private static final Pattern SAID = Pattern.compile("Remote_host_said:_([2-5]\\d\\d)[-_]?(?:([245]\\.\\d{1,3}\\.\\d{1,3}))?");
    /** qmail's own codes: {@code (#4.4.1)}. */
    private static final Pattern HASH = Pattern.compile("\\(#([245]\\.\\d{1,3}\\.\\d{1,3})\\)");
    /** An enhanced code anywhere in a reply. */
    private static final Pattern ENHANCED = Pattern.compile("(?<![\\d.])([245]\\.\\d{1,3}\\.\\d{1,3})(?![\\d.]*\\d)");

    public static final String MAILBOX_UNAVAILABLE = "mailbox_unavailable";
    public static final String GREETING_REFUSED = "greeting_refused";
    public static final String CONNECTION_FAILED = "connection_failed";
    public static final String CONNECTION_DIED = "connection_died";
    public static final String DNS = "dns";
    public static final String SENDER_REJECTED = "sender_rejected";
    public static final String HELO_REJECTED = "helo_rejected";
    public static final String POLICY_SPAM = "policy_spam";
    public static final String QUOTA = "quota";
    public static final String MESSAGE_REJECTED = "message_rejected";
    public static final String QUEUE_LIFETIME = "queue_lifetime_expired";
    public static final String LOOP = "loop";
    public static final String LOCAL_MAILBOX = "local_mailbox_error";
    public static final String LOCAL_PROGRAM = "local_program_exit";
    public static final String SYSTEM = "system_error";
    public static final String OTHER = "other";

    /** A report's reason as worked out once: code, enhanced code and category (immutable). */
    private static final class Known {
        final String report;
        final String code;
        final String enhanced;
        final String category;

        Known(String report, ReasonCount c) {
            this.report = report;
            this.code = c.code;
            this.enhanced = c.enhanced;
            this.category = c.category;
        }
    }

    /**
     * The reasons of the last reports seen, by the report's hash: a host's deferrals repeat the
     * same few texts (a domain's outage, a full mailbox) and each took two or three regular
     * expressions and some twenty substring searches. Entries are immutable, so tasks of one JVM
     * share the table without locks: a slot read while another thread replaces it is either entry.
     */
    private static final Known[] KNOWN = new Known[1024];

    /** A fresh reason (count 0) for a report; {@code report} may be null or empty. */
    public static ReasonCount of(String report) {
        String r = report == null ? "" : report;
        int slot = r.hashCode() & (KNOWN.length - 1);
        Known k = KNOWN[slot];
        ReasonCount c = new ReasonCount();
        c.example = r;
        if (k != null && k.report.equals(r)) {
            c.code = k.code;
            c.enhanced = k.enhanced;
            c.category = k.category;
            return c;
        }
        parse(r, c);
        KNOWN[slot] = new Known(r, c);
        return c;
    }

    private static void parse(String r, ReasonCount c) {
        Matcher said = SAID.matcher(r);
        if (said.find()) {
            c.code = said.group(1);
            if (said.group(2) != null) c.enhanced = said.group(2);
            else {
                Matcher e = ENHANCED.matcher(r.substring(said.end()));
                if (e.find()) c.enhanced = e.group(1);
            }
        } else {
            Matcher h = HASH.matcher(r);
            if (h.find()) c.enhanced = h.group(1);
        }
        c.category = category(r, c.code, c.enhanced);
    }

    static String category(String r, String code, String enhanced) {
        String low = r.toLowerCase(Locale.ROOT);
        if (low.contains("this_message_has_been_in_the_queue_too_long")) return QUEUE_LIFETIME;
        if (r.contains("_but_greeting_failed")) return GREETING_REFUSED;
        if (r.contains("_but_connection_died")) return CONNECTION_DIED;
        if (r.contains("wasn't_able_to_establish_an_SMTP_connection")) return CONNECTION_FAILED;
        if (r.contains("couldn't_find_any_host") || r.contains("couldn't_find_a_mail_exchanger")
                || r.contains("CNAME_lookup_failed") || r.contains("best-preference_MX")) return DNS;
        if (r.contains("_but_sender_was_rejected")) return SENDER_REJECTED;
        if (r.contains("_but_my_name_was_rejected")) return HELO_REJECTED;
        if (r.contains("This_message_is_looping") || enhanced.equals("5.4.6") && low.contains("loop")) return LOOP;
        if (enhanced.endsWith(".2.2") || low.contains("quota") || low.contains("mailbox_full")
                || low.contains("mailbox_is_full") || low.contains("insufficient_storage")) return QUOTA;
        if (enhanced.startsWith("5.7.") || enhanced.startsWith("4.7.") && !r.startsWith("Uh-oh")
                || low.contains("spam") || low.contains("blocked") || low.contains("blacklist")
                || low.contains("blocklist") || low.contains("policy") || low.contains("rbl")) return POLICY_SPAM;
        if (r.contains("does_not_like_recipient") || r.contains("no_mailbox_here")
                || enhanced.startsWith("5.1.") || enhanced.equals("4.2.1") && !code.isEmpty()
                || enhanced.equals("4.2.0") || enhanced.equals("5.2.1") || low.contains("user_unknown")
                || low.contains("mailbox_unavailable") || low.contains("mailbox_temporarily_unavailable")) {
            return MAILBOX_UNAVAILABLE;
        }
        if (r.contains("failed_on_DATA_command") || r.contains("failed_after_I_sent_the_message")) return MESSAGE_REJECTED;
        if (r.contains("maildir") || r.contains("Unable_to_open_") || r.contains("Unable_to_write_")
                || r.contains("has_been_locked") || r.startsWith("Uh-oh") || r.contains("Home_directory_is_sticky")) {
            return LOCAL_MAILBOX;
        }
        if (r.contains("qmail-spawn") || r.contains("qmail-lspawn") || r.contains("qmail-rspawn")
                || r.contains("qmail-local_crashed") || r.contains("qmail-remote_crashed")
                || r.contains("Internal_error") || r.contains("Out_of_memory") || r.contains("Unable_to_run_")
                || r.contains("Unable_to_fork") || r.contains("System_resources_temporarily_unavailable")
                || r.contains("Unable_to_read_") || r.contains("Unable_to_switch_to_") || r.contains("Unable_to_stat_")
                || r.contains("Unable_to_rewind") || r.contains("Aack,_child_crashed")
                || r.contains("Unable_to_forward_message")) {
            return SYSTEM;
        }
        if (!code.isEmpty()) return OTHER;
        // a local delivery's own output (or none): a |program that exited with a deferral/failure code
        return LOCAL_PROGRAM;
    }
}
