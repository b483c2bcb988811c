package io.qmailfleet.job.alert;

import io.qmailfleet.job.lifecycle.HeldState;
import io.qmailfleet.job.lifecycle.Sat;
import io.qmailfleet.job.lifecycle.StateSlot;
import io.qmailfleet.job.lifecycle.StateTable;
import io.qmailfleet.job.lifecycle.WriteBackOperator;
import io.qmailfleet.job.model.AlertKind;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.model.Resolution;
import io.qmailfleet.job.options.JobOption;
import io.qmailfleet.job.sink.JsonLines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

/**
 * The paging rules that a single host's streams decide, keyed by host:
 * <ol>
 *   <li>{@code qmail_alert}: qmail-send {@code alert:} lines, critical, one trigger per host and kind
 *       while the line repeats; resolved by a later {@code status: local …} line (qmail-send is
 *       working again), after {@link AlertConfig#resolveAfterNanos} of host time;</li>
 *   <li>{@code qmail_warning}: {@code warning:} lines per host and kind, warning; over when the kind
 *       has not repeated for {@link AlertConfig#warningQuietNanos};</li>
 *   <li>{@code qmail_crash}: a start-up with no {@code status: exiting} before it, error; the details
 *       hold the deliveries that were in flight at the old run's last status line; resolved when the
 *       new run finishes a delivery;</li>
 *   <li>{@code queue_saturated}: a channel at its concurrency limit for {@link AlertConfig#saturationForNanos},
 *       with hysteresis (saturation ends below {@link AlertConfig#saturationClearRatio} of the limit);</li>
 *   <li>{@code queue_backlog}: the messages open on the host longer than {@link AlertConfig#queueAgeNanos}
 *       (counted on the stuck-message alerts: each counts from its {@code new msg} time plus the queue
 *       age, or from its stuck alert if that is later, until its {@code stuck_resolved}) at least
 *       {@link AlertConfig#queueAgeMinCount} and more than {@link AlertConfig#queueAgeWindowNanos} before,
 *       both for {@link AlertConfig#queueAgeForNanos}; over when the count falls below the minimum
 *       (hysteresis: growth is needed to raise it, not to keep it), held for
 *       {@link AlertConfig#resolveAfterNanos};</li>
 *   <li>{@code stuck_messages} / {@code hung_deliveries}: the per-message alerts of the lifecycle
 *       stage, grouped per host and recipient domain: one trigger while any is open, with the count;</li>
 *   <li>{@code host_silent}: no qmail-send line for {@link AlertConfig#silentAfterNanos}: in a backfill a
 *       gap in the host's own log time (never compared with another host's clock); live, a
 *       processing-time watchdog per host. Resolved by the host's next line.</li>
 * </ol>
 * The input is the host sequencer's paging signals ({@link io.qmailfleet.job.lifecycle.HostSequencer#PAGING}):
 * left, its qmail-send host events (status, warning and alert lines, and restarts); right, its
 * message alerts; each host's in the order the sequencer wrote them. Each dedup key is decided
 * by one kind of signal only, in the host's log time, so a backfill gives the same sequence as
 * the live job (except the silence rule, whose live form uses wall-clock time by design).
 *
 * <p>At most {@link AlertConfig#maxTriggersPerHour} triggers per dedup key per hour of host time;
 * every trigger gets exactly one resolve, or is counted in the {@value #ACC_OPEN} accumulator at the
 * end of a bounded input (listed in summary.json).
 */
public class AlertEngine extends KeyedProcessFunction<String, Either<QmailEvent, MessageAlert>, PageEvent>
        implements WriteBackOperator.Function {
    private static final long serialVersionUID = 1L;

    /** Accumulator: dedup keys still firing when a bounded input ended. */
    public static final String ACC_OPEN = "alerts-open";
    static final String HOST_STREAM = "host";
    static final String MESSAGE_STREAM = "message";
    private static final long HOUR = Duration.ofHours(1).toNanos();
    private static final Pattern QUEUE_FILE =
            Pattern.compile("\\b(todo|info|mess|local|remote|bounce|foop)/[0-9/]+");
    private static final Pattern NUMBER = Pattern.compile("[0-9]+");

    private final AlertConfig config;
    private transient StateSlot<HostAlertState> hostState;
    private transient StateTable<String, AlertKey> keys;
    /** stuck/hung member ({@code s<msg>} or {@code h<msg>/<delivery>}) to its dedup keys, space-separated. */
    private transient StateTable<String, String> members;
    /** Message alerts held until the watermark passes them, by log time in milliseconds. */
    private transient StateTable<Long, List<MessageAlert>> pending;
    /**
     * Queue backlog: each stuck message (by id) with the time (ms) it reaches the queue age, or
     * {@value #COUNTED} once it counts; and the messages that reach it later, by that time.
     */
    private transient StateTable<Long, Long> queued;
    private transient StateTable<Long, List<Long>> aging;
    private transient StateSlot<BacklogHistory> history;
    /** How state is held: given by {@link WriteBackOperator}; in a plain operator every call writes through. */
    private transient HeldState held;
    /** {@link AlertConfig#saturationForNanos} as text, made once: every saturation that starts names it. */
    private transient String saturationFor;
    private static final long COUNTED = -1L;
    private transient ListAccumulator<String> openAtEnd;

    public AlertEngine(AlertConfig config) {
        this.config = config.validate();
    }

    /** The operator to run this function in: it holds each host's state in memory between checkpoints. */
    public static WriteBackOperator<Either<QmailEvent, MessageAlert>, PageEvent> operator(AlertConfig config) {
        return new WriteBackOperator<>(new AlertEngine(config));
    }

    @Override
    public void holdWith(HeldState held) {
        this.held = held;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        if (held == null) held = HeldState.writeThrough();
        saturationFor = Duration.ofNanos(config.saturationForNanos).toString();
        satHost = new String[2];
        satKey = new String[2];
        satDetails = new String[2][];
        satSince = new long[2];
        satMax = new int[2];
        var ctx = getRuntimeContext();
        hostState = held.slot(ctx.getState(
                new ValueStateDescriptor<>("alert-host", TypeInformation.of(HostAlertState.class))));
        keys = held.table(ctx.getMapState(
                new MapStateDescriptor<>("alert-keys", Types.STRING, TypeInformation.of(AlertKey.class))));
        members = held.table(ctx.getMapState(
                new MapStateDescriptor<>("alert-members", Types.STRING, Types.STRING)));
        pending = held.table(ctx.getMapState(new MapStateDescriptor<>("alert-pending", Types.LONG,
                Types.LIST(TypeInformation.of(MessageAlert.class)))));
        queued = held.table(ctx.getMapState(new MapStateDescriptor<>("alert-queued", Types.LONG, Types.LONG)));
        aging = held.table(ctx.getMapState(new MapStateDescriptor<>("alert-aging", Types.LONG,
                Types.LIST(Types.LONG))));
        history = held.slot(ctx.getState(
                new ValueStateDescriptor<>("alert-backlog", TypeInformation.of(BacklogHistory.class))));
        openAtEnd = new ListAccumulator<>();
        getRuntimeContext().addAccumulator(ACC_OPEN, openAtEnd);
    }

    private HostAlertState load(Context ctx) throws Exception {
        HostAlertState st = hostState.get();
        if (st == null) st = new HostAlertState();
        if (!st.endTimerSet) {
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            st.endTimerSet = true;
        }
        return st;
    }

    @Override
    public void processElement(Either<QmailEvent, MessageAlert> signal, Context ctx, Collector<PageEvent> out) throws Exception {
        held.bound();
        if (signal.isLeft()) hostEvent(signal.left(), ctx, out);
        else messageAlert(signal.right(), ctx);
    }

    // =====================================================================================
    // host events

    private void hostEvent(QmailEvent ev, Context ctx, Collector<PageEvent> out) throws Exception {
        HostAlertState st = load(ctx);
        String host = ctx.getCurrentKey();
        long now = ev.tsNanos;
        silence(st, host, now, ctx, out);
        if (now > st.lastLineNanos) st.lastLineNanos = now;
        switch (ev.type) {
            case ALERT:
                qmailAlert(st, host, ev, now);
                break;
            case WARNING:
                warning(st, host, ev, now);
                break;
            case STATUS:
                status(st, host, ev, now);
                break;
            case STATUS_EXITING:
                st.runEnded = true;
                st.run = ev.run;
                break;
            default:
                break;
        }
        sweep(st, HOST_STREAM, now, out);
        hostState.set(st);
    }

    /** Rule 8: a gap in host time (backfill), or the live watchdog's alert ended by this line. */
    private void silence(HostAlertState st, String host, long now, Context ctx, Collector<PageEvent> out)
            throws Exception {
        String dk = "host_silent:" + host;
        if (config.liveWatchdog) {
            AlertKey k = keys.get(dk);
            if (k != null && k.active) {
                k.active = false;
                k.clearSinceNanos = now;
                k.lastSeenNanos = now;
                k.detail = "lines came back at " + JsonLines.iso(now);
                evaluate(st, k, now, out);
            }
            st.lastArrivalMillis = ctx.timerService().currentProcessingTime();
            if (st.watchdogTimerMillis < 0) {
                st.watchdogTimerMillis = st.lastArrivalMillis + config.silentAfterNanos / 1_000_000L;
                ctx.timerService().registerProcessingTimeTimer(st.watchdogTimerMillis);
            }
            return;
        }
        if (st.lastLineNanos < 0 || now - st.lastLineNanos < config.silentAfterNanos) return;
        AlertKey k = key(st, dk, "host_silent", "error", host, null, null, HOST_STREAM);
        long due = st.lastLineNanos + config.silentAfterNanos;
        k.active = true;
        k.activeSinceNanos = due;
        k.firstSeenNanos = st.lastLineNanos;
        k.lastSeenNanos = now;
        k.count++;
        k.threshold = "no qmail-send line for " + Duration.ofNanos(config.silentAfterNanos) + " of host time";
        k.detail = "last line at " + JsonLines.iso(st.lastLineNanos) + ", next at " + JsonLines.iso(now);
        evaluate(st, k, due, out);
        k.active = false;
        k.clearSinceNanos = now;
        evaluate(st, k, now, out);
    }

    /** Rule 1. */
    private void qmailAlert(HostAlertState st, String host, QmailEvent ev, long now) throws Exception {
        String text = ev.text == null ? "" : ev.text;
        String kind = NUMBER.matcher(text).replaceAll("<n>");
        AlertKey k = key(st, "qmail_alert:" + host + ":" + slug(kind), "qmail_alert", "critical", host, null,
                kind, HOST_STREAM);
        k.keepNanos = config.resolveAfterNanos;
        k.threshold = "any alert: line";
        activate(st, k, now, "alert: " + text);
        st.qmailAlertsQuiet = false;
    }

    /** Rule 2. */
    private void warning(HostAlertState st, String host, QmailEvent ev, long now) throws Exception {
        String text = ev.text == null ? "" : ev.text;
        String kind = QUEUE_FILE.matcher(text).replaceAll("$1/<id>");
        AlertKey k = key(st, "qmail_warning:" + host + ":" + slug(kind), "qmail_warning", "warning", host, null,
                kind, HOST_STREAM);
        k.quietNanos = config.warningQuietNanos;
        k.threshold = "over after " + Duration.ofNanos(config.warningQuietNanos) + " without a repetition";
        activate(st, k, now, "warning: " + text);
    }

    /** Rules 1 (resolution), 3 and 6. */
    private void status(HostAlertState st, String host, QmailEvent ev, long now) throws Exception {
        // rule 1: qmail-send is working again (the keys are read only while an alert: line may be active)
        if (!ev.exitasap && st.keys > 0 && !st.qmailAlertsQuiet) {
            List<AlertKey> working = new ArrayList<>();
            for (AlertKey k : keys.values()) {
                if ("qmail_alert".equals(k.alertClass) && k.active) working.add(k);
            }
            for (AlertKey k : working) {
                k.active = false;
                k.clearSinceNanos = now;
                store(st, k);
            }
            st.qmailAlertsQuiet = true;
        }
        int used = Math.max(0, ev.localUsed) + Math.max(0, ev.remoteUsed);
        // rule 3: a start-up (the host sequencer counted a new run) without status: exiting before it
        if (ev.run > st.run && st.run >= 0 && !st.runEnded) {
            AlertKey k = key(st, "qmail_crash:" + host, "qmail_crash", "error", host, null, null, HOST_STREAM);
            k.threshold = "a start-up not preceded by status: exiting";
            k.detail = "in flight at the old run's last status line: local " + st.lastLocalUsed + ", remote "
                    + st.lastRemoteUsed + " (closed as interrupted in lifecycles/); old run's last line at "
                    + JsonLines.iso(st.lastLineNanos);
            activate(st, k, now, "run " + st.run + " ended without status: exiting; run " + ev.run + " started at "
                    + JsonLines.iso(now));
            st.crashOpen = true;
            st.lastUsed = 0;
        } else if (st.crashOpen && used < st.lastUsed) {
            AlertKey k = keys.get("qmail_crash:" + host);
            if (k != null) {
                k.active = false;
                k.clearSinceNanos = now;
                store(st, k);
            }
            st.crashOpen = false;
        }
        if (ev.run > st.run) st.runEnded = false;
        st.run = ev.run;
        st.lastUsed = used;
        st.lastLocalUsed = Math.max(0, ev.localUsed);
        st.lastRemoteUsed = Math.max(0, ev.remoteUsed);
        // rule 6
        st.localSaturatedSince = saturation(st, host, "local", ev.localUsed, ev.localMax, st.localSaturatedSince, now);
        st.remoteSaturatedSince = saturation(st, host, "remote", ev.remoteUsed, ev.remoteMax, st.remoteSaturatedSince, now);
    }

    private long saturation(HostAlertState st, String host, String channel, int usedN, int max, long since,
                            long now) throws Exception {
        if (max <= 0 || usedN < 0) return since;
        // most status lines: not saturated, and not before (no key to make)
        if (since < 0 && usedN < max) return since;
        String dk = saturationKey(host, channel);
        if (since < 0 && usedN >= max) {
            AlertKey k = key(st, dk, "queue_saturated", "warning", host, null, channel, HOST_STREAM);
            k.forNanos = config.saturationForNanos;
            k.keepNanos = config.resolveAfterNanos;
            k.threshold = channel + " " + max + "/" + max + " for " + saturationFor
                    + ", clear below " + (int) Math.ceil(max * config.saturationClearRatio);
            activate(st, k, now, "status: " + channel + " " + usedN + "/" + max);
            return now;
        }
        if (since >= 0 && usedN < max * config.saturationClearRatio) {
            AlertKey k = keys.get(dk);
            if (k != null) {
                k.active = false;
                k.clearSinceNanos = now;
                k.lastSeenNanos = now;
                store(st, k);
            }
            return -1;
        }
        if (since >= 0) {
            AlertKey k = keys.get(dk);
            if (k != null) {
                k.lastSeenNanos = now;
                k.detail = saturationDetail(channel, since, usedN, max);
                // only its last-seen time and text changed: when it can next change (nextChange) stays
                // as it was unless a quiet time counts from the last-seen time, so the next status
                // line need not sweep every key of the host again (every status line while a queue
                // stays saturated: on RocksDB, 7 % of a backfill's CPU was such sweeps)
                if (k.quietNanos > 0) store(st, k);
                else keys.put(k.dedupKey, k);
            }
        }
        return since;
    }

    /**
     * The dedup key last made for each channel ({@code local} 0, {@code remote} 1) and its host, and
     * the detail texts made for it by count in use, for one saturation (its start and limit): while
     * a queue stays saturated every status line names its key and writes its detail, mostly one of
     * the few texts of the lines before.
     */
    private transient String[] satHost, satKey;
    private transient String[][] satDetails;
    private transient long[] satSince;
    private transient int[] satMax;
    /** The largest limit whose details are kept by count. */
    private static final int SAT_DETAILS_MAX = 4096;

    private static int channelSlot(String channel) {
        return "local".equals(channel) ? 0 : 1;
    }

    /** {@code queue_saturated:<host>:<channel>}. */
    private String saturationKey(String host, String channel) {
        int i = channelSlot(channel);
        if (host.equals(satHost[i])) return satKey[i];
        satDetails[i] = null;
        satHost[i] = host;
        satKey[i] = "queue_saturated:" + host + ":" + channel;
        return satKey[i];
    }

    /** The detail of a saturated queue's alert: since when, and the last status line's count (after {@link #saturationKey} of the same host and channel). */
    private String saturationDetail(String channel, long since, int usedN, int max) {
        int i = channelSlot(channel);
        String[] ds = satDetails[i];
        if (ds == null || satSince[i] != since || satMax[i] != max) {
            ds = max <= SAT_DETAILS_MAX ? new String[max + 1] : null;
            satDetails[i] = ds;
            satSince[i] = since;
            satMax[i] = max;
        }
        boolean kept = ds != null && usedN <= max;
        if (kept && ds[usedN] != null) return ds[usedN];
        String d = "saturated since " + isoOf(since) + "; last " + channel + " " + usedN + "/" + max;
        if (kept) ds[usedN] = d;
        return d;
    }

    /** The last two times {@link #isoOf} wrote (a host's local and remote queue) and their text; null: none yet. */
    private transient long isoTime0, isoTime1;
    private transient String isoText0, isoText1;

    /**
     * {@link JsonLines#iso} of a saturation's start: while a queue stays saturated every status line
     * writes it again into the alert's detail (it was 1 % of a backfill's CPU).
     */
    private String isoOf(long nanos) {
        if (nanos == isoTime0 && isoText0 != null) return isoText0;
        if (nanos == isoTime1 && isoText1 != null) return isoText1;
        isoTime1 = isoTime0;
        isoText1 = isoText0;
        isoTime0 = nanos;
        isoText0 = JsonLines.iso(nanos);
        return isoText0;
    }

    // =====================================================================================
    // message alerts (rule 7)

    /**
     * Message alerts are held until the watermark passes their log time and then applied in
     * (time, kind, message, delivery) order, all of one millisecond together, so the pages depend
     * on the alerts alone, not on the order the sequencer found them in (and a delivery that is
     * reported hung and finishes at the same instant pages nothing).
     */
    private void messageAlert(MessageAlert a, Context ctx) throws Exception {
        HostAlertState st = load(ctx);
        long ms = Math.floorDiv(a.atNanos, 1_000_000L);
        List<MessageAlert> held = pending.get(ms);
        if (held == null) {
            held = new ArrayList<>();
            ctx.timerService().registerEventTimeTimer(ms);
        }
        held.add(a);
        pending.put(ms, held);
        hostState.set(st);
    }

    private static int rank(MessageAlert a) {
        return a.kind == AlertKind.STUCK_RESOLVED || a.kind == AlertKind.HUNG_RESOLVED ? 1 : 0;
    }

    /** Applies a batch of message alerts in a fixed order; returns the newest alert time (the batch's host time). */
    private long applyMessageAlerts(HostAlertState st, String host, List<MessageAlert> batch, TimerService timers)
            throws Exception {
        batch.sort(Comparator.comparingLong((MessageAlert a) -> a.atNanos).thenComparingInt(AlertEngine::rank)
                .thenComparing(a -> a.kind == null ? "" : a.kind.json())
                .thenComparingLong(a -> a.msgId).thenComparingLong(a -> a.deliveryId));
        long now = Long.MIN_VALUE;
        for (MessageAlert a : batch) {
            now = Math.max(now, a.atNanos);
            messageAlert(st, host, a, timers);
        }
        return now;
    }

    private void messageAlert(HostAlertState st, String host, MessageAlert a, TimerService timers) throws Exception {
        long now = a.atNanos;
        if (a.kind == null) return;
        switch (a.kind) {
            case STUCK_MESSAGE: {
                Set<String> domains = new LinkedHashSet<>();
                for (Recipient r : a.recipients) {
                    if (!"success".equals(r.finalOutcome) && !"failure".equals(r.finalOutcome)) {
                        domains.add(r.domain == null ? "" : r.domain);
                    }
                }
                if (domains.isEmpty()) domains.add("");
                String example = "msg " + a.msgId + " from <" + a.sender + "> queued since " + JsonLines.iso(a.newNanos);
                addMember(st, "s" + a.msgId, domains, "stuck_messages", host, now, example,
                        "queued longer than " + Duration.ofMillis(a.thresholdMillis));
                queueAdd(st, a, timers);
                break;
            }
            case HUNG_DELIVERY: {
                String example = "delivery " + a.deliveryId + " of msg " + a.msgId + " to " + a.recipient;
                addMember(st, "h" + a.msgId + "/" + a.deliveryId, Set.of(domainOf(a.recipient)), "hung_deliveries",
                        host, now, example, "no result after " + Duration.ofMillis(a.thresholdMillis));
                break;
            }
            case STUCK_RESOLVED:
                if (a.resolution != Resolution.OPEN) {
                    removeMember(st, "s" + a.msgId, now);
                    queueRemove(st, a.msgId);
                }
                break;
            case HUNG_RESOLVED:
                if (a.resolution != Resolution.OPEN) removeMember(st, "h" + a.msgId + "/" + a.deliveryId, now);
                break;
            default:
                break;
        }
    }

    private void addMember(HostAlertState st, String member, Set<String> domains, String cls, String host,
                           long now, String example, String threshold) throws Exception {
        if (members.contains(member)) return;
        List<String> dks = new ArrayList<>();
        for (String d : domains) {
            String dk = cls + ":" + host + ":" + d;
            AlertKey k = key(st, dk, cls, "error", host, d, null, MESSAGE_STREAM);
            k.openMembers++;
            k.threshold = threshold + (config.stuckMinCount > 1 ? ", at least " + config.stuckMinCount : "");
            k.count++;
            k.lastSeenNanos = now;
            if (k.firstSeenNanos < 0) k.firstSeenNanos = now;
            if (k.examples.size() < config.maxExamples) k.examples.add(example);
            if (!k.active && k.openMembers >= config.stuckMinCount) {
                k.active = true;
                k.activeSinceNanos = now;
            }
            store(st, k);
            dks.add(dk);
        }
        members.put(member, String.join(" ", dks));
    }

    private void removeMember(HostAlertState st, String member, long now) throws Exception {
        String dks = members.get(member);
        if (dks == null) return;
        members.remove(member);
        for (String dk : dks.split(" ")) {
            AlertKey k = keys.get(dk);
            if (k == null) continue;
            k.openMembers--;
            k.lastSeenNanos = now;
            if (k.active && k.openMembers < config.stuckMinCount) {
                k.active = false;
                k.clearSinceNanos = now;
            }
            store(st, k);
        }
    }

    // =====================================================================================
    // queue backlog (rule 6, second half), on the stuck-message alerts

    /** A stuck message: counts from its queue-age instant (or now, if that has passed). */
    private void queueAdd(HostAlertState st, MessageAlert a, TimerService timers) throws Exception {
        if (queued.contains(a.msgId)) return;
        long since = a.newNanos >= 0 ? a.newNanos
                : a.ageMillis >= 0 ? a.atNanos - a.ageMillis * 1_000_000L : a.atNanos;
        long due = since > Long.MAX_VALUE - config.queueAgeNanos ? Long.MAX_VALUE : since + config.queueAgeNanos;
        if (due <= a.atNanos) {
            queued.put(a.msgId, COUNTED);
            st.backlog++;
            return;
        }
        long ms = -Math.floorDiv(-due, 1_000_000L); // whole milliseconds, rounded up
        queued.put(a.msgId, ms);
        List<Long> ids = aging.get(ms);
        if (ids == null) {
            ids = new ArrayList<>();
            timers.registerEventTimeTimer(ms);
        }
        ids.add(a.msgId);
        aging.put(ms, ids);
    }

    /** A stuck message ended: it leaves the count (or stops aging towards it). */
    private void queueRemove(HostAlertState st, long msgId) throws Exception {
        Long v = queued.get(msgId);
        if (v == null) return;
        queued.remove(msgId);
        if (v == COUNTED) st.backlog--;
    }

    /** The messages that reach the queue age at {@code ms} count from now on; true if there were any. */
    private boolean queueCrossings(HostAlertState st, long ms) throws Exception {
        List<Long> ids = aging.get(ms);
        if (ids == null) return false;
        aging.remove(ms);
        for (Long id : ids) {
            Long v = queued.get(id);
            if (v != null && v == ms) { // not ended meanwhile (nor a later message of a reused id)
                queued.put(id, COUNTED);
                st.backlog++;
            }
        }
        return true;
    }

    /**
     * Records the backlog at host time {@code now} and decides its key: raised when at least the
     * minimum and above its value a growth window ago, held for the minimum duration; once
     * firing, over only when it falls below the minimum. Timers at the instants the key's state
     * machine waits for (its hold, its resolve delay), so a quiet host's page is not late.
     */
    private AlertKey queueBacklog(HostAlertState st, String host, long now, TimerService timers) throws Exception {
        long start = now - config.queueAgeWindowNanos;
        long before = 0;
        if (st.backlogHistory || st.backlog != 0) {
            BacklogHistory h = st.backlogHistory ? history.get() : null;
            if (h == null) h = new BacklogHistory();
            List<Long> times = h.times;
            List<Long> counts = h.counts;
            int n = times.size();
            long last = n == 0 ? 0 : counts.get(n - 1);
            if (st.backlog != last) {
                if (n > 0 && times.get(n - 1) == now) {
                    counts.set(n - 1, st.backlog);
                } else {
                    times.add(now);
                    counts.add(st.backlog);
                }
            }
            while (times.size() >= 2 && times.get(1) <= start) {
                times.remove(0);
                counts.remove(0);
            }
            before = times.isEmpty() || times.get(0) > start ? 0 : counts.get(0);
            if (times.size() == 1 && before == 0 && st.backlog == 0) {
                times.clear(); // nothing to remember
                counts.clear();
            }
            st.backlogHistory = !times.isEmpty();
            if (st.backlogHistory) history.set(h);
            else history.clear();
        }
        boolean raise = st.backlog >= config.queueAgeMinCount && st.backlog > before;
        String dk = "queue_backlog:" + host;
        AlertKey k = st.keys == 0 && !raise ? null : keys.get(dk);
        if (k == null) {
            if (!raise) return null;
            k = key(st, dk, "queue_backlog", "warning", host, null,
                    JobOption.format(Duration.ofNanos(config.queueAgeNanos)), MESSAGE_STREAM);
            k.forNanos = config.queueAgeForNanos;
            k.keepNanos = config.resolveAfterNanos;
            k.firstSeenNanos = now;
            k.threshold = "at least " + config.queueAgeMinCount + " messages open longer than " + k.kind
                    + ", more than " + JobOption.format(Duration.ofNanos(config.queueAgeWindowNanos)) + " before, for "
                    + JobOption.format(Duration.ofNanos(config.queueAgeForNanos)) + "; over below "
                    + config.queueAgeMinCount;
        }
        if (k.firing) {
            boolean on = st.backlog >= config.queueAgeMinCount;
            if (on && !k.active) {
                k.active = true; // back before the resolve: the same page stays open
            } else if (!on && k.active) {
                k.active = false;
                k.clearSinceNanos = now;
                timers.registerEventTimeTimer(-Math.floorDiv(-(now + k.keepNanos), 1_000_000L));
            }
        } else if (raise && !k.active) {
            k.active = true;
            k.activeSinceNanos = now;
            timers.registerEventTimeTimer(-Math.floorDiv(-(now + k.forNanos), 1_000_000L));
        } else if (!raise && k.active) {
            k.active = false; // the hold starts again with the next growth
        }
        if (k.count != st.backlog) k.lastSeenNanos = now;
        k.count = st.backlog;
        k.detail = st.backlog + " messages open longer than " + k.kind + " at " + JsonLines.iso(now) + ", " + before
                + " at " + JsonLines.iso(start) + "; the messages are in the stuck_messages pages of the host";
        store(st, k);
        return k;
    }

    // =====================================================================================
    // timers: end of a bounded input, live silence watchdog

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<PageEvent> out) throws Exception {
        HostAlertState st = hostState.get();
        if (st == null) return;
        String host = ctx.getCurrentKey();
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            if (timestamp != st.watchdogTimerMillis) return;
            long silentMillis = config.silentAfterNanos / 1_000_000L;
            if (timestamp - st.lastArrivalMillis >= silentMillis) {
                st.watchdogTimerMillis = -1; // re-armed by the host's next line
                AlertKey k = key(st, "host_silent:" + host, "host_silent", "error", host, null, null, HOST_STREAM);
                long due = st.lastLineNanos + config.silentAfterNanos;
                k.active = true;
                k.activeSinceNanos = due;
                k.firstSeenNanos = st.lastLineNanos;
                k.lastSeenNanos = st.lastLineNanos;
                k.count++;
                k.threshold = "no qmail-send line for " + Duration.ofNanos(config.silentAfterNanos) + " (wall clock)";
                k.detail = "last line at " + JsonLines.iso(st.lastLineNanos) + " (host clock)";
                evaluate(st, k, due, out);
            } else {
                st.watchdogTimerMillis = st.lastArrivalMillis + silentMillis;
                ctx.timerService().registerProcessingTimeTimer(st.watchdogTimerMillis);
            }
            hostState.set(st);
            return;
        }
        List<MessageAlert> due = new ArrayList<>();
        List<Long> done = new ArrayList<>();
        for (Map.Entry<Long, List<MessageAlert>> e : pending.entries()) {
            if (e.getKey() <= timestamp) {
                due.addAll(e.getValue());
                done.add(e.getKey());
            }
        }
        for (Long k : done) pending.remove(k);
        if (timestamp != Long.MAX_VALUE) {
            // message alerts due, then messages reaching the queue age, then the rules at that host time
            long now = due.isEmpty() ? Long.MIN_VALUE : applyMessageAlerts(st, host, due, ctx.timerService());
            if (queueCrossings(st, timestamp)) now = Math.max(now, timestamp * 1_000_000L);
            if (now == Long.MIN_VALUE) {
                // a timer of the backlog key alone (its hold or resolve delay)
                AlertKey k = queueBacklog(st, host, timestamp * 1_000_000L, ctx.timerService());
                if (k != null) evaluate(st, k, timestamp * 1_000_000L, out);
            } else {
                queueBacklog(st, host, now, ctx.timerService());
                sweep(st, MESSAGE_STREAM, now, out);
            }
            hostState.set(st);
            return;
        }
        if (!due.isEmpty()) sweep(st, MESSAGE_STREAM, applyMessageAlerts(st, host, due, ctx.timerService()), out);
        // end of a bounded input: what still fires is listed, all state goes
        for (AlertKey k : keys.values()) {
            if (k.firing) openAtEnd.add(k.dedupKey);
        }
        if (st.watchdogTimerMillis >= 0) ctx.timerService().deleteProcessingTimeTimer(st.watchdogTimerMillis);
        hostState.clear();
        keys.clear();
        members.clear();
        pending.clear();
        queued.clear();
        aging.clear();
        history.clear();
    }

    // =====================================================================================
    // the per-key state machine

    private AlertKey key(HostAlertState st, String dk, String cls, String severity, String host, String domain,
                         String kind, String stream) throws Exception {
        AlertKey k = keys.get(dk);
        if (k == null) {
            k = new AlertKey();
            k.dedupKey = dk;
            k.alertClass = cls;
            k.severity = severity;
            k.host = host;
            k.domain = domain;
            k.kind = kind;
            k.stream = stream;
            st.keys++;
            store(st, k);
        }
        return k;
    }

    private void activate(HostAlertState st, AlertKey k, long now, String text) throws Exception {
        if (!k.active) {
            k.active = true;
            if (!k.firing) k.activeSinceNanos = now;
        }
        k.count++;
        if (k.firstSeenNanos < 0) k.firstSeenNanos = now;
        k.lastSeenNanos = now;
        k.lastText = text;
        if (k.examples.size() < config.maxExamples && !k.examples.contains(text)) k.examples.add(text);
        store(st, k);
    }

    /** Evaluates every key of one stream at host time {@code now}; drops keys with nothing left to do. */
    /**
     * A rule changed key {@code k} (or made it): it is written, and the next line of its stream
     * sweeps every key of the stream again.
     */
    private void store(HostAlertState st, AlertKey k) throws Exception {
        keys.put(k.dedupKey, k);
        if (MESSAGE_STREAM.equals(k.stream)) st.messageSweepDueNanos = Long.MIN_VALUE;
        else st.hostSweepDueNanos = Long.MIN_VALUE;
    }

    /**
     * Steps every key of {@code stream} to {@code now}. Skipped, without reading the keys, while
     * {@code now} is before the earliest instant at which any of them can change
     * ({@link #nextChange(AlertKey, int)}) and no rule has changed one since the last sweep: a status line, a
     * third of all lines, then costs no read of the keys. A key is written back only if the step
     * changed it.
     */
    private void sweep(HostAlertState st, String stream, long now, Collector<PageEvent> out) throws Exception {
        if (st.keys == 0) return;
        boolean messages = MESSAGE_STREAM.equals(stream);
        if (now < (messages ? st.messageSweepDueNanos : st.hostSweepDueNanos)) return;
        List<AlertKey> touched = new ArrayList<>();
        for (AlertKey k : keys.values()) {
            if (stream.equals(k.stream)) touched.add(k);
        }
        long due = Long.MAX_VALUE;
        for (AlertKey k : touched) {
            if (sweepKey(st, k, now, out)) due = Math.min(due, nextChange(k, config.maxTriggersPerHour));
        }
        if (messages) st.messageSweepDueNanos = due;
        else st.hostSweepDueNanos = due;
    }

    /** A rule changed key {@code k}: it is stepped to {@code now} and written (or dropped). */
    private void evaluate(HostAlertState st, AlertKey k, long now, Collector<PageEvent> out) throws Exception {
        String action = step(k, now, config.maxTriggersPerHour);
        if (action != null) out.collect(page(k, action, now));
        if (idle(k, now)) {
            keys.remove(k.dedupKey);
            st.keys--;
        } else {
            store(st, k);
        }
    }

    /**
     * A sweep steps key {@code k} to {@code now}, writing it only if that changed it; returns
     * whether it is kept (false: dropped, nothing left of it).
     */
    private boolean sweepKey(HostAlertState st, AlertKey k, long now, Collector<PageEvent> out) throws Exception {
        boolean active = k.active;
        boolean firing = k.firing;
        long clearSince = k.clearSinceNanos;
        int triggers = k.triggerTimes.size();
        String action = step(k, now, config.maxTriggersPerHour);
        if (action != null) out.collect(page(k, action, now));
        if (idle(k, now)) {
            keys.remove(k.dedupKey);
            st.keys--;
            return false;
        }
        if (action != null || active != k.active || firing != k.firing || clearSince != k.clearSinceNanos
                || triggers != k.triggerTimes.size()) {
            keys.put(k.dedupKey, k);
        }
        return true;
    }

    /**
     * The earliest host time at which {@link #step} or {@link #idle} can change key {@code k}
     * without a rule touching it (never later than that: an earlier one only costs a sweep): the
     * end of its quiet time; its {@code for} time (if triggers within the hour are at the cap, when
     * enough of them have left the hour); its keep time; for a key with nothing else left, the hour
     * after its last trigger. Triggers that leave the hour are dropped from the key when it is next
     * stepped, which changes nothing it does.
     */
    static long nextChange(AlertKey k, int maxTriggersPerHour) {
        long due = Long.MAX_VALUE;
        List<Long> triggers = k.triggerTimes;
        if (k.active) {
            if (k.quietNanos > 0) due = Math.min(due, Sat.add(k.lastSeenNanos, k.quietNanos));
            if (!k.firing) {
                long at = Sat.add(k.activeSinceNanos, k.forNanos);
                int capped = triggers.size() - maxTriggersPerHour;
                if (capped >= 0) at = Math.max(at, Sat.add(triggers.get(capped), HOUR));
                due = Math.min(due, at);
            }
        } else if (k.firing) {
            due = Math.min(due, Sat.add(k.clearSinceNanos, k.keepNanos));
        } else if (k.openMembers <= 0 && !triggers.isEmpty()) {
            due = Math.min(due, Sat.add(triggers.get(triggers.size() - 1), HOUR));
        }
        return due;
    }

    /**
     * One step of a key's state machine at time {@code now}: returns {@link PageEvent#TRIGGER},
     * {@link PageEvent#RESOLVE} or null, and updates the key.
     */
    static String step(AlertKey k, long now, int maxTriggersPerHour) {
        if (k.active && k.quietNanos > 0 && now - k.lastSeenNanos >= k.quietNanos) {
            k.active = false;
            k.clearSinceNanos = k.lastSeenNanos + k.quietNanos;
        }
        if (k.active && k.firing) {
            k.clearSinceNanos = -1;
        } else if (k.active && now - k.activeSinceNanos >= k.forNanos) {
            Iterator<Long> it = k.triggerTimes.iterator();
            while (it.hasNext()) {
                if (it.next() <= now - HOUR) it.remove();
            }
            if (k.triggerTimes.size() < maxTriggersPerHour) {
                k.triggerTimes.add(now);
                k.firing = true;
                k.clearSinceNanos = -1;
                return PageEvent.TRIGGER;
            }
        } else if (!k.active && k.firing && now - k.clearSinceNanos >= k.keepNanos) {
            k.firing = false;
            return PageEvent.RESOLVE;
        }
        return null;
    }

    /** Nothing left to remember: clear, not firing, no member, no trigger within the hour. */
    static boolean idle(AlertKey k, long now) {
        return !k.active && !k.firing && k.openMembers <= 0
                && (k.triggerTimes.isEmpty() || k.triggerTimes.get(k.triggerTimes.size() - 1) <= now - HOUR);
    }

    static PageEvent page(AlertKey k, String action, long at) {
        PageEvent p = new PageEvent();
        p.eventAction = action;
        p.dedupKey = k.dedupKey;
        p.source = k.host;
        p.severity = k.severity;
        p.timestampNanos = at;
        p.component = "qmail-send";
        p.group = k.host;
        p.alertClass = k.alertClass;
        p.host = k.host;
        p.domain = k.domain;
        p.kind = k.kind;
        p.count = k.count;
        p.threshold = k.threshold;
        if ("stuck_messages".equals(k.alertClass) || "hung_deliveries".equals(k.alertClass)) {
            k.detail = k.openMembers + " still open of " + k.count + " seen since " + JsonLines.iso(k.firstSeenNanos);
        }
        p.firstSeenNanos = k.firstSeenNanos;
        p.lastSeenNanos = k.lastSeenNanos;
        p.examples = new ArrayList<>(k.examples);
        p.detail = k.detail;
        p.summary = summary(k, action, p.count);
        return p;
    }

    static String summary(AlertKey k, String action, long count) {
        String what;
        switch (k.alertClass) {
            case "qmail_alert": what = "qmail-send alert: " + k.kind; break;
            case "qmail_warning": what = "qmail-send warning: " + k.kind + " (" + k.count + "x)"; break;
            case "qmail_crash": what = "qmail-send restarted without exiting (crash)"; break;
            case "queue_saturated": what = k.kind + " deliveries at the concurrency limit"; break;
            case "queue_backlog": what = count + " message" + (count == 1 ? "" : "s") + " queued longer than "
                    + k.kind; break;
            case "stuck_messages": what = count + " message" + (count == 1 ? "" : "s") + " stuck in the queue for "
                    + (k.domain.isEmpty() ? "local recipients" : k.domain); break;
            case "hung_deliveries": what = count + " hung deliver" + (count == 1 ? "y" : "ies") + " to "
                    + (k.domain.isEmpty() ? "local recipients" : k.domain); break;
            case "host_silent": what = "no qmail-send log lines"; break;
            case "domain_trouble": what = "deliveries to " + k.domain + " failing or deferred fleet-wide"; break;
            case "sender_spike": what = "sender <" + k.kind + "> sending far above its baseline"; break;
            default: what = k.alertClass;
        }
        String s = (PageEvent.RESOLVE.equals(action) ? "resolved: " : "") + k.host + ": " + what;
        return s.length() <= 1024 ? s : s.substring(0, 1021) + "...";
    }

    /**
     * The text lower-cased, every run of characters other than {@code [a-z0-9<>]} made one
     * {@code -}, none at either end, at most 120 characters (as
     * {@code replaceAll("[^a-z0-9<>]+", "-").replaceAll("^-|-$", "")} gives, without compiling a
     * pattern per call).
     */
    static String slug(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(lower.length());
        boolean dash = false;
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '<' || c == '>') {
                if (dash && b.length() > 0) b.append('-');
                dash = false;
                b.append(c);
            } else {
                dash = true;
            }
        }
        // (a run at either end is left out)
        return b.length() <= 120 ? b.toString() : b.substring(0, 120);
    }

    static String domainOf(String address) {
        if (address == null) return "";
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /** For tests: the dedup keys this function tracks as firing for the current key. */
    List<String> firingKeys() throws Exception {
        List<String> r = new ArrayList<>();
        for (Map.Entry<String, AlertKey> e : keys.entries()) if (e.getValue().firing) r.add(e.getKey());
        return r;
    }
}
