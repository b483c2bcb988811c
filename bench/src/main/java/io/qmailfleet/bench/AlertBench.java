package io.qmailfleet.bench;

import io.qmailfleet.job.alert.AlertConfig;
import io.qmailfleet.job.alert.AlertEngine;
import io.qmailfleet.job.alert.FleetRateEngine;
import io.qmailfleet.job.alert.PageEvent;
import io.qmailfleet.job.alert.RateSample;
import io.qmailfleet.job.lifecycle.HostSequencer;
import io.qmailfleet.job.model.AlertKind;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.model.Resolution;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;

/**
 * Throughput of the paging stage's two operators in Flink's operator harnesses (one thread, no
 * network, harness set-up inside the measured time; the input is built before), default settings:
 * <ul>
 *   <li>{@link #runHostRules}: {@link AlertEngine} on {@code --hosts} hosts over {@code --seconds} s of
 *       log time: a qmail-send status line per host and second (a channel at its limit for a while
 *       now and then), a {@code warning:} line per host every 10 minutes, and the per-message alerts
 *       of a queue that keeps some messages stuck (one stuck message per host every 20 s, resolved
 *       40 minutes later; a hung delivery every 5 minutes, resolved 2 minutes later), so the stuck,
 *       hung and queue backlog rules hold open members all the time; the watermark follows every
 *       second. Score: host events + message alerts per second.</li>
 *   <li>{@link #runFleetRates}: {@link FleetRateEngine} on the stats stage's one-minute windows of
 *       {@code --domains} domains (with 3 recipients in trouble each for the domains that defer) and
 *       {@code --senders} senders over {@code --windows} windows, the watermark after each window;
 *       one domain in ten is in an outage for a quarter of the time, one sender in a hundred spikes
 *       once. Score: rate samples per second.</li>
 * </ul>
 * Each run is printed (the first ones warm the JVM up); both operators must page something, or the
 * run fails.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.qmailfleet.bench.AlertBench [--hosts 20] [--seconds 14400]
 *     [--domains 2000] [--senders 2000] [--windows 120] [--backend hashmap|rocksdb] [--runs 5]
 * </pre>
 */
public final class AlertBench {
    static final long T0 = 1_795_551_240L; // whole minutes
    static final long S = 1_000_000_000L;

    int hosts = 20;
    int seconds = 4 * 3600;
    int domains = 2000;
    int senders = 2000;
    int windows = 120;
    String stateBackend = "hashmap";

    public static void main(String[] args) throws Exception {
        AlertBench b = new AlertBench();
        int runs = 5;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--hosts": b.hosts = Integer.parseInt(args[i + 1]); break;
                case "--seconds": b.seconds = Integer.parseInt(args[i + 1]); break;
                case "--domains": b.domains = Integer.parseInt(args[i + 1]); break;
                case "--senders": b.senders = Integer.parseInt(args[i + 1]); break;
                case "--windows": b.windows = Integer.parseInt(args[i + 1]); break;
                case "--backend": b.stateBackend = args[i + 1]; break;
                case "--runs": runs = Integer.parseInt(args[i + 1]); break;
                default: throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (args.length % 2 != 0) throw new IllegalArgumentException("options come in pairs: " + String.join(" ", args));
        b.build();
        System.out.printf("alert bench: backend %s; host rules: %d hosts, %d s of log time, %d elements; "
                        + "fleet rates: %d domains, %d senders, %d windows, %d samples%n", b.stateBackend, b.hosts,
                b.seconds, b.hostElements, b.domains, b.senders, b.windows, b.rateElements);
        for (int r = 1; r <= runs; r++) {
            long t = System.nanoTime();
            long pages = b.runHostRules();
            double host = (System.nanoTime() - t) / 1e9;
            t = System.nanoTime();
            long ratePages = b.runFleetRates();
            double rate = (System.nanoTime() - t) / 1e9;
            System.out.printf("  run %d: host rules %.0f elements/s (%.2f s, %d pages); fleet rates %.0f samples/s"
                            + " (%.2f s, %d pages)%n", r, b.hostElements / host, host, pages, b.rateElements / rate, rate,
                    ratePages);
        }
        System.out.println("  host rules' pages: " + b.hostPages);
    }

    /** Host events and message alerts in log-time order; a null marks a watermark (the second before). */
    private final List<Object> hostInput = new ArrayList<>();
    private int hostElements;
    private final List<Object> rateInput = new ArrayList<>();
    private int rateElements;

    void build() {
        for (int sec = 0; sec < seconds; sec++) {
            long t = (T0 + sec) * S;
            for (int h = 0; h < hosts; h++) {
                String host = "mx" + h;
                QmailEvent st = new QmailEvent(host, t + h * 1000L, EventType.STATUS);
                st.run = 1;
                st.localUsed = sec % 7;
                st.localMax = 10;
                boolean busy = (sec / 600 + h) % 6 == 0; // ten minutes at the limit now and then
                st.remoteUsed = busy ? 20 : (sec + h) % 15;
                st.remoteMax = 20;
                hostInput.add(st);
                if ((sec + h * 37) % 600 == 0) {
                    QmailEvent w = new QmailEvent(host, t + h * 1000L + 1, EventType.WARNING);
                    w.run = 1;
                    w.text = "unable to stat todo/" + (100000 + sec) + "; will try again later";
                    hostInput.add(w);
                }
                if ((sec + h) % 20 == 0) {
                    long id = 1_000_000L + sec;
                    hostInput.add(stuck(host, id, t + 2, AlertKind.STUCK_MESSAGE));
                    if (sec + 2400 < seconds) pendingResolves.add(new long[] {sec + 2400L, h, id});
                }
                if ((sec + h) % 300 == 0) {
                    long id = 2_000_000L + sec;
                    hostInput.add(hung(host, id, t + 3, AlertKind.HUNG_DELIVERY));
                    if (sec + 120 < seconds) pendingHung.add(new long[] {sec + 120L, h, id});
                }
            }
            while (!pendingResolves.isEmpty() && pendingResolves.get(0)[0] == sec) {
                long[] r = pendingResolves.remove(0);
                hostInput.add(stuck("mx" + r[1], r[2], t + 4, AlertKind.STUCK_RESOLVED));
            }
            while (!pendingHung.isEmpty() && pendingHung.get(0)[0] == sec) {
                long[] r = pendingHung.remove(0);
                hostInput.add(hung("mx" + r[1], r[2], t + 5, AlertKind.HUNG_RESOLVED));
            }
            hostInput.add(null);
        }
        for (Object o : hostInput) if (o != null) hostElements++;

        for (int w = 0; w < windows; w++) {
            long start = (T0 + w * 60L) * 1000L;
            for (int d = 0; d < domains; d++) {
                boolean outage = d % 10 == 0 && w >= windows / 2 && w < windows / 2 + windows / 4;
                RateSample s = sample(RateSample.DOMAIN, "domain" + d + ".example", start);
                s.attempts = 10 + d % 20;
                s.deferrals = outage ? s.attempts : d % 3;
                s.recipients = 5;
                rateInput.add(s);
                if (s.deferrals > 0) {
                    for (int r = 0; r < 3; r++) {
                        RateSample rc = sample(RateSample.RECIPIENT, "user" + r + "@domain" + d + ".example", start);
                        rc.attempts = 1;
                        rc.deferrals = 1;
                        rateInput.add(rc);
                    }
                }
            }
            for (int u = 0; u < senders; u++) {
                RateSample s = sample(RateSample.SENDER, "sender" + u + "@example.com", start);
                s.accepted = u % 100 == 0 && w == windows / 2 ? 5000 : 5 + u % 10;
                rateInput.add(s);
            }
            rateInput.add(null);
        }
        for (Object o : rateInput) if (o != null) rateElements++;
    }

    /** The last host-rules run's pages by class and action. */
    String hostPages;
    private final List<long[]> pendingResolves = new ArrayList<>();
    private final List<long[]> pendingHung = new ArrayList<>();

    private static MessageAlert stuck(String host, long id, long at, AlertKind kind) {
        MessageAlert a = new MessageAlert();
        a.kind = kind;
        a.host = host;
        a.msgId = id;
        a.atNanos = at;
        a.newNanos = kind == AlertKind.STUCK_MESSAGE ? at - 3600 * S : at - 6000 * S;
        a.ageMillis = (at - a.newNanos) / 1_000_000L;
        a.thresholdMillis = 3_600_000L;
        a.sender = "someone@example.net";
        if (kind == AlertKind.STUCK_RESOLVED) a.resolution = Resolution.DELIVERED;
        Recipient r = new Recipient();
        r.address = "user" + id % 50 + "@slow" + id % 5 + ".example";
        r.domain = "slow" + id % 5 + ".example";
        r.channel = "remote";
        a.recipients.add(r);
        return a;
    }

    private static MessageAlert hung(String host, long id, long at, AlertKind kind) {
        MessageAlert a = new MessageAlert();
        a.kind = kind;
        a.host = host;
        a.msgId = id;
        a.deliveryId = id % 1000;
        a.atNanos = at;
        a.recipient = "user" + id % 50 + "@tarpit.example";
        a.channel = "remote";
        a.thresholdMillis = 1_800_000L;
        if (kind == AlertKind.HUNG_RESOLVED) a.resolution = Resolution.DELIVERED;
        return a;
    }

    private static RateSample sample(String dim, String key, long startMillis) {
        RateSample s = new RateSample();
        s.dimension = dim;
        s.key = key;
        s.windowStart = startMillis;
        s.windowEnd = startMillis + 60_000L;
        s.revision = 1;
        s.hosts = List.of("mx1", "mx2");
        return s;
    }

    long runHostRules() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, Either<QmailEvent, MessageAlert>, PageEvent>(
                new KeyedProcessOperator<>(new AlertEngine(new AlertConfig())), new HostSequencer.PagingHost(), Types.STRING);
        if (stateBackend.equals("rocksdb")) h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.open();
        long last = Long.MIN_VALUE;
        for (Object o : hostInput) {
            if (o == null) {
                if (last != Long.MIN_VALUE) h.processWatermark(new Watermark(Math.floorDiv(last, 1_000_000L)));
            } else if (o instanceof QmailEvent) {
                QmailEvent e = (QmailEvent) o;
                last = Math.max(last, e.tsNanos);
                h.processElement(new StreamRecord<>(Either.Left(e), Math.floorDiv(e.tsNanos, 1_000_000L)));
            } else {
                MessageAlert a = (MessageAlert) o;
                last = Math.max(last, a.atNanos);
                h.processElement(new StreamRecord<>(Either.Right(a), Math.floorDiv(a.atNanos, 1_000_000L)));
            }
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        java.util.Map<String, Integer> byClass = new java.util.TreeMap<>();
        for (PageEvent p : h.extractOutputValues()) byClass.merge(p.alertClass + " " + p.eventAction, 1, Integer::sum);
        hostPages = byClass.toString();
        long pages = h.extractOutputValues().size();
        h.close();
        if (pages == 0) throw new IllegalStateException("the host rules paged nothing");
        return pages;
    }

    long runFleetRates() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, RateSample, PageEvent>(
                new KeyedProcessOperator<>(new FleetRateEngine(new AlertConfig())), RateSample::engineKey, Types.STRING);
        if (stateBackend.equals("rocksdb")) h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.open();
        long wm = Long.MIN_VALUE;
        for (Object o : rateInput) {
            if (o == null) {
                h.processWatermark(new Watermark(wm));
            } else {
                RateSample s = (RateSample) o;
                wm = Math.max(wm, s.windowEnd);
                h.processElement(new StreamRecord<>(s, s.windowEnd - 1));
            }
        }
        h.processWatermark(new Watermark(Long.MAX_VALUE));
        long pages = h.extractOutputValues().size();
        h.close();
        if (pages == 0) throw new IllegalStateException("the rate rules paged nothing");
        return pages;
    }
}
