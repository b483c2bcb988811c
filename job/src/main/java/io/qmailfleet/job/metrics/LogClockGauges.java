package io.qmailfleet.job.metrics;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;

/**
 * Each host's log clock (the newest line time seen from it) as gauges: {@value HostMetrics#LOG_TIME_MS}
 * (epoch milliseconds) and {@value HostMetrics#LOG_LAG_MS} (the wall clock minus that, when the
 * gauge is read): how far behind a host's lines are, whether the host stopped logging, the
 * shipper stalls or the job is slow. Registered on a host's first line.
 */
public final class LogClockGauges {
    private final HostMetrics metrics;
    private final Map<String, long[]> newestMillis = new HashMap<>();

    public LogClockGauges(HostMetrics metrics) {
        this.metrics = metrics;
    }

    /** Records a line of {@code host} stamped {@code tsNanos} (epoch nanoseconds; negative = unknown). */
    public void seen(String host, long tsNanos) {
        if (host == null || tsNanos < 0) return;
        long[] newest = newestMillis.get(host);
        if (newest == null) {
            long[] cell = {Long.MIN_VALUE};
            newestMillis.put(host, cell);
            metrics.host(host).gauge(HostMetrics.LOG_TIME_MS, (Gauge<Long>) () -> cell[0]);
            metrics.host(host).gauge(HostMetrics.LOG_LAG_MS, (Gauge<Long>) () -> System.currentTimeMillis() - cell[0]);
            newest = cell;
        }
        long ms = tsNanos / 1_000_000L;
        if (ms > newest[0]) newest[0] = ms;
    }
}
