package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.HostStates.InFlightDelivery;
import io.qmailfleet.job.lifecycle.HostStates.OpenMessage;
import io.qmailfleet.job.lifecycle.HostStates.PendingLink;
import io.qmailfleet.job.lifecycle.HostStates.ReorderBuffer;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import java.util.function.Consumer;

/**
 * Everything the host stage decides, in plain Java: the rules of {@link HostSequencer} without
 * Flink. The operator loads the host's {@link HostState}, calls one of the {@code on...} methods
 * and stores the state back; the tables are views of its keyed state.
 *
 * <p>Per line: {@link LineReorderer} (late or buffered) → released in host order: the host clock
 * advances and {@link DeadlineScanner} runs if a deadline is due → {@link SplitLineJoiner} →
 * {@link RestartDetector}, {@link OpenMessages}, {@link DeliveryMatcher}, {@link LinkResolver}
 * → {@link HostOutput}. At the end: {@link HostEviction}.
 */
public final class HostRules {
    private final LifecycleConfig config;
    final LineReorderer reorderer;
    final SplitLineJoiner joiner;
    final OpenMessages messages;
    final DeliveryMatcher deliveries;
    final LinkResolver links;
    final DeadlineScanner scanner;

    // the call being served (set on entry to every on... method)
    private HostState st;
    private String host;
    private HostOutput out;
    private final Consumer<QmailEvent> releaseFn = this::released;
    private final Consumer<QmailEvent> processFn = this::process;

    public HostRules(LifecycleConfig config, JoinedLineParser parser,
                     StateTable<Long, QmailEvent> fifo, StateSlot<ReorderBuffer> stragglers,
                     StateTable<Long, InFlightDelivery> deliveries, StateTable<Long, OpenMessage> openMessages,
                     StateTable<Long, PendingLink> links, StateTable<Long, Long> openByQp) {
        this.config = config;
        this.reorderer = new LineReorderer(config.maxOutOfOrderNanos, fifo, stragglers);
        this.joiner = new SplitLineJoiner(parser);
        this.messages = new OpenMessages(openMessages, config.stuckAfterNanos);
        this.deliveries = new DeliveryMatcher(deliveries);
        this.links = new LinkResolver(links, openByQp, config.linkTtlNanos);
        this.scanner = new DeadlineScanner(config, this.messages, this.deliveries, this.links);
    }

    /** The rules on in-memory tables (tests, benchmarks): one instance per host. */
    public static HostRules inMemory(LifecycleConfig config, JoinedLineParser parser) {
        return new HostRules(config, parser, StateTable.inMemory(), StateSlot.inMemory(), StateTable.inMemory(),
                StateTable.inMemory(), StateTable.inMemory(), StateTable.inMemory());
    }

    private void bind(HostState st, String host, HostOutput out) {
        this.st = st;
        this.host = host;
        this.out = out;
    }

    /** A line arrives: late, or buffered, releasing whatever is due. */
    public void onLine(HostState st, String host, QmailEvent ev, HostOutput out) {
        bind(st, host, out);
        trackPace(st, ev.tsNanos);
        if (!reorderer.offer(st, ev, releaseFn)) out.late(ev);
        scanner.runDue(st, host, out, settledNanos(st));
    }

    /**
     * Live runs: whether the host's lines arrive at the pace they are logged. The offset log time
     * minus arrival time is steady (up to the delivery jitter) while they do; it rises when lines
     * come faster than they were logged (a backlog being read, a replay) and drops when they come
     * later than before (a stalled shipper, the backlog after a restore). A change of more than the
     * reorder bound breaks the pace, and the wall clock stands in for the host only once a line has
     * arrived at least the bound after the last break.
     */
    private void trackPace(HostState st, long tsNanos) {
        if (config.liveClockCapNanos <= 0) return;
        long offset = Sat.sub(tsNanos, Sat.mul(st.lastActivityMillis, 1_000_000L));
        long tolerance = Math.max(config.maxOutOfOrderNanos, 1_000_000L);
        if (st.paceBaseNanos == Long.MIN_VALUE) {
            st.paceBaseNanos = offset;
        } else if (offset > Sat.add(st.paceBaseNanos, tolerance) || offset < Sat.sub(st.paceBaseNanos, 2 * tolerance)) {
            st.paceBaseNanos = offset;
            st.paceBreakMillis = st.lastActivityMillis;
        }
    }

    /**
     * Whether the wall clock may advance the host now: live input, a line of the host arrived since
     * this operator instance started (after a restore the backlog must come first), and its lines
     * arrive at the pace they are logged (see {@link #trackPace}).
     */
    boolean paced(HostState st, long attemptStartMillis) {
        if (config.liveClockCapNanos <= 0 || st.hostMaxNanos == Long.MIN_VALUE) return false;
        if (st.lastActivityMillis <= attemptStartMillis) return false;
        long confirm = Math.max(1, config.maxOutOfOrderNanos / 1_000_000L);
        return st.paceBreakMillis == Long.MIN_VALUE || st.lastActivityMillis - st.paceBreakMillis >= confirm;
    }

    /**
     * Host time before which every line of the host has been released: no line older than the
     * newest minus the reorder bound (or than a live host's wall-clock horizon) is accepted any
     * more. Deadlines up to it are raised at once, so a check is never behind a watermark already
     * forwarded, and what it sees is exactly the lines before its instant.
     */
    private long settledNanos(HostState st) {
        return Math.max(Sat.sub(st.hostMaxNanos, config.maxOutOfOrderNanos), st.horizonNanos);
    }

    /** The watermark passed {@code watermarkMillis}: release the lines it covers. */
    public void onWatermark(HostState st, String host, long watermarkMillis, HostOutput out) {
        bind(st, host, out);
        reorderer.releaseForWatermark(st, watermarkMillis, releaseFn);
        scanner.runDue(st, host, out, settledNanos(st));
    }

    /**
     * End of a bounded input (FLUSH_OPEN) or a host silent for the idle TTL (EVICT): release
     * everything still held, one event per open message, and drop every table of the host (the
     * caller clears the host state itself).
     */
    public void close(HostState st, String host, EventType kind, HostOutput out) {
        bind(st, host, out);
        reorderer.drain(st, releaseFn);
        joiner.flush(st, processFn, out);
        if (kind == EventType.FLUSH_OPEN && st.clockNanos != Long.MIN_VALUE) {
            // thresholds crossed by the host's last line still alert, at its time
            scanner.runDue(st, host, out, st.clockNanos);
            scanner.scan(st, host, out, st.clockNanos);
        }
        HostEviction.closeOpenMessages(st, host, kind, messages, out);
        reorderer.clear();
        deliveries.clear();
        messages.clear();
        links.clear();
    }

    /**
     * Wall-clock tick of a live run ({@link LifecycleConfig#liveClockCapNanos} > 0): the host has
     * logged nothing for a while. Its log clock has gone on meanwhile, so the host is treated as
     * if it had just logged a line at its newest line's time plus the wall time elapsed since its
     * last line arrived (at most the cap): the lines that such a line would release leave the
     * buffer, and the deadlines the host clock passed are raised, at their own scan instants.
     * From then on a line older than that horizon is late, as it would be after a real line.
     * Only while the host's lines arrive at the pace they are logged ({@link #paced}).
     *
     * @return whether the horizon moved
     */
    public boolean onWallClock(HostState st, String host, long nowMillis, long attemptStartMillis, HostOutput out) {
        if (!paced(st, attemptStartMillis)) return false;
        long h = wallClockHorizon(st, nowMillis);
        if (h == Long.MIN_VALUE) return false;
        boolean moved = h > st.horizonNanos;
        // a line that arrived exactly at the horizon is still due, even if the horizon did not move
        h = Math.max(h, st.horizonNanos);
        bind(st, host, out);
        st.horizonNanos = h;
        reorderer.releaseUpTo(st, h, releaseFn);
        scanner.runDue(st, host, out, h);
        return moved;
    }

    /**
     * The host time up to which a wall-clock tick at {@code nowMillis} may release lines and raise
     * deadlines: newest line + min(wall time since the last line, cap) - reorder bound;
     * Long.MIN_VALUE when the wall clock does not advance host clocks (backfill) or nothing was seen.
     */
    long wallClockHorizon(HostState st, long nowMillis) {
        if (config.liveClockCapNanos <= 0 || st.hostMaxNanos == Long.MIN_VALUE) return Long.MIN_VALUE;
        long elapsedMillis = Math.max(0, nowMillis - st.lastActivityMillis);
        long advance = Math.min(config.liveClockCapNanos, Sat.mul(elapsedMillis, 1_000_000L));
        return Sat.sub(Sat.add(st.hostMaxNanos, advance), config.maxOutOfOrderNanos);
    }

    /**
     * The wall-clock time (ms) at which the next tick has something to do (a waiting line or a
     * deadline is within the horizon then); -1 if none, or if it lies beyond the cap.
     */
    public long nextWallClockMillis(HostState st, long attemptStartMillis) {
        return nextWallClockMillis(st, attemptStartMillis, Long.MAX_VALUE);
    }

    /** The same, with {@code alsoDueNanos} (host time) as something to do too (Long.MAX_VALUE: nothing). */
    public long nextWallClockMillis(HostState st, long attemptStartMillis, long alsoDueNanos) {
        if (!paced(st, attemptStartMillis)) return -1;
        long due = Math.min(scanner.nextInstant(st), alsoDueNanos);
        if (LineReorderer.hasBuffered(st)) due = Math.min(due, LineReorderer.earliestBufferedNanos(st));
        if (due == Long.MAX_VALUE) return -1;
        // horizon >= due  <=>  advance >= due + bound - newest
        long advance = Sat.sub(Sat.add(due, config.maxOutOfOrderNanos), st.hostMaxNanos);
        if (advance > config.liveClockCapNanos) return -1;
        long millis = advance <= 0 ? 0 : (advance + 999_999L) / 1_000_000L;
        return Sat.add(st.lastActivityMillis, millis);
    }

    /** One line leaves the reorder buffer: advance the clock, fire deadlines, join, process. */
    private void released(QmailEvent ev) {
        if (ev.tsNanos > st.clockNanos) st.clockNanos = ev.tsNanos;
        scanner.runDue(st, host, out, st.clockNanos);
        joiner.offer(st, ev, processFn, out);
    }

    /** A complete line in host order. */
    private void process(QmailEvent ev) {
        ev.run = st.run;
        switch (ev.type) {
            case STATUS:
            case STATUS_EXITING:
                if (RestartDetector.observe(st, ev) != RestartDetector.Change.NONE) {
                    deliveries.interruptAll(host, ev.tsNanos, out);
                    if (ev.type == EventType.STATUS) out.restarted();
                }
                out.hostEvent(ev);
                return;
            case WARNING:
            case ALERT:
            case TCP_STATUS:
            case TCP_PID:
            case TCP_OK:
            case TCP_DENY:
            case TCP_END:
            case TCP_WARNING:
            case TCP_FATAL:
            case OTHER_PROGRAM:
            case LOCAL_ENVELOPE:
                out.hostEvent(ev);
                return;
            case NEW_MSG:
            case INFO_MSG:
            case START_DELIVERY:
            case DELIVERY_RESULT:
            case BOUNCE_MSG:
            case TRIPLE_BOUNCE:
            case END_MSG:
                RestartDetector.observe(st, ev);
                if (ev.type == EventType.DELIVERY_RESULT ? ev.deliveryId < 0 : ev.msgId < 0) {
                    out.deadLetter(ev, DeadLetterReason.TRUNCATED, ev.type + " event without its "
                            + (ev.type == EventType.DELIVERY_RESULT ? "delivery id" : "message id"), describe(ev));
                    return;
                }
                if (messageEvent(ev)) out.message(ev);
                return;
            default:
                out.deadLetter(ev, DeadLetterReason.UNRECOGNISED, "event type " + ev.type + " is not an input line",
                        describe(ev));
        }
    }

    /** A qmail-send message line; false if it was dead-lettered instead. */
    private boolean messageEvent(QmailEvent ev) {
        switch (ev.type) {
            case NEW_MSG:
                links.messageGone(ev.msgId, messages.born(st, ev));
                return true;
            case INFO_MSG: {
                OpenMessage m = messages.touch(st, ev);
                m.infoNanos = ev.tsNanos;
                links.infoLogged(ev, m);
                messages.put(ev.msgId, m);
                return true;
            }
            case START_DELIVERY:
                messages.touch(st, ev);
                DeadlineScanner.arm(st, deliveries.started(ev, st.run, config.hungAfterNanos, out));
                return true;
            case DELIVERY_RESULT:
                if (!deliveries.finished(ev)) {
                    out.deadLetter(ev, DeadLetterReason.UNMATCHED_DELIVERY, "delivery " + ev.deliveryId + " (run "
                            + st.run + ") has no starting delivery line in this run; the log probably started mid-stream",
                            describe(ev));
                    return false;
                }
                if (ev.outcome == Outcome.SUCCESS && ev.qp > 0) {
                    DeadlineScanner.arm(st, links.forwardReported(ev, st.run, messages, out));
                }
                return true;
            case BOUNCE_MSG:
                DeadlineScanner.arm(st, links.bounceQueued(ev, messages.touch(st, ev)));
                return true;
            case TRIPLE_BOUNCE:
                messages.touch(st, ev);
                return true;
            case END_MSG:
                links.messageGone(ev.msgId, messages.ended(ev.msgId));
                return true;
            default:
                throw new IllegalStateException("not a message event: " + ev.type);
        }
    }

    static QmailEvent control(EventType type, String host, long msgId, long tsNanos, int run) {
        QmailEvent x = new QmailEvent(host, tsNanos, type);
        x.msgId = msgId;
        x.run = run;
        return x;
    }

    /** A readable rendering of a parsed line for dead letters (the raw text is not kept). */
    static String describe(QmailEvent ev) {
        if (ev.raw != null) return ev.raw;
        if (ev.type == EventType.DELIVERY_RESULT) {
            if (ev.mangled) return "delivery " + ev.deliveryId + ": report mangled, will defer";
            return "delivery " + ev.deliveryId + ": " + (ev.outcome == null ? "?" : ev.outcome.json()) + ": "
                    + (ev.text == null ? "" : ev.text);
        }
        return ev.toString();
    }
}
