package io.qmailfleet.job.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.GenericMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.junit.jupiter.api.Test;

/** Per-host metric groups on Flink's real metric groups: dropping a host unregisters its metrics from the registry. */
class HostMetricsTest {

    @Test
    void droppingAHostUnregistersItsMetricsAndItCanComeBack() {
        List<String> registered = new ArrayList<>();
        List<String> unregistered = new ArrayList<>();
        TestingMetricRegistry registry = TestingMetricRegistry.builder()
                .setRegisterConsumer((m, name, group) -> registered.add(label(name, group)))
                .setUnregisterConsumer((m, name, group) -> unregistered.add(label(name, group)))
                .build();
        HostMetrics metrics = new HostMetrics(new GenericMetricGroup(registry, null, "operator"));

        metrics.host("mx1").gauge(HostMetrics.OPEN_MESSAGES, (Gauge<Long>) () -> 3L);
        metrics.host("mx2").gauge(HostMetrics.OPEN_MESSAGES, (Gauge<Long>) () -> 1L);
        Counter before = metrics.counter("mx1", HostMetrics.LINES_READ);
        assertEquals(List.of("mx1/openMessages", "mx2/openMessages", "mx1/linesRead"), registered);

        metrics.drop("mx1");
        assertEquals(java.util.Set.of("mx1/openMessages", "mx1/linesRead"), java.util.Set.copyOf(unregistered));

        // the host returns: registered anew, a fresh counter; mx2 was never touched
        metrics.host("mx1").gauge(HostMetrics.OPEN_MESSAGES, (Gauge<Long>) () -> 0L);
        assertNotSame(before, metrics.counter("mx1", HostMetrics.LINES_READ));
        assertEquals(5, registered.size());
        assertEquals(2, unregistered.size());
    }

    /** host/metric: the host is the name of the group's value level. */
    private static String label(String name, AbstractMetricGroup<?> group) {
        String[] scope = group.getScopeComponents();
        return scope[scope.length - 1] + "/" + name;
    }
}
