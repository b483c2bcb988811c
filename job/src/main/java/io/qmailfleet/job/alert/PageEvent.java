package io.qmailfleet.job.alert;

import java.util.ArrayList;
import java.util.List;

/**
 * One paging event, shaped as a PagerDuty Events v2 event without the routing key
 * (schemas/page-event.schema.json): {@code event_action}, {@code dedup_key} and the {@code payload}
 * fields. The {@code custom_details} are the flat fields at the end. A flat Flink POJO.
 */
public class PageEvent {
    public static final String TRIGGER = "trigger";
    public static final String RESOLVE = "resolve";

    /** {@code trigger} or {@code resolve}. */
    public String eventAction;
    /** Stable: {@code <class>:<host>[:<kind, domain or channel>]}. */
    public String dedupKey;
    /** At most 1024 characters. */
    public String summary;
    /** The host (or the domain, for fleet-wide alerts). */
    public String source;
    /** critical, error, warning or info. */
    public String severity;
    /** Host log time of the line that raised or resolved it (epoch nanos). */
    public long timestampNanos = -1;
    public String component;
    public String group;
    /** The alert type: qmail_alert, qmail_warning, qmail_crash, queue_saturated, queue_backlog, stuck_messages, hung_deliveries, host_silent, domain_trouble, sender_spike. */
    public String alertClass;

    // ---- custom_details
    public String host;
    /** Recipient domain (stuck/hung), or null. */
    public String domain;
    /** Alert or warning kind (normalised text), channel for saturation, or null. */
    public String kind;
    /** How many times the condition was seen (lines, messages, deliveries), or -1. */
    public long count = -1;
    /** The threshold, as text ({@code "10m at 20/20"}), or null. */
    public String threshold;
    public long firstSeenNanos = -1;
    public long lastSeenNanos = -1;
    /** Example lines or messages (at most a few). */
    public List<String> examples = new ArrayList<>();
    /** Fleet-wide alerts: the hosts involved. */
    public List<String> hosts = new ArrayList<>();
    /** Anything else worth knowing, as text. */
    public String detail;

    public PageEvent() {}

    @Override
    public String toString() {
        return eventAction + " " + dedupKey + " @" + timestampNanos + " " + severity + " count=" + count;
    }
}
