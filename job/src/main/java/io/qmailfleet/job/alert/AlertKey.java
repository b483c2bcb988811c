package io.qmailfleet.job.alert;

import java.util.ArrayList;
import java.util.List;

/**
 * The state of one dedup key on one host: whether its condition holds, since when, whether a
 * trigger is out (firing), and the trigger times of the last hour (rate limit). A Flink POJO.
 *
 * <p>Like a Prometheus rule with {@code for} and {@code keep_firing_for}: a trigger is sent once
 * the condition has held for {@link #forNanos}; the resolve once it has been clear for
 * {@link #keepNanos}; a condition that comes back before that keeps the same trigger open.
 */
public class AlertKey {
    public String dedupKey;
    public String alertClass;
    public String severity;
    public String host;
    public String domain;
    public String kind;
    /** {@code host} keys are evaluated on host events, {@code message} keys on message alerts. */
    public String stream;
    public boolean active;
    public long activeSinceNanos = -1;
    public long clearSinceNanos = -1;
    public boolean firing;
    public long forNanos;
    public long keepNanos;
    /** Warnings: the condition ends this long after the last repetition; 0 = ended explicitly. */
    public long quietNanos;
    public long count;
    /** Stuck/hung: members currently open. */
    public long openMembers;
    public long firstSeenNanos = -1;
    public long lastSeenNanos = -1;
    public String threshold;
    public String detail;
    public String lastText;
    public List<String> examples = new ArrayList<>();
    public List<Long> triggerTimes = new ArrayList<>();

    public AlertKey() {}
}
