package io.qmailfleet.job.metrics;

import io.qmailfleet.job.model.MessageAlert;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Gauge;

/**
 * Passes alerts through unchanged and counts them per host: {@value HostMetrics#ALERTS_RAISED}
 * per {@code kind}, and the alerts firing now as gauges, {@value HostMetrics#STUCK_MESSAGES}
 * (messages queued longer than {@code --stuck-after}: {@code stuck_message} minus
 * {@code stuck_resolved}) and {@value HostMetrics#HUNG_DELIVERIES} ({@code hung_delivery} minus
 * {@code hung_resolved}).
 *
 * <p>Alerts of one host come from several subtasks (they are keyed by message), so a host's firing
 * count is the sum over subtasks ({@code sum by (host)} in Prometheus). The gauges are counted since
 * the subtask started, not restored from a checkpoint: after a restart they count the alerts raised
 * since.
 */
public class AlertMetrics extends RichMapFunction<MessageAlert, MessageAlert> {
    private static final long serialVersionUID = 1L;

    private transient HostMetrics metrics;
    private transient Map<String, long[]> firing;

    @Override
    public void open(OpenContext openContext) {
        metrics = new HostMetrics(getRuntimeContext().getMetricGroup());
        firing = new HashMap<>();
    }

    @Override
    public MessageAlert map(MessageAlert a) {
        metrics.counter(a.host, "kind", a.kind == null ? "unknown" : a.kind.json(), HostMetrics.ALERTS_RAISED).inc();
        if (a.kind != null) {
            switch (a.kind) {
                case STUCK_MESSAGE: firing(a.host)[0]++; break;
                case STUCK_RESOLVED: firing(a.host)[0]--; break;
                case HUNG_DELIVERY: firing(a.host)[1]++; break;
                case HUNG_RESOLVED: firing(a.host)[1]--; break;
                default: break;
            }
        }
        return a;
    }

    private long[] firing(String host) {
        String h = host == null ? HostMetrics.NO_HOST : host;
        return firing.computeIfAbsent(h, k -> {
            long[] cell = new long[2];
            metrics.host(k).gauge(HostMetrics.STUCK_MESSAGES, (Gauge<Long>) () -> cell[0]);
            metrics.host(k).gauge(HostMetrics.HUNG_DELIVERIES, (Gauge<Long>) () -> cell[1]);
            return cell;
        });
    }
}
