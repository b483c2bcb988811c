package io.qmailfleet.job;

import io.qmailfleet.job.parse.ParseFunction;
import io.qmailfleet.job.source.ProgressProbe;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;

/**
 * Progress of a running job on stderr, every {@code --progress-interval}: lines read and lines/s,
 * bytes read of the input's total where file sizes tell it (uncompressed files), the ETA, and each
 * host's position (the log time of its newest line read). Reads the job's accumulators through its
 * client, so it works for an embedded run and for {@code flink run} alike.
 */
final class Progress implements JobListener, AutoCloseable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final int HOSTS_SHOWN = 4;

    private final PrintStream err;
    private final Duration interval;
    private final long totalBytes;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "progress");
        t.setDaemon(true);
        return t;
    });
    private long startNanos;
    private long lastNanos;
    private long lastLines;

    /** {@code totalBytes}: the input's size, or -1 when it is not known (Kafka, compressed files). */
    Progress(PrintStream err, Duration interval, long totalBytes) {
        this.err = err;
        this.interval = interval;
        this.totalBytes = totalBytes;
    }

    @Override
    public void onJobSubmitted(JobClient client, Throwable failure) {
        if (client == null) return;
        startNanos = lastNanos = System.nanoTime();
        long ms = Math.max(1, interval.toMillis());
        timer.scheduleWithFixedDelay(() -> report(client), ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onJobExecuted(JobExecutionResult result, Throwable failure) {
        close();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private void report(JobClient client) {
        Map<String, Object> acc;
        try {
            acc = client.getAccumulators().get(Math.max(1, interval.toMillis()), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return; // the job is finishing or the cluster is busy: report next time
        }
        err.println(line(acc, System.nanoTime()));
    }

    String line(Map<String, Object> acc, long now) {
        long lines = number(acc.get(ParseFunction.ACC_READ));
        long bytes = number(acc.get(ProgressProbe.ACC_BYTES));
        double dt = Math.max(1e-3, (now - lastNanos) / 1e9);
        double elapsed = Math.max(1e-3, (now - startNanos) / 1e9);
        long rate = Math.round((lines - lastLines) / dt);
        lastNanos = now;
        lastLines = lines;
        StringBuilder b = new StringBuilder("progress: ").append(lines).append(" lines, ").append(rate).append(" lines/s");
        if (totalBytes > 0) {
            b.append(String.format(", %.1f of %.1f MB (%d%%)", bytes / 1e6, totalBytes / 1e6,
                    Math.min(100, Math.round(100.0 * bytes / totalBytes))));
            if (bytes > 0) {
                long eta = Math.round((totalBytes - Math.min(bytes, totalBytes)) / (bytes / elapsed));
                b.append(", ETA ").append(format(Duration.ofSeconds(eta)));
            }
        } else if (bytes > 0) {
            b.append(String.format(", %.1f MB", bytes / 1e6));
        }
        Object hosts = acc.get(ProgressProbe.ACC_HOSTS);
        if (hosts instanceof Map<?, ?> m && !m.isEmpty()) {
            b.append("; hosts at");
            // the hosts furthest behind first: they are the ones the run waits for
            var sorted = m.entrySet().stream()
                    .sorted((x, y) -> Long.compare(number(x.getValue()), number(y.getValue()))).toList();
            for (int i = 0; i < Math.min(HOSTS_SHOWN, sorted.size()); i++) {
                var e = sorted.get(i);
                b.append(i == 0 ? " " : ", ").append(e.getKey()).append(' ')
                        .append(TIME.format(Instant.ofEpochMilli(number(e.getValue()))));
            }
            if (sorted.size() > HOSTS_SHOWN) b.append(" and ").append(sorted.size() - HOSTS_SHOWN).append(" more");
        }
        return b.toString();
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0L;
    }

    static String format(Duration d) {
        long s = d.getSeconds();
        if (s >= 3600) return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
        if (s >= 60) return String.format("%dm%02ds", s / 60, s % 60);
        return s + "s";
    }
}
