package io.qmailfleet.job.alert;

import io.qmailfleet.job.lifecycle.HostSequencer;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live silence watchdog on the alert engine's operator harness, with the harness's processing
 * clock moved by hand: a host that goes quiet pages once, its next line resolves; a host whose log
 * clock is a month ahead but keeps logging never pages.
 */
class LiveSilenceTest {
    private static final long T0 = 1795551251_000_000_000L;
    private static final long MONTH = Duration.ofDays(31).toNanos();

    private static QmailEvent status(String host, long tsNanos) {
        QmailEvent e = new QmailEvent(host, tsNanos, EventType.STATUS);
        e.localUsed = 0;
        e.localMax = 10;
        e.remoteUsed = 1;
        e.remoteMax = 20;
        e.run = 1;
        return e;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Either<QmailEvent, MessageAlert>, PageEvent> harness(AlertConfig cfg)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, Either<QmailEvent, MessageAlert>, PageEvent>(
                new KeyedProcessOperator<>(new AlertEngine(cfg)), new HostSequencer.PagingHost(), Types.STRING);
        h.open();
        return h;
    }

    private static List<String> pages(KeyedOneInputStreamOperatorTestHarness<String, Either<QmailEvent, MessageAlert>, PageEvent> h) {
        return h.extractOutputValues().stream().map(p -> p.eventAction + " " + p.dedupKey + " @" + p.timestampNanos)
                .collect(Collectors.toList());
    }

    @Test
    void aHostThatGoesQuietPagesOnTimeAndItsNextLineResolves() throws Exception {
        AlertConfig cfg = new AlertConfig();
        cfg.liveWatchdog = true;
        cfg.silentAfterNanos = Duration.ofMinutes(5).toNanos();
        var h = harness(cfg);
        long s = 1000; // ms of processing time per second of log time, both hosts log every 10 s
        h.setProcessingTime(0);
        for (long t = 0; t <= 200; t += 10) {
            h.setProcessingTime(t * s);
            h.processElement(new StreamRecord<>(Either.Left(status("mx1", T0 + t * 1_000_000_000L))));
            h.processElement(new StreamRecord<>(Either.Left(status("mx2", T0 + MONTH + t * 1_000_000_000L))));
        }
        // mx1 goes quiet at 200 s; mx2 (a month ahead) goes on
        for (long t = 210; t <= 600; t += 10) {
            h.setProcessingTime(t * s);
            h.processElement(new StreamRecord<>(Either.Left(status("mx2", T0 + MONTH + t * 1_000_000_000L))));
        }
        assertEquals(List.of("trigger host_silent:mx1 @" + (T0 + 500 * 1_000_000_000L)), pages(h));
        PageEvent first = h.extractOutputValues().get(0);
        assertEquals("error", first.severity);
        assertTrue(first.threshold.contains("wall clock"), first.threshold);
        // more silence: no second trigger
        for (long t = 610; t < 2000; t += 10) {
            h.setProcessingTime(t * s);
            h.processElement(new StreamRecord<>(Either.Left(status("mx2", T0 + MONTH + t * 1_000_000_000L))));
        }
        assertEquals(1, pages(h).size());
        // back
        h.processElement(new StreamRecord<>(Either.Left(status("mx1", T0 + 2000 * 1_000_000_000L))));
        assertEquals(List.of("trigger host_silent:mx1 @" + (T0 + 500 * 1_000_000_000L),
                "resolve host_silent:mx1 @" + (T0 + 2000 * 1_000_000_000L)), pages(h));
        h.close();
    }
}
