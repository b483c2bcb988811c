package io.qmailfleet.job.alert;

import io.qmailfleet.job.lifecycle.HeldState;
import io.qmailfleet.job.lifecycle.SharedTimers;
import io.qmailfleet.job.lifecycle.StateSlot;
import io.qmailfleet.job.lifecycle.StateTable;
import io.qmailfleet.job.lifecycle.WriteBackOperator;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The fleet-wide rate rules, keyed by {@code <dimension>:<key>}, on windowed aggregates
 * ({@link RateSample}, one per domain or sender and window, hosts summed):
 * <ul>
 *   <li>{@code domain_trouble} (error, one per domain for the whole fleet, hosts in the details):
 *       (deferrals + failures) / attempts over the last {@link AlertConfig#domainWindowNanos} at or
 *       above {@link AlertConfig#domainTriggerRatio}, with at least {@link AlertConfig#domainMinAttempts}
 *       attempts and {@link AlertConfig#domainMinRecipients} distinct recipients deferred or failed
 *       (from the recipients' records of the same windows, keyed by their domain), so one address
 *       that always defers does not page; over below {@link AlertConfig#domainClearRatio}, held for
 *       {@link AlertConfig#resolveAfterNanos};</li>
 *   <li>{@code sender_spike} (error): a window's accepted messages at or above
 *       {@link AlertConfig#senderFloor} and {@link AlertConfig#senderFactor} times the sender's mean
 *       over the previous {@link AlertConfig#senderBaselineWindows} windows (spike windows left out);
 *       over below half of both.</li>
 * </ul>
 * A window is judged when the watermark passes its end by {@link AlertConfig#rateJudgeDelayMillis}
 * (the stats stage's fire delay: a host's window fires when the watermark passes its end by that
 * much, if its own clock has not fired it before, see {@link io.qmailfleet.job.stats.HostWindows}),
 * with the latest revision of every window that arrived by then: in a backfill (files or a bounded
 * Kafka read) every host in step with the watermark has its part in by then (live, a host's window
 * fires on its own clock only, which the wall clock moves for a quiet host, see
 * {@link io.qmailfleet.job.stats.StatsConfig#fireOnWatermark}). The page's timestamp is the
 * window's end. A part that comes later (a host behind the watermark) has its window judged again
 * when it comes, if that can raise a page that was missed ({@link #judgeLate}). Same trigger limit, resolve-once and end-of-input listing as {@link AlertEngine}.
 */
public class FleetRateEngine extends KeyedProcessFunction<String, RateSample, PageEvent>
        implements WriteBackOperator.Function {
    private static final long serialVersionUID = 1L;

    /**
     * Accumulator: parts of windows that came after their window was judged (a host behind the
     * watermark; see {@link #judgeLate}); in summary.json.
     */
    public static final String ACC_LATE_PARTS = "alerts-fleet-late-parts";

    private final AlertConfig config;
    private transient StateTable<Long, RateSample> windows;
    private transient StateTable<Long, Boolean> spikeWindows;
    /**
     * Domain: "windowStart|address" -> that recipient's aggregate, for the distinct recipients in
     * trouble; only recipients with a deferral (or a counted failure) are kept.
     */
    private transient StateTable<String, RateSample> rcpts;
    /** Domain: the latest window end of any recipient's aggregate (kept or not); null if none came. */
    private transient StateSlot<Long> rcptsEnd;
    private transient StateSlot<AlertKey> alert;
    private transient StateSlot<Long> lastJudged;
    /** Sender: start of the first window seen; no spike is judged before a whole baseline exists. */
    private transient StateSlot<Long> firstWindow;
    /** How state is held: given by {@link WriteBackOperator}; in a plain operator every call writes through. */
    private transient HeldState held;
    private transient ListAccumulator<String> openAtEnd;
    /** The current key's windows as {@link #readWindows} last read them (reused: a key holds a few). */
    private transient long[] windowStarts;
    private transient RateSample[] windowSamples;
    private transient int windowsRead;
    private transient LongCounter lateParts;
    /**
     * Judge timers shared by the keys held in memory ({@link SharedTimers}): every key of a window
     * wants the same two instants, and on RocksDB each timer set is a write to its timer queue. A
     * key judged twice for one instant is judged once: a judgement at or before the key's last is
     * skipped ({@link #onTimer}).
     */
    private transient SharedTimers judges;

    public FleetRateEngine(AlertConfig config) {
        this.config = config.validate();
    }

    /** The operator to run this function in: it holds each key's state in memory between checkpoints. */
    public static WriteBackOperator<RateSample, PageEvent> operator(AlertConfig config) {
        return new WriteBackOperator<>(new FleetRateEngine(config));
    }

    @Override
    public void holdWith(HeldState held) {
        this.held = held;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        if (held == null) held = HeldState.writeThrough();
        var ctx = getRuntimeContext();
        windows = held.table(ctx.getMapState(
                new MapStateDescriptor<>("rate-windows", Types.LONG, TypeInformation.of(RateSample.class))));
        spikeWindows = held.table(ctx.getMapState(
                new MapStateDescriptor<>("rate-spikes", Types.LONG, Types.BOOLEAN)));
        rcpts = held.table(ctx.getMapState(
                new MapStateDescriptor<>("rate-recipients", Types.STRING, TypeInformation.of(RateSample.class))));
        rcptsEnd = held.slot(ctx.getState(new ValueStateDescriptor<>("rate-recipients-end", Types.LONG)));
        alert = held.slot(ctx.getState(new ValueStateDescriptor<>("rate-alert", TypeInformation.of(AlertKey.class))));
        lastJudged = held.slot(ctx.getState(new ValueStateDescriptor<>("rate-judged", Types.LONG)));
        firstWindow = held.slot(ctx.getState(new ValueStateDescriptor<>("rate-first", Types.LONG)));
        openAtEnd = new ListAccumulator<>();
        getRuntimeContext().addAccumulator(AlertEngine.ACC_OPEN, openAtEnd);
        lateParts = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_LATE_PARTS, lateParts);
        judges = new SharedTimers(held);
    }

    @Override
    public void processElement(RateSample s, Context ctx, Collector<PageEvent> out) throws Exception {
        held.bound();
        if (RateSample.RECIPIENT.equals(s.dimension)) {
            // one recipient of this domain: only counted into the domain's windows, judged with them.
            // Only a recipient with a deferral (or a counted failure) is kept: the others count for
            // nothing, and a later revision of the same window only adds attempts, so it is kept
            // when it has one (a domain's normal day keeps no recipient state and scans none)
            if (s.deferrals + (config.domainCountFailures ? s.failures : 0) > 0) {
                String rk = s.windowStart + "|" + s.key;
                RateSample prevR = rcpts.get(rk);
                if (prevR == null || prevR.revision <= s.revision) rcpts.put(rk, s);
            }
            Long end = rcptsEnd.get();
            if (end == null || s.windowEnd > end) rcptsEnd.set(s.windowEnd);
            // the end-of-input timer is set with the key's first recipient (it stays until it
            // fires; one set again after the state is dropped idle is the same timer): not once per
            // sample, which on RocksDB's timer queue is a write each
            if (end == null) ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            Long judged = lastJudged.get();
            if (judged != null && s.windowEnd <= judged) judgeLate(s.windowEnd, ctx.getCurrentKey(), ctx.timerService(), out);
            return;
        }
        RateSample prev = windows.get(s.windowStart);
        if (prev != null && prev.revision > s.revision) return;
        windows.put(s.windowStart, s);
        Long first = firstWindow.get();
        if (first == null || s.windowStart < first) firstWindow.set(s.windowStart);
        if (first == null) ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE); // as above
        Long judged = lastJudged.get();
        if (judged != null && s.windowEnd <= judged) {
            // a revision of a window judged already: the watermark passed it before this host's
            // part came (a host behind the watermark)
            judgeLate(s.windowEnd, ctx.getCurrentKey(), ctx.timerService(), out);
        }
        String key = ctx.getCurrentKey();
        judges.ask(key, judgeAt(s.windowEnd), ctx.timerService());
        // judged once more when the window has left every sum: ends what nothing else would
        long len = Math.max(1, s.windowEnd - s.windowStart);
        judges.ask(key, judgeAt(s.windowEnd
                + Math.max(config.domainWindowNanos / 1_000_000L, (config.senderBaselineWindows + 1L) * len)), ctx.timerService());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<PageEvent> out) throws Exception {
        String key = ctx.getCurrentKey();
        timer(timestamp, key, ctx.timerService(), out);
        // the keys that share this key's timer for the instant
        judges.fire(key, timestamp, other -> timer(timestamp, other, ctx.timerService(), out));
    }

    /** An event-time timer of the operator's current key {@code key}. */
    private void timer(long timestamp, String key, TimerService timers, Collector<PageEvent> out) throws Exception {
        AlertKey k = alert.get();
        if (timestamp == Long.MAX_VALUE) {
            if (k != null && k.firing) openAtEnd.add(k.dedupKey);
            windows.clear();
            spikeWindows.clear();
            rcpts.clear();
            rcptsEnd.clear();
            alert.clear();
            lastJudged.clear();
            firstWindow.clear();
            return;
        }
        long end = timestamp - config.rateJudgeDelayMillis; // the log time judged
        Long last = lastJudged.get();
        if (last != null && end <= last) return; // judged already (a late revision is judged when it comes)
        lastJudged.set(end);
        judge(end, key, timers, out);
    }

    /**
     * A part of the window ending at {@code end} came after that window was judged (and maybe
     * newer ones): it is counted, and the window is judged again only if that can page what was
     * missed, never to take the page back in time. A page that is firing, or that triggered at or
     * after {@code end}, was decided on windows as new as this one or newer, so the late part
     * changes nothing (judging the old window again would trigger a resolved page a second time).
     * Otherwise the window is judged again: a trigger it now raises carries its end, as a backfill
     * that had the part in time gives it.
     */
    private void judgeLate(long end, String key, TimerService timers,
                           Collector<PageEvent> out) throws Exception {
        lateParts.add(1L);
        AlertKey k = alert.get();
        if (k != null) {
            if (k.firing || k.active) return;
            if (!k.triggerTimes.isEmpty() && k.triggerTimes.get(k.triggerTimes.size() - 1) >= end * 1_000_000L) return;
        }
        judge(end, key, timers, out);
    }

    /** The event time (ms) at which the log time {@code end} is judged. */
    private long judgeAt(long end) {
        long t = end + config.rateJudgeDelayMillis;
        return t < end ? Long.MAX_VALUE - 1 : t;
    }

    /**
     * Judges the window ending at {@code timestamp} (epoch millis) with what has arrived, and pages
     * on a change.
     */
    private void judge(long timestamp, String key, TimerService timers,
                       Collector<PageEvent> out) throws Exception {
        AlertKey k = alert.get();
        int colon = key.indexOf(':');
        boolean domain = colon == RateSample.DOMAIN.length() && key.startsWith(RateSample.DOMAIN);
        if (k == null) k = newKey(key.substring(0, Math.max(0, colon)), key.substring(colon + 1));
        long now = timestamp * 1_000_000L;
        boolean was = k.active;
        if (domain) judgeDomain(k, timestamp);
        else judgeSender(k, timestamp);
        if (k.active && !was) k.activeSinceNanos = now;
        if (!k.active && was) k.clearSinceNanos = now;
        String action = AlertEngine.step(k, now, config.maxTriggersPerHour);
        if (action != null) {
            PageEvent p = AlertEngine.page(k, action, now);
            p.source = domain ? k.domain : k.kind;
            p.summary = p.summary.replaceFirst("^(resolved: )?fleet: ", "$1");
            p.hosts = new ArrayList<>(new TreeSet<>(List.of(k.lastText == null ? new String[0] : k.lastText.split(","))));
            out.collect(p);
        }
        if (k.firing && !k.active) judges.ask(key, judgeAt(timestamp + config.resolveAfterNanos / 1_000_000L), timers);
        if (AlertEngine.idle(k, now) && windows.isEmpty() && rcpts.isEmpty()) {
            alert.clear();
            firstWindow.clear();
            rcptsEnd.clear();
        }
        else alert.set(k);
    }

    /**
     * Reads the current key's windows into {@link #windowStarts} / {@link #windowSamples} in one
     * pass over the table (no copy of its keys, no entry objects); returns how many. The table may
     * then change while the copies are read.
     */
    private int readWindows() {
        if (windowStarts == null) {
            windowStarts = new long[16];
            windowSamples = new RateSample[16];
        }
        windowsRead = 0;
        windows.forEach((start, s) -> {
            if (windowsRead == windowStarts.length) {
                windowStarts = java.util.Arrays.copyOf(windowStarts, 2 * windowsRead);
                windowSamples = java.util.Arrays.copyOf(windowSamples, 2 * windowsRead);
            }
            windowStarts[windowsRead] = start;
            windowSamples[windowsRead++] = s;
        });
        return windowsRead;
    }

    private AlertKey newKey(String dimension, String key) {
        AlertKey k = new AlertKey();
        boolean domain = RateSample.DOMAIN.equals(dimension);
        k.alertClass = domain ? "domain_trouble" : "sender_spike";
        k.dedupKey = k.alertClass + ":fleet:" + key;
        k.severity = "error";
        k.host = "fleet";
        if (domain) k.domain = key;
        else k.kind = key;
        k.stream = "fleet";
        k.keepNanos = config.resolveAfterNanos;
        return k;
    }

    private void judgeDomain(AlertKey k, long end) throws Exception {
        long from = end - config.domainWindowNanos / 1_000_000L;
        long attempts = 0, bad = 0, recipients = 0;
        int n = readWindows();
        List<Long> old = null;
        for (int i = 0; i < n; i++) {
            RateSample s = windowSamples[i];
            if (s.windowEnd <= from) {
                if (old == null) old = new ArrayList<>();
                old.add(windowStarts[i]);
                continue;
            }
            if (s.windowEnd > end) continue;
            attempts += s.attempts;
            bad += s.deferrals + (config.domainCountFailures ? s.failures : 0);
            recipients = recipients < 0 || s.recipients < 0 ? -1 : recipients + s.recipients;
        }
        if (old != null) for (Long o : old) windows.remove(o);
        Long rcptEnd = rcptsEnd.get();
        // (state written before rcptsEnd existed has recipients without it)
        if (rcptEnd != null ? rcptEnd > from : !rcpts.isEmpty()) {
            // the recipients' records of the same windows: how many distinct addresses were deferred or failed
            TreeSet<String> inTrouble = new TreeSet<>();
            List<String> gone = new ArrayList<>();
            rcpts.forEach((rk, r) -> {
                if (r.windowEnd <= from) gone.add(rk);
                else if (r.windowEnd <= end && r.deferrals + (config.domainCountFailures ? r.failures : 0) > 0) inTrouble.add(r.key);
            });
            for (String g : gone) rcpts.remove(g);
            recipients = inTrouble.size();
        }
        double ratio = attempts == 0 ? 0 : (double) bad / attempts;
        boolean enough = attempts >= config.domainMinAttempts && (recipients < 0 || recipients >= config.domainMinRecipients);
        if (!k.active && enough && ratio >= config.domainTriggerRatio) {
            k.active = true;
            if (k.firstSeenNanos < 0 || !k.firing) k.firstSeenNanos = end * 1_000_000L;
        } else if (k.active && ratio < config.domainClearRatio) {
            k.active = false;
        }
        if (k.active || k.firing) {
            // the hosts of the windows summed, only for a page's text
            TreeSet<String> hosts = new TreeSet<>();
            for (int i = 0; i < n; i++) {
                RateSample s = windowSamples[i];
                if (s.windowEnd > from && s.windowEnd <= end && s.attempts > 0) hosts.addAll(s.hosts);
            }
            k.count = bad;
            k.lastSeenNanos = end * 1_000_000L;
            k.lastText = String.join(",", hosts);
            k.threshold = String.format("%s/attempts >= %.2f over %s with >= %d attempts; clear below %.2f",
                    config.domainCountFailures ? "(deferrals+failures)" : "deferrals", config.domainTriggerRatio, java.time.Duration.ofNanos(config.domainWindowNanos),
                    config.domainMinAttempts, config.domainClearRatio);
            k.detail = String.format("%d of %d attempts %s (%.0f%%) in the window ending %s",
                    bad, attempts, config.domainCountFailures ? "deferred or failed" : "deferred", 100 * ratio,
                    io.qmailfleet.job.sink.JsonLines.iso(end * 1_000_000L));
        }
    }

    private void judgeSender(AlertKey k, long end) throws Exception {
        int n = readWindows();
        RateSample cur = null;
        for (int i = 0; i < n; i++) if (windowSamples[i].windowEnd == end) cur = windowSamples[i];
        if (cur == null) {
            // no window ends now: a clean-up or resolve check; windows past every baseline go
            boolean sending = false;
            for (int i = 0; i < n; i++) {
                RateSample s = windowSamples[i];
                long len = Math.max(1, s.windowEnd - s.windowStart);
                if (s.windowEnd + (config.senderBaselineWindows + 1L) * len <= end) {
                    windows.remove(s.windowStart);
                    spikeWindows.remove(s.windowStart);
                } else {
                    sending |= s.windowEnd > end - len;
                }
            }
            if (k.active && !sending) k.active = false;
            return;
        }
        long len = Math.max(1, cur.windowEnd - cur.windowStart);
        long from = cur.windowStart - config.senderBaselineWindows * len;
        long sum = 0;
        int slots = config.senderBaselineWindows;
        for (int i = 0; i < n; i++) {
            long start = windowStarts[i];
            if (start < from) {
                windows.remove(start);
                spikeWindows.remove(start);
                continue;
            }
            if (start >= cur.windowStart) continue;
            if (Boolean.TRUE.equals(spikeWindows.get(start))) slots--;
            else sum += windowSamples[i].accepted;
        }
        double baseline = slots <= 0 ? 0 : (double) sum / slots;
        long a = cur.accepted;
        Long first = firstWindow.get();
        boolean history = first != null && cur.windowStart - first >= config.senderBaselineWindows * len;
        boolean spike = history && a >= config.senderFloor && a >= config.senderFactor * baseline;
        if (spike) spikeWindows.put(cur.windowStart, true);
        if (!k.active && spike) {
            k.active = true;
            if (!k.firing) k.firstSeenNanos = end * 1_000_000L;
        } else if (k.active && (a < config.senderFloor / 2.0 || a < config.senderFactor / 2 * baseline)) {
            k.active = false;
        }
        if (k.active || k.firing) {
            k.count = a;
            k.lastSeenNanos = end * 1_000_000L;
            k.lastText = String.join(",", cur.hosts);
            k.threshold = String.format(">= %d accepted per window and >= %.0fx the baseline", config.senderFloor,
                    config.senderFactor);
            k.detail = String.format("%d accepted in the window ending %s; baseline %.1f per window over %d windows",
                    a, io.qmailfleet.job.sink.JsonLines.iso(end * 1_000_000L), baseline, config.senderBaselineWindows);
        }
    }
}
