package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.HostStates.InFlightDelivery;
import io.qmailfleet.job.lifecycle.HostStates.OpenMessage;
import io.qmailfleet.job.lifecycle.HostStates.PendingLink;
import io.qmailfleet.job.lifecycle.HostStates.ReorderBuffer;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.parse.ParseOutcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Stage A of the life-cycle pipeline: everything that needs the exact per-host order of the
 * qmail-send log. Keyed by host.
 *
 * <h2>Why the order is exact here, and stays exact downstream</h2>
 * qmail-send is one process writing one line at a time, so one host's log is totally ordered.
 * Every line of a host arrives on one subtask of this operator in that order: each host's lines
 * come from one Kafka partition (or one ordered file reader), the parser is a stateless
 * per-record map chained to the source, and {@code keyBy(host)} sends all records of one host
 * from that one upstream subtask over one network channel, and Flink keeps record order per
 * channel. What is left is disorder <em>within</em> the host's log itself (a shipper that
 * re-sends, merged rotated files, syslog relays), which the bounded reorder buffer repairs: lines
 * are released in (log time, arrival sequence) order once the host has logged a line more than
 * {@link LifecycleConfig#maxOutOfOrderNanos} newer, or once the Flink watermark has passed them.
 * A line older than the last released one is late and goes to {@link #LATE} unprocessed.
 *
 * <p>The reorder buffer is an append-only FIFO of in-order lines (a {@code MapState} by queue
 * index, so one line costs one put, one get and one remove whatever the number of lines waiting)
 * plus a small sorted buffer of stragglers, lines older than the newest FIFO line; release merges
 * the two by (log time, arrival sequence). See {@link HostStates}. With a bound of 0 an in-order
 * line passes straight through without touching either.
 *
 * <p>Everything that depends on order is decided here, on the released sequence: joining splogger
 * split lines, qmail-send run (restart) detection, matching {@code delivery <d>:} to its
 * {@code starting delivery <d>:}, bounce/forward links by qp, and timeouts. Downstream, the
 * per-message stage {@link LifecycleBuilder} is keyed by {@code host + " " + msgId}; all events of
 * one (host, message) leave this single subtask in release order over one channel, so they arrive
 * there in host order too, and that stage never needs to sort or to wait.
 *
 * <h2>Host clock</h2>
 * Timeouts run on the host's own log time: the clock is the time of the last released line. Never
 * the wall clock and never the Flink watermark, so a backfill of old logs gives the same alerts as
 * the live run did. Pending deadlines are summarised in one {@code nextDeadlineNanos}; the
 * open-message and in-flight maps are only scanned when the clock reaches it, and then at most
 * once per {@link LifecycleConfig#scanGranularityNanos}, so the per-event path never scans.
 * Deadlines are checked when the clock advances, before the line that advanced it is applied.
 *
 * <h2>Outputs</h2>
 * Main output: message events (lines with a message id, enriched with {@code run},
 * {@code startNanos}, link fields) and the control events DELIVERY_INTERRUPTED, STUCK_CHECK,
 * HUNG_CHECK, FLUSH_OPEN, EVICT, LINK. Side outputs: {@link #HOST_EVENTS} (status, warning,
 * alert, tcpserver and other-program lines, after use), {@link #LATE}, {@link #DEAD_LETTERS}.
 */
public class HostSequencer extends KeyedProcessFunction<String, QmailEvent, QmailEvent> {
    private static final long serialVersionUID = 1L;

    /** Lines older than the last released line of their host (beyond the reorder bound). */
    public static final OutputTag<QmailEvent> LATE =
            new OutputTag<>("late-lines", TypeInformation.of(QmailEvent.class));
    /** Host-level lines: status, warning, alert, tcpserver and other programs' lines. */
    public static final OutputTag<QmailEvent> HOST_EVENTS =
            new OutputTag<>("host-events", TypeInformation.of(QmailEvent.class));
    /** Orphan continuations, unmatched delivery results, unparseable joined split lines. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("host-dead-letters", TypeInformation.of(DeadLetter.class));

    static final String STAGE = "host";
    static final String KIND_BOUNCE = "bounce";
    static final String KIND_FORWARD = "forward";

    private final LifecycleConfig config;
    private final JoinedLineParser.Factory parserFactory;

    private transient ValueState<HostState> hostState;
    /** Stragglers: lines older than the newest FIFO line, sorted (normally empty). */
    private transient ValueState<ReorderBuffer> buffer;
    /** In-order waiting lines by per-host queue index ({@link HostState#fifoHead} ..). */
    private transient MapState<Long, QmailEvent> fifo;
    private transient MapState<Long, InFlightDelivery> deliveries;
    private transient MapState<Long, OpenMessage> openMessages;
    private transient MapState<Long, PendingLink> links;
    private transient MapState<Long, Long> openByQp;
    private transient JoinedLineParser parser;

    private transient Counter lateLines;
    private transient Counter deadLetters;
    private transient Counter interruptedDeliveries;
    private transient Counter evictedMessages;
    private transient Counter restarts;
    private transient Counter joinedSplitLines;

    public HostSequencer() {
        this(new LifecycleConfig());
    }

    public HostSequencer(LifecycleConfig config) {
        this(config, JoinedLineParser.qmailLineParser());
    }

    public HostSequencer(LifecycleConfig config, JoinedLineParser.Factory parserFactory) {
        this.config = config.validate();
        this.parserFactory = parserFactory;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        hostState = getRuntimeContext().getState(
                new ValueStateDescriptor<>("host", TypeInformation.of(HostState.class)));
        buffer = getRuntimeContext().getState(
                new ValueStateDescriptor<>("reorder", TypeInformation.of(ReorderBuffer.class)));
        fifo = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "fifo", Types.LONG, TypeInformation.of(QmailEvent.class)));
        deliveries = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "deliveries", Types.LONG, TypeInformation.of(InFlightDelivery.class)));
        openMessages = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "openMessages", Types.LONG, TypeInformation.of(OpenMessage.class)));
        links = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "links", Types.LONG, TypeInformation.of(PendingLink.class)));
        openByQp = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("openByQp", Types.LONG, Types.LONG));
        parser = parserFactory.create(config.parser);
        var metrics = getRuntimeContext().getMetricGroup();
        lateLines = metrics.counter("lateLines");
        deadLetters = metrics.counter("hostDeadLetters");
        interruptedDeliveries = metrics.counter("interruptedDeliveries");
        evictedMessages = metrics.counter("evictedMessages");
        restarts = metrics.counter("qmailSendStartups");
        joinedSplitLines = metrics.counter("joinedSplitLines");
    }

    // =====================================================================================
    // arrival and reordering

    @Override
    public void processElement(QmailEvent ev, Context ctx, Collector<QmailEvent> out) throws Exception {
        HostState st = hostState.value();
        if (st == null) st = new HostState();
        long now = ctx.timerService().currentProcessingTime();
        st.lastActivityMillis = now;
        if (!st.flushTimerSet) {
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            st.flushTimerSet = true;
        }
        if (st.idleTimerMillis < 0) {
            st.idleTimerMillis = satAdd(now, config.hostIdleTtlMillis);
            ctx.timerService().registerProcessingTimeTimer(st.idleTimerMillis);
        }
        if (ev.host == null) ev.host = ctx.getCurrentKey();
        ev.seq = st.nextSeq++;

        if (ev.tsNanos < st.clockNanos) {
            lateLines.inc();
            ctx.output(LATE, ev);
            hostState.update(st);
            return;
        }
        if (ev.tsNanos > st.hostMaxNanos) st.hostMaxNanos = ev.tsNanos;
        long releasable = satSub(st.hostMaxNanos, config.maxOutOfOrderNanos);
        Emit em = new Emit(ctx, out);
        boolean fifoEmpty = st.fifoHead == st.fifoTail;
        if (fifoEmpty && st.buffered == 0 && ev.tsNanos <= releasable) {
            release(st, ev, em); // fast path: in order, nothing waiting; no state touched
        } else if (fifoEmpty || ev.tsNanos >= st.fifoTailTs) {
            // in order: append to the FIFO (one put)
            if (fifoEmpty) st.fifoHeadTs = ev.tsNanos;
            fifo.put(st.fifoTail, ev.copy());
            st.fifoTail++;
            st.fifoTailTs = ev.tsNanos;
            releaseBuffered(st, null, releasable, em);
        } else {
            // older than the newest FIFO line: a straggler
            ReorderBuffer b = st.buffered > 0 ? buffer.value() : null;
            if (b == null) b = new ReorderBuffer();
            b.insert(ev.copy());
            st.buffered = b.events.size();
            st.stragglersHeadTs = b.events.get(0).tsNanos;
            releaseBuffered(st, b, releasable, em);
        }
        hostState.update(st);
    }

    /** Whether any line waits in the reorder buffer (FIFO or stragglers). */
    private static boolean hasBuffered(HostState st) {
        return st.fifoHead != st.fifoTail || st.buffered > 0;
    }

    /**
     * Releases every buffered line with ts <= upToNanos in (ts, seq) order, merging the FIFO and
     * the stragglers, and re-arms the buffer timer for the earliest line still waiting.
     *
     * @param stragglers the stragglers buffer if the caller has read (and changed) it, else null:
     *                   it is then read only if a straggler is due
     */
    private void releaseBuffered(HostState st, ReorderBuffer stragglers, long upToNanos, Emit em)
            throws Exception {
        ReorderBuffer sb = stragglers;
        boolean sbChanged = sb != null;
        int si = 0; // stragglers released so far: sb.events[si] is the head
        QmailEvent fifoHeadEv = null; // the FIFO head once read
        while (true) {
            boolean fifoDue = st.fifoHead != st.fifoTail && st.fifoHeadTs <= upToNanos;
            boolean strDue = st.buffered > 0 && st.stragglersHeadTs <= upToNanos;
            if (!fifoDue && !strDue) break;
            if (strDue && sb == null) {
                sb = buffer.value();
                if (sb == null) sb = new ReorderBuffer();
                st.buffered = sb.events.size();
                if (st.buffered > 0) st.stragglersHeadTs = sb.events.get(0).tsNanos;
                continue; // the head time is exact now (it may be unknown after a restore)
            }
            boolean takeFifo;
            if (!strDue) {
                takeFifo = true;
            } else if (!fifoDue) {
                takeFifo = false;
            } else if (st.fifoHeadTs != st.stragglersHeadTs) {
                takeFifo = st.fifoHeadTs < st.stragglersHeadTs;
            } else {
                if (fifoHeadEv == null) fifoHeadEv = fifo.get(st.fifoHead);
                takeFifo = fifoHeadEv.seq < sb.events.get(si).seq;
            }
            QmailEvent next;
            if (takeFifo) {
                next = fifoHeadEv != null ? fifoHeadEv : fifo.get(st.fifoHead);
                fifo.remove(st.fifoHead);
                st.fifoHead++;
                fifoHeadEv = null;
                if (st.fifoHead != st.fifoTail) {
                    fifoHeadEv = fifo.get(st.fifoHead); // its time is kept in the host state
                    st.fifoHeadTs = fifoHeadEv.tsNanos;
                }
            } else {
                next = sb.events.get(si++);
                sbChanged = true;
                st.buffered--;
                if (st.buffered > 0) st.stragglersHeadTs = sb.events.get(si).tsNanos;
            }
            release(st, next, em);
        }
        if (sbChanged) {
            if (si > 0) sb.events.subList(0, si).clear();
            if (sb.events.isEmpty()) buffer.clear(); else buffer.update(sb);
        }
        if (st.buffered == 0) st.stragglersHeadTs = Long.MIN_VALUE;

        if (!hasBuffered(st)) {
            if (st.bufferTimerMillis >= 0) {
                em.ctx.timerService().deleteEventTimeTimer(st.bufferTimerMillis);
                st.bufferTimerMillis = -1;
            }
        } else {
            long earliest = st.fifoHead != st.fifoTail ? st.fifoHeadTs : Long.MAX_VALUE;
            if (st.buffered > 0) earliest = Math.min(earliest, st.stragglersHeadTs);
            long want = Math.floorDiv(earliest, 1_000_000L);
            if (want != st.bufferTimerMillis) {
                if (st.bufferTimerMillis >= 0) em.ctx.timerService().deleteEventTimeTimer(st.bufferTimerMillis);
                em.ctx.timerService().registerEventTimeTimer(want);
                st.bufferTimerMillis = want;
            }
        }
    }

    /** Releases the whole buffer (end of input, idle host). */
    private void drainBuffer(HostState st, Emit em) throws Exception {
        if (hasBuffered(st)) releaseBuffered(st, null, Long.MAX_VALUE, em);
    }

    /** One line leaves the reorder buffer: advance the clock, fire deadlines, join, process. */
    private void release(HostState st, QmailEvent ev, Emit em) throws Exception {
        if (ev.tsNanos > st.clockNanos) st.clockNanos = ev.tsNanos;
        if (st.clockNanos >= st.nextDeadlineNanos) scan(st, em, false);

        if (st.splitHead != null) {
            if (ev.type == EventType.CONTINUATION && ev.tsNanos == st.splitHead.tsNanos) {
                st.splitHead.raw = (st.splitHead.raw == null ? "" : st.splitHead.raw)
                        + (ev.raw == null ? "" : ev.raw);
                return;
            }
            completeSplit(st, em);
        }
        switch (ev.type) {
            case SPLIT_HEAD:
                st.splitHead = ev.copy();
                return;
            case CONTINUATION:
                deadLetter(em, ev, DeadLetterReason.ORPHAN_CONTINUATION,
                        "splogger continuation with no first part before it (same stamp) on this host",
                        ev.raw);
                return;
            default:
                process(st, ev, em);
        }
    }

    private void completeSplit(HostState st, Emit em) throws Exception {
        QmailEvent head = st.splitHead;
        st.splitHead = null;
        if (head == null) return;
        ParseOutcome o;
        try {
            o = parser.parseJoined(head);
        } catch (RuntimeException e) {
            o = null;
            deadLetter(em, head, DeadLetterReason.UNRECOGNISED,
                    "parser failed on a joined splogger line: " + e, head.raw);
        }
        if (o == null) return;
        if (o.ok()) {
            joinedSplitLines.inc();
            QmailEvent j = o.event;
            if (j.host == null) j.host = head.host;
            j.seq = head.seq;
            if (j.type == EventType.SPLIT_HEAD || j.type == EventType.CONTINUATION) {
                deadLetter(em, head, DeadLetterReason.UNRECOGNISED,
                        "joined splogger line parsed as " + j.type, head.raw);
                return;
            }
            process(st, j, em);
        } else if (o.deadLetter != null) {
            deadLetters.inc();
            em.ctx.output(DEAD_LETTERS, o.deadLetter);
        }
    }

    // =====================================================================================
    // processing of released lines, in host order

    private void process(HostState st, QmailEvent ev, Emit em) throws Exception {
        ev.run = st.run;
        switch (ev.type) {
            case STATUS: {
                boolean startup = st.lastQsendType != EventType.START_DELIVERY
                        && st.lastQsendType != EventType.DELIVERY_RESULT
                        && ev.localUsed <= 0 && ev.remoteUsed <= 0 && !ev.exitasap;
                if (startup) {
                    interruptAll(st, ev.tsNanos, em);
                    st.run++;
                    st.runEnded = false;
                    restarts.inc();
                    ev.run = st.run;
                }
                st.lastQsendType = ev.type;
                em.ctx.output(HOST_EVENTS, ev);
                return;
            }
            case STATUS_EXITING:
                interruptAll(st, ev.tsNanos, em);
                st.runEnded = true;
                st.lastQsendType = ev.type;
                em.ctx.output(HOST_EVENTS, ev);
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
                em.ctx.output(HOST_EVENTS, ev);
                return;
            case NEW_MSG:
            case INFO_MSG:
            case START_DELIVERY:
            case DELIVERY_RESULT:
            case BOUNCE_MSG:
            case TRIPLE_BOUNCE:
            case END_MSG:
                st.lastQsendType = ev.type;
                if (ev.type == EventType.DELIVERY_RESULT ? ev.deliveryId < 0 : ev.msgId < 0) {
                    deadLetter(em, ev, DeadLetterReason.TRUNCATED,
                            ev.type + " event without its " + (ev.type == EventType.DELIVERY_RESULT
                                    ? "delivery id" : "message id"), describe(ev));
                    return;
                }
                processMessageEvent(st, ev, em);
                return;
            default:
                deadLetter(em, ev, DeadLetterReason.UNRECOGNISED,
                        "event type " + ev.type + " is not an input line", describe(ev));
        }
    }

    private void processMessageEvent(HostState st, QmailEvent ev, Emit em) throws Exception {
        switch (ev.type) {
            case NEW_MSG: {
                OpenMessage old = openMessages.get(ev.msgId);
                if (old != null && old.qp >= 0) dropQpIndex(old.qp, ev.msgId);
                OpenMessage m = new OpenMessage();
                m.birthNanos = ev.tsNanos;
                m.sinceNanos = ev.tsNanos;
                openMessages.put(ev.msgId, m);
                arm(st, satAdd(m.sinceNanos, config.stuckAfterNanos));
                break;
            }
            case INFO_MSG: {
                OpenMessage m = touch(st, ev);
                m.infoNanos = ev.tsNanos;
                boolean linked = false;
                if (ev.qp > 0) {
                    PendingLink l = links.get(ev.qp);
                    if (l != null) {
                        links.remove(ev.qp);
                        if (l.msgId != ev.msgId && ev.tsNanos - l.createdNanos <= config.linkTtlNanos) {
                            ev.linkKind = l.kind;
                            ev.linkMsgId = l.msgId;
                            ev.linkBirthNanos = l.birthNanos;
                            ev.linkRecipient = l.recipient;
                            linked = true;
                        }
                    }
                    if (!linked) {
                        // may be a forwarded copy whose forward report is still to come
                        if (m.qp >= 0 && m.qp != ev.qp) dropQpIndex(m.qp, ev.msgId);
                        openByQp.put(ev.qp, ev.msgId);
                        m.qp = ev.qp;
                    }
                }
                openMessages.put(ev.msgId, m);
                break;
            }
            case START_DELIVERY: {
                touch(st, ev);
                InFlightDelivery prev = deliveries.get(ev.deliveryId);
                if (prev != null) {
                    // same id twice in one run: a restart we could not see; the old one never ended
                    emitInterrupted(em, ev.host, ev.deliveryId, prev, ev.tsNanos);
                }
                InFlightDelivery f = new InFlightDelivery();
                f.msgId = ev.msgId;
                f.channel = ev.channel;
                f.recipient = ev.address;
                f.startNanos = ev.tsNanos;
                f.run = st.run;
                deliveries.put(ev.deliveryId, f);
                arm(st, satAdd(f.startNanos, config.hungAfterNanos));
                break;
            }
            case DELIVERY_RESULT: {
                InFlightDelivery f = deliveries.get(ev.deliveryId);
                if (f == null) {
                    deadLetter(em, ev, DeadLetterReason.UNMATCHED_DELIVERY,
                            "delivery " + ev.deliveryId + " (run " + st.run + ") has no starting delivery "
                                    + "line in this run; the log probably started mid-stream",
                            describe(ev));
                    return;
                }
                deliveries.remove(ev.deliveryId);
                ev.msgId = f.msgId;
                ev.channel = f.channel;
                ev.address = f.recipient;
                ev.startNanos = f.startNanos;
                ev.run = f.run;
                if (ev.outcome == Outcome.SUCCESS && ev.qp > 0) forwardReported(st, ev, em);
                break;
            }
            case BOUNCE_MSG: {
                OpenMessage m = touch(st, ev);
                if (ev.qp > 0) {
                    PendingLink l = new PendingLink();
                    l.kind = KIND_BOUNCE;
                    l.msgId = ev.msgId;
                    l.birthNanos = m.birthNanos;
                    l.createdNanos = ev.tsNanos;
                    links.put(ev.qp, l);
                    arm(st, satAdd(ev.tsNanos, config.linkTtlNanos));
                }
                break;
            }
            case TRIPLE_BOUNCE:
                touch(st, ev);
                break;
            case END_MSG: {
                OpenMessage m = openMessages.get(ev.msgId);
                if (m != null) {
                    openMessages.remove(ev.msgId);
                    if (m.qp >= 0) dropQpIndex(m.qp, ev.msgId);
                }
                break;
            }
            default:
                throw new IllegalStateException("not a message event: " + ev.type);
        }
        em.out.collect(ev);
    }

    /**
     * A local delivery forwarded a copy ({@code did_0+1+0/qp_<qp>/}). The copy's {@code info msg}
     * usually came first (qmail-local reports after qmail-queue has finished): then tell the copy
     * with a LINK event. Otherwise remember the qp for the copy's {@code info msg}.
     */
    private void forwardReported(HostState st, QmailEvent ev, Emit em) throws Exception {
        OpenMessage orig = openMessages.get(ev.msgId);
        long origBirth = orig == null ? -1 : orig.birthNanos;
        Long copyId = openByQp.get(ev.qp);
        if (copyId != null && copyId != ev.msgId) {
            OpenMessage copy = openMessages.get(copyId);
            if (copy != null && copy.qp == ev.qp && ev.tsNanos - copy.infoNanos <= config.linkTtlNanos) {
                openByQp.remove(ev.qp);
                copy.qp = -1;
                openMessages.put(copyId, copy);
                QmailEvent link = control(EventType.LINK, ev.host, copyId, ev.tsNanos, st.run);
                link.qp = ev.qp;
                link.linkKind = KIND_FORWARD;
                link.linkMsgId = ev.msgId;
                link.linkBirthNanos = origBirth;
                link.linkRecipient = ev.address;
                em.out.collect(link);
                return;
            }
        }
        PendingLink l = new PendingLink();
        l.kind = KIND_FORWARD;
        l.msgId = ev.msgId;
        l.birthNanos = origBirth;
        l.recipient = ev.address;
        l.createdNanos = ev.tsNanos;
        links.put(ev.qp, l);
        arm(st, satAdd(ev.tsNanos, config.linkTtlNanos));
    }

    /** The open-message entry of the event's message, created (birth unknown) if not open yet. */
    private OpenMessage touch(HostState st, QmailEvent ev) throws Exception {
        OpenMessage m = openMessages.get(ev.msgId);
        if (m == null) {
            m = new OpenMessage();
            m.sinceNanos = ev.tsNanos;
            openMessages.put(ev.msgId, m);
            arm(st, satAdd(m.sinceNanos, config.stuckAfterNanos));
        }
        return m;
    }

    private void dropQpIndex(long qp, long msgId) throws Exception {
        Long v = openByQp.get(qp);
        if (v != null && v == msgId) openByQp.remove(qp);
    }

    /** qmail-send exited or restarted: every delivery in flight is over, without a result. */
    private void interruptAll(HostState st, long nowNanos, Emit em) throws Exception {
        if (deliveries.isEmpty()) return;
        String host = em.ctx.getCurrentKey();
        for (Map.Entry<Long, InFlightDelivery> e : deliveries.entries()) {
            emitInterrupted(em, host, e.getKey(), e.getValue(), nowNanos);
        }
        deliveries.clear();
    }

    private void emitInterrupted(Emit em, String host, long deliveryId, InFlightDelivery f, long nowNanos) {
        QmailEvent x = control(EventType.DELIVERY_INTERRUPTED, host, f.msgId, nowNanos, f.run);
        x.deliveryId = deliveryId;
        x.startNanos = f.startNanos;
        x.channel = f.channel;
        x.address = f.recipient;
        x.outcome = Outcome.INTERRUPTED;
        interruptedDeliveries.inc();
        em.out.collect(x);
    }

    // =====================================================================================
    // deadlines on the host clock

    private static void arm(HostState st, long deadline) {
        if (deadline < st.nextDeadlineNanos) st.nextDeadlineNanos = deadline;
    }

    /**
     * Scans open messages, in-flight deliveries and pending links at the host clock: STUCK_CHECK
     * and HUNG_CHECK once each, EVICT past the maximum open age, expired links dropped. Recomputes
     * the next deadline (not before clock + scan granularity unless {@code exact}).
     */
    private void scan(HostState st, Emit em, boolean exact) throws Exception {
        long now = st.clockNanos;
        long next = Long.MAX_VALUE;
        String host = em.ctx.getCurrentKey();
        Set<Long> evicted = null;
        List<Long> qpToDrop = null;

        Iterator<Map.Entry<Long, OpenMessage>> mi = openMessages.iterator();
        while (mi.hasNext()) {
            Map.Entry<Long, OpenMessage> e = mi.next();
            OpenMessage m = e.getValue();
            long age = now - m.sinceNanos;
            if (age >= config.maxOpenAgeNanos) {
                QmailEvent x = control(EventType.EVICT, host, e.getKey(), now, st.run);
                x.startNanos = m.sinceNanos;
                x.text = "open longer than the maximum open age";
                em.out.collect(x);
                evictedMessages.inc();
                mi.remove();
                if (evicted == null) evicted = new HashSet<>();
                evicted.add(e.getKey());
                if (m.qp >= 0) {
                    if (qpToDrop == null) qpToDrop = new ArrayList<>();
                    qpToDrop.add(m.qp);
                    qpToDrop.add(e.getKey());
                }
                continue;
            }
            if (!m.stuckReported && age >= config.stuckAfterNanos) {
                QmailEvent x = control(EventType.STUCK_CHECK, host, e.getKey(), now, st.run);
                x.startNanos = m.sinceNanos;
                em.out.collect(x);
                m.stuckReported = true;
                e.setValue(m);
            }
            next = Math.min(next, satAdd(m.sinceNanos,
                    m.stuckReported ? config.maxOpenAgeNanos : config.stuckAfterNanos));
        }
        if (qpToDrop != null) {
            for (int i = 0; i < qpToDrop.size(); i += 2) dropQpIndex(qpToDrop.get(i), qpToDrop.get(i + 1));
        }

        Iterator<Map.Entry<Long, InFlightDelivery>> di = deliveries.iterator();
        while (di.hasNext()) {
            Map.Entry<Long, InFlightDelivery> e = di.next();
            InFlightDelivery f = e.getValue();
            long age = now - f.startNanos;
            if ((evicted != null && evicted.contains(f.msgId)) || age >= config.maxOpenAgeNanos) {
                di.remove();
                continue;
            }
            if (!f.hungReported && age >= config.hungAfterNanos) {
                QmailEvent x = control(EventType.HUNG_CHECK, host, f.msgId, now, f.run);
                x.deliveryId = e.getKey();
                x.startNanos = f.startNanos;
                x.channel = f.channel;
                x.address = f.recipient;
                em.out.collect(x);
                f.hungReported = true;
                e.setValue(f);
            }
            next = Math.min(next, satAdd(f.startNanos,
                    f.hungReported ? config.maxOpenAgeNanos : config.hungAfterNanos));
        }

        Iterator<Map.Entry<Long, PendingLink>> li = links.iterator();
        while (li.hasNext()) {
            PendingLink l = li.next().getValue();
            if (now - l.createdNanos >= config.linkTtlNanos) {
                li.remove();
            } else {
                next = Math.min(next, satAdd(l.createdNanos, config.linkTtlNanos));
            }
        }
        // entries removed through an iterator leave an empty map behind in heap state: drop it
        if (openMessages.isEmpty()) openMessages.clear();
        if (deliveries.isEmpty()) deliveries.clear();
        if (links.isEmpty()) links.clear();
        st.nextDeadlineNanos = (exact || next == Long.MAX_VALUE)
                ? next : Math.max(next, satAdd(now, config.scanGranularityNanos));
    }

    // =====================================================================================
    // timers: reorder tail, end of input, idle host

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<QmailEvent> out) throws Exception {
        HostState st = hostState.value();
        if (st == null) return;
        Emit em = new Emit(ctx, out);
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            if (timestamp != st.idleTimerMillis) return;
            long idleUntil = satAdd(st.lastActivityMillis, config.hostIdleTtlMillis);
            if (timestamp >= idleUntil) {
                st.idleTimerMillis = -1;
                closeHost(st, em, EventType.EVICT);
            } else {
                st.idleTimerMillis = idleUntil; // re-arm lazily: one timer per host at a time
                ctx.timerService().registerProcessingTimeTimer(idleUntil);
                hostState.update(st);
            }
            return;
        }
        long wm = ctx.timerService().currentWatermark();
        if (timestamp == Long.MAX_VALUE || wm == Long.MAX_VALUE) {
            st.flushTimerSet = timestamp != Long.MAX_VALUE && st.flushTimerSet;
            closeHost(st, em, EventType.FLUSH_OPEN);
            return;
        }
        if (timestamp == st.bufferTimerMillis) st.bufferTimerMillis = -1;
        if (hasBuffered(st)) {
            // the watermark promises no more lines at or before it: release them
            long wmLimit = wm >= Long.MAX_VALUE / 1_000_000L - 1 ? Long.MAX_VALUE : (wm + 1) * 1_000_000L - 1;
            long limit = Math.max(wmLimit, satSub(st.hostMaxNanos, config.maxOutOfOrderNanos));
            releaseBuffered(st, null, limit, em);
        }
        hostState.update(st);
    }

    /**
     * End of bounded input (FLUSH_OPEN) or a host silent for the idle TTL (EVICT): release
     * everything still held, emit one event per open message and drop all state of the host.
     */
    private void closeHost(HostState st, Emit em, EventType kind) throws Exception {
        drainBuffer(st, em);
        completeSplit(st, em);
        String host = em.ctx.getCurrentKey();
        if (kind == EventType.FLUSH_OPEN && st.clockNanos != Long.MIN_VALUE) {
            scan(st, em, true); // thresholds crossed by the host's last line still alert
        }
        for (Map.Entry<Long, OpenMessage> e : openMessages.entries()) {
            QmailEvent x = control(kind, host, e.getKey(), st.clockNanos, st.run);
            x.startNanos = e.getValue().sinceNanos;
            if (kind == EventType.EVICT) {
                x.text = "host silent for the idle TTL";
                evictedMessages.inc();
            }
            em.out.collect(x);
        }
        var ts = em.ctx.timerService();
        if (st.idleTimerMillis >= 0) ts.deleteProcessingTimeTimer(st.idleTimerMillis);
        if (st.bufferTimerMillis >= 0) ts.deleteEventTimeTimer(st.bufferTimerMillis);
        if (st.flushTimerSet) ts.deleteEventTimeTimer(Long.MAX_VALUE);
        hostState.clear();
        buffer.clear();
        fifo.clear();
        deliveries.clear();
        openMessages.clear();
        links.clear();
        openByQp.clear();
    }

    // =====================================================================================
    // helpers

    private static QmailEvent control(EventType type, String host, long msgId, long tsNanos, int run) {
        QmailEvent x = new QmailEvent(host, tsNanos, type);
        x.msgId = msgId;
        x.run = run;
        return x;
    }

    private void deadLetter(Emit em, QmailEvent ev, DeadLetterReason reason, String detail, String raw) {
        DeadLetter d = DeadLetter.of(STAGE, reason, detail, raw, ev.host, ev.origin, ev.position);
        d.tsNanos = ev.tsNanos;
        deadLetters.inc();
        em.ctx.output(DEAD_LETTERS, d);
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

    static long satAdd(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        return r;
    }

    static long satSub(long a, long b) {
        long r = a - b;
        if (((a ^ b) & (a ^ r)) < 0) return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        return r;
    }

    /** The context and collector of the current call. */
    private static final class Emit {
        final Context ctx;
        final Collector<QmailEvent> out;

        Emit(Context ctx, Collector<QmailEvent> out) {
            this.ctx = ctx;
            this.out = out;
        }
    }
}
