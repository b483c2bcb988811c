package io.qmailfleet.job.metrics;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Per-host metrics of one operator subtask, registered the first time a host is seen: each host is
 * a {@code qmail_host} metric group (a {@code qmail_host="mx1"} label in Prometheus), optionally with a second
 * key, e.g. {@code reason} or {@code kind}. One subtask sees a bounded number of hosts, so the
 * maps stay small; a host that stops sending keeps its last values until the job restarts.
 *
 * <p>Names, as the Prometheus reporter exports them (operator scope prefix
 * {@code flink_taskmanager_job_task_operator_qmail_host_}, then {@code reason_} or {@code kind_} for
 * the metrics with a second key):
 * <ul>
 *   <li>{@value #LINES_READ}, {@value #LINES_DEAD_LETTERED} (per {@code reason}),
 *       {@value #LOG_LAG_MS}, {@value #LOG_TIME_MS} from the parse stage;</li>
 *   <li>{@value #ALERTS_RAISED} (per {@code kind}), {@value #STUCK_MESSAGES},
 *       {@value #HUNG_DELIVERIES} from the alert stream.</li>
 * </ul>
 */
public final class HostMetrics {
    /** The group key, a label in Prometheus; not "host", which Flink sets to the TaskManager's host. */
    public static final String HOST = "qmail_host";
    public static final String LINES_READ = "linesRead";
    public static final String LINES_DEAD_LETTERED = "linesDeadLettered";
    public static final String LOG_LAG_MS = "logLagMs";
    public static final String LOG_TIME_MS = "logTimeMs";
    public static final String ALERTS_RAISED = "alertsRaised";
    public static final String STUCK_MESSAGES = "stuckMessages";
    public static final String HUNG_DELIVERIES = "hungDeliveries";

    /** The host name used for lines and alerts without one (they are dead-lettered, but counted). */
    public static final String NO_HOST = "(none)";
    /** Where lines of hosts outside {@code --known-hosts} are counted: one series, not one per stray host. */
    public static final String UNKNOWN_HOST = "(unknown)";

    private final MetricGroup operator;
    private final Map<String, MetricGroup> hosts = new HashMap<>();
    /** host -> counter name (or key, value and name) -> counter; no allocation on a known host's line. */
    private final Map<String, Map<String, Counter>> counters = new HashMap<>();

    public HostMetrics(MetricGroup operator) {
        this.operator = operator;
    }

    /** The metric group of one host, created on first use. */
    public MetricGroup host(String host) {
        return hosts.computeIfAbsent(host == null ? NO_HOST : host, h -> operator.addGroup(HOST, h));
    }

    /** A counter of one host. */
    public Counter counter(String host, String name) {
        String h = host == null ? NO_HOST : host;
        Map<String, Counter> ofHost = counters.computeIfAbsent(h, k -> new HashMap<>());
        Counter c = ofHost.get(name);
        if (c == null) {
            c = host(h).counter(name);
            ofHost.put(name, c);
        }
        return c;
    }

    /** A counter of one host and one value of a second key ({@code reason}, {@code kind}). */
    public Counter counter(String host, String key, String value, String name) {
        String h = host == null ? NO_HOST : host;
        return counters.computeIfAbsent(h, k -> new HashMap<>())
                .computeIfAbsent(key + '\n' + value + '\n' + name, k -> host(h).addGroup(key, value).counter(name));
    }
}
