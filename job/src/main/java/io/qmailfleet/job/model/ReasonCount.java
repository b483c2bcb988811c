package io.qmailfleet.job.model;

import java.util.Objects;

/**
 * A normalised deferral or failure reason of a stats record: the SMTP reply code, the enhanced
 * status code and a category, with how many attempts ended for it, their xdelay and one raw report.
 */
public class ReasonCount {
    /** e.g. {@code mailbox_unavailable}, {@code greeting_refused}, {@code connection_failed}, {@code dns}. */
    public String category;
    /** Three-digit SMTP reply code the remote host said, "" if none (local deliveries, connection errors). */
    public String code = "";
    /** Enhanced status code ({@code 4.2.1}), from the reply or qmail's {@code (#4.4.1)}; "" if none. */
    public String enhanced = "";
    public long count;
    /** Total xdelay of these attempts, seconds. */
    public double xdelay;
    /** One report text as logged. */
    public String example;

    public ReasonCount() {}

    /** The grouping key: category, code and enhanced code. */
    public String key() {
        return category + " " + code + " " + enhanced;
    }

    /** Whether {@code o} has the same {@link #key()}, compared field by field without making the strings. */
    public boolean sameKey(ReasonCount o) {
        return Objects.equals(category, o.category) && Objects.equals(code, o.code) && Objects.equals(enhanced, o.enhanced);
    }

    public ReasonCount copy() {
        ReasonCount c = new ReasonCount();
        c.category = category;
        c.code = code;
        c.enhanced = enhanced;
        c.count = count;
        c.xdelay = xdelay;
        c.example = example;
        return c;
    }
}
