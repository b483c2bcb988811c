package io.qmailfleet.job.trace;

import io.qmailfleet.job.model.LifecycleRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.SimpleTimerService;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;

/**
 * Joins relay offers (input 1) with receptions (input 2), keyed by the receiver's qmail-queue pid
 * {@code P}. Either side may come first (the hosts' lines travel separately, and the two inputs of
 * this operator are not ordered with respect to each other), so both wait in keyed state.
 *
 * <p><b>Candidates.</b> An offer and a reception are candidates when the reception's
 * {@code info msg} time, on the receiver's own clock, lies within {@link RelayConfig#toleranceNanos}
 * of the offer's {@code T} (also the receiver's clock: the sender's clock is never compared), they
 * are not the same life cycle, and, with a fleet map, the reception is on the host the offer's IP
 * (or recipient domain) maps to.
 *
 * <p><b>Linking.</b> A new element whose only candidate is free (unpaired, not ambiguous, no other
 * candidate of its own) is <i>paired</i> with it. The pair settles for
 * {@link RelayConfig#settleMillis} of processing time (or until the input ends) and is then written
 * as a link, and both leave the state. An element with two or more candidates, or whose candidate is
 * already paired or ambiguous, makes itself, its candidates and their partners and rivals
 * <i>ambiguous</i>: they are never linked (a wrong link is worse than none), and each offer that
 * becomes ambiguous is counted ({@value #ACC_AMBIGUOUS}). A rival that arrives after a pair was
 * written cannot undo it: without a fleet map, the same pid in the same second on two receivers is
 * only caught when both receivers' lines come before the settle time ends; {@code --fleet-map}
 * removes the case.
 *
 * <p><b>Bound.</b> An element that finds no partner waits {@link RelayConfig#bufferMillis} of
 * processing time; then a timer drops it and counts it ({@value #ACC_OFFERS_EXPIRED},
 * {@value #ACC_RECEPTIONS_EXPIRED}): a receiver outside the job, mail from outside the fleet. At the
 * end of a bounded input (the watermark at the end of time) pairs are written and the rest is dropped
 * and counted: {@link Operator} does it for every key that holds anything ({@link #endOfInput}), so
 * no key sets a timer for it. State per key: the waiting offers and receptions; timers: one per
 * distinct expiry second or settle time.
 *
 * <p><b>Memory.</b> A waiting element is kept in its compact form ({@link RelayOffer#pack},
 * {@link RelayReception#pack}): what matching reads (qp, identities, times) as fields and its life
 * cycle as serialized bytes, decoded only when a link is written. A backfill reads faster than the
 * processing-time bound lets anything go, so on the heap backend {@link Operator} also bounds how
 * many wait ({@link RelayConfig#maxWaiting}): past it, those that arrived first are dropped
 * ({@value #ACC_OVER_BOUND}).
 */
public class RelayLinker extends KeyedCoProcessFunction<Long, RelayOffer, RelayReception, RelayMatch> {
    private static final long serialVersionUID = 1L;

    public static final String ACC_LINKS = "relay-links";
    public static final String ACC_AMBIGUOUS = "relay-ambiguous";
    public static final String ACC_OFFERS_EXPIRED = "relay-offers-unlinked";
    public static final String ACC_RECEPTIONS_EXPIRED = "relay-receptions-unlinked";
    /** Offers and receptions dropped unlinked because more than {@link RelayConfig#maxWaiting} waited (also in the two above). */
    public static final String ACC_OVER_BOUND = "relay-dropped-over-bound";
    private static final long END_OF_INPUT = Long.MAX_VALUE;

    private final RelayConfig cfg;
    private transient ListState<RelayOffer> offers;
    private transient ListState<RelayReception> receptions;
    private transient LongCounter links;
    private transient LongCounter ambiguous;
    private transient LongCounter offersExpired;
    private transient LongCounter receptionsExpired;
    private transient LongCounter overBound;
    /** Offers and receptions waiting in this subtask's state. */
    private transient long waiting;
    /** The state was restored: it may hold the end-of-input timers an earlier version set per key. */
    private transient boolean restored;
    private transient Counter linkMetric;
    private transient Counter ambiguousMetric;

    public RelayLinker(RelayConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void open(OpenContext ctx) {
        offers = getRuntimeContext().getListState(new ListStateDescriptor<>("relay-offers", RelayOffer.class));
        receptions = getRuntimeContext().getListState(new ListStateDescriptor<>("relay-receptions", RelayReception.class));
        links = new LongCounter();
        ambiguous = new LongCounter();
        offersExpired = new LongCounter();
        receptionsExpired = new LongCounter();
        overBound = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_LINKS, links);
        getRuntimeContext().addAccumulator(ACC_AMBIGUOUS, ambiguous);
        getRuntimeContext().addAccumulator(ACC_OFFERS_EXPIRED, offersExpired);
        getRuntimeContext().addAccumulator(ACC_RECEPTIONS_EXPIRED, receptionsExpired);
        getRuntimeContext().addAccumulator(ACC_OVER_BOUND, overBound);
        linkMetric = getRuntimeContext().getMetricGroup().counter(ACC_LINKS);
        ambiguousMetric = getRuntimeContext().getMetricGroup().counter(ACC_AMBIGUOUS);
    }

    /**
     * Whether a reception can be the message an offer handed over. Only the identities and times of
     * the compact forms are read (either is packed first if it is not: {@link RelayOffer#pack},
     * {@link RelayReception#pack}).
     */
    public static boolean candidates(RelayOffer o, RelayReception r, RelayConfig cfg) {
        o.pack(null);
        r.pack();
        if (o.qp != r.qp || !r.hasReceiver() || r.infoNanos < 0 || o.reportedSeconds < 0) return false;
        if (o.hasSender() && Objects.equals(o.senderHost, r.host) && o.senderMsgId == r.msgId
                && o.senderNewNanos == r.newNanos) {
            return false;
        }
        if (!cfg.fleetMap.isEmpty()) {
            String mapped = cfg.mappedHost(o.remoteIp, o.recipientDomain);
            if (mapped == null || !mapped.equals(r.host)) return false;
        }
        long t = o.reportedSeconds * 1_000_000_000L;
        return r.infoNanos >= t - cfg.toleranceNanos && r.infoNanos < t + 1_000_000_000L + cfg.toleranceNanos;
    }

    static String id(RelayOffer o) {
        return (o.hasSender() ? o.senderHost + "|" + o.senderMsgId + "|" + o.senderNewNanos : "?") + "|" + o.recipient
                + "|" + o.deliveryId + "|" + o.deliveryRun + "|" + o.attemptEndNanos;
    }

    static String id(RelayReception r) {
        return r.hasReceiver() ? r.host + "|" + r.msgId + "|" + r.newNanos : "?";
    }

    /** The two lists of one key, read once per call and written back by {@link #store}. */
    private final class Key {
        final List<RelayOffer> os = new ArrayList<>();
        final List<RelayReception> rs = new ArrayList<>();
        final Set<Long> timersBefore = new HashSet<>();

        Key() throws Exception {
            readOffers();
            readReceptions();
            timersBefore.addAll(timers());
        }

        /** Only the lists a call needs, read later with {@link #readOffers} / {@link #readReceptions}. */
        Key(boolean offers, boolean receptions) throws Exception {
            if (offers) readOffers();
            if (receptions) readReceptions();
        }

        // elements restored from a savepoint of a version before the compact form are packed here
        void readOffers() throws Exception {
            Iterable<RelayOffer> io = offers.get();
            if (io != null) for (RelayOffer o : io) os.add(o.pack(null));
        }

        void readReceptions() throws Exception {
            Iterable<RelayReception> ir = receptions.get();
            if (ir != null) for (RelayReception r : ir) rs.add(r.pack());
        }

        Set<Long> timers() {
            Set<Long> t = new HashSet<>();
            for (RelayOffer o : os) {
                t.add(timerAt(o.expiresAtMillis));
                if (o.pairedWith != null) t.add(o.decideAtMillis);
            }
            for (RelayReception r : rs) {
                t.add(timerAt(r.expiresAtMillis));
                if (r.pairedWith != null) t.add(r.decideAtMillis);
            }
            return t;
        }

        List<RelayReception> candidatesOf(RelayOffer o) {
            List<RelayReception> l = new ArrayList<>();
            for (RelayReception r : rs) if (r != null && candidates(o, r, cfg)) l.add(r);
            return l;
        }

        List<RelayOffer> candidatesOf(RelayReception r) {
            List<RelayOffer> l = new ArrayList<>();
            for (RelayOffer o : os) if (candidates(o, r, cfg)) l.add(o);
            return l;
        }

        RelayOffer offerById(String id) {
            for (RelayOffer o : os) if (id(o).equals(id)) return o;
            return null;
        }

        RelayReception receptionById(String id) {
            for (RelayReception r : rs) if (id(r).equals(id)) return r;
            return null;
        }

        void flag(RelayOffer o) {
            if (o.pairedWith != null) {
                RelayReception partner = receptionById(o.pairedWith);
                o.pairedWith = null;
                if (partner != null) flag(partner);
            }
            if (!o.ambiguous) {
                o.ambiguous = true;
                ambiguous.add(1);
                ambiguousMetric.inc();
            }
        }

        void flag(RelayReception r) {
            if (r.pairedWith != null) {
                RelayOffer partner = offerById(r.pairedWith);
                r.pairedWith = null;
                if (partner != null) flag(partner);
            }
            r.ambiguous = true;
        }

        /** Writes both lists back and brings the timers in line with what is left. */
        void store(TimerService ts) throws Exception {
            if (os.isEmpty()) offers.clear();
            else offers.update(os);
            if (rs.isEmpty()) receptions.clear();
            else receptions.update(rs);
            Set<Long> now = timers();
            for (long t : timersBefore) if (!now.contains(t)) ts.deleteProcessingTimeTimer(t);
            for (long t : now) if (!timersBefore.contains(t)) ts.registerProcessingTimeTimer(t);
            // a state of an earlier version set an end-of-input timer per key: it goes with the key's last element
            if (restored && os.isEmpty() && rs.isEmpty()) ts.deleteEventTimeTimer(END_OF_INPUT);
        }
    }

    @Override
    public void processElement1(RelayOffer o, Context ctx, Collector<RelayMatch> out) throws Exception {
        // the common case, no candidate: the offer joins the list and its expiry timer is set,
        // without reading the offers or rewriting the lists
        o.pack(null);
        Key k = new Key(false, true);
        long now = ctx.timerService().currentProcessingTime();
        o.expiresAtMillis = expiry(now);
        List<RelayReception> cands = k.candidatesOf(o);
        waiting++;
        if (cands.isEmpty()) {
            offers.add(o);
            ctx.timerService().registerProcessingTimeTimer(timerAt(o.expiresAtMillis));
            return;
        }
        k.readOffers();
        k.timersBefore.addAll(k.timers());
        k.os.add(o);
        if (cands.size() == 1 && free(cands.get(0)) && k.candidatesOf(cands.get(0)).size() == 1) {
            RelayReception r = cands.get(0);
            o.pairedWith = id(r);
            r.pairedWith = id(o);
            o.decideAtMillis = r.decideAtMillis = now + cfg.settleMillis;
        } else if (!cands.isEmpty()) {
            k.flag(o);
            for (RelayReception r : cands) {
                k.flag(r);
                for (RelayOffer rival : k.candidatesOf(r)) k.flag(rival);
            }
        }
        k.store(ctx.timerService());
    }

    @Override
    public void processElement2(RelayReception r, Context ctx, Collector<RelayMatch> out) throws Exception {
        r.pack();
        // one string per host for all the receptions that wait (each came with its own copy)
        if (r.host != null) r.host = r.host.intern();
        Key k = new Key(true, false);
        long now = ctx.timerService().currentProcessingTime();
        r.expiresAtMillis = expiry(now);
        List<RelayOffer> cands = k.candidatesOf(r);
        waiting++;
        if (cands.isEmpty()) {
            receptions.add(r);
            ctx.timerService().registerProcessingTimeTimer(timerAt(r.expiresAtMillis));
            return;
        }
        k.readReceptions();
        k.timersBefore.addAll(k.timers());
        k.rs.add(r);
        if (cands.size() == 1 && free(cands.get(0)) && k.candidatesOf(cands.get(0)).size() == 1) {
            RelayOffer o = cands.get(0);
            o.pairedWith = id(r);
            r.pairedWith = id(o);
            o.decideAtMillis = r.decideAtMillis = now + cfg.settleMillis;
        } else if (!cands.isEmpty()) {
            k.flag(r);
            for (RelayOffer o : cands) {
                k.flag(o);
                for (RelayReception rival : k.candidatesOf(o)) k.flag(rival);
            }
        }
        k.store(ctx.timerService());
    }

    /** Counts an element that left the state; true, for {@code removeIf}. */
    private boolean left() {
        waiting--;
        return true;
    }

    /** The offers and receptions waiting under the current key (to count them after a restore). */
    int waitingOfKey() throws Exception {
        Key k = new Key(true, true);
        return k.os.size() + k.rs.size();
    }

    /**
     * Adds the arrival stamp ({@link RelayOffer#expiresAtMillis}) of each waiting element of the
     * current key that is not paired to {@code into}; returns the earliest, or
     * {@code Long.MAX_VALUE} when there is none.
     */
    long stamps(LongList into) throws Exception {
        long min = Long.MAX_VALUE;
        Iterable<RelayOffer> io = offers.get();
        if (io != null) {
            for (RelayOffer o : io) {
                if (o.pairedWith != null) continue;
                into.add(o.expiresAtMillis);
                min = Math.min(min, o.expiresAtMillis);
            }
        }
        Iterable<RelayReception> ir = receptions.get();
        if (ir != null) {
            for (RelayReception r : ir) {
                if (r.pairedWith != null) continue;
                into.add(r.expiresAtMillis);
                min = Math.min(min, r.expiresAtMillis);
            }
        }
        return min;
    }

    /**
     * Drops the waiting elements of the current key that arrived first: those not paired whose
     * {@link RelayOffer#expiresAtMillis} is at most {@code cutoff}, unlinked, each counted
     * ({@value #ACC_OVER_BOUND} and its side's unlinked count). A paired element is kept (it
     * leaves within the settle time, linked or not); an ambiguous one is dropped like a free one,
     * and the rivals it made ambiguous stay so. Their timers go unless an element that stays
     * shares one.
     */
    void dropUpTo(long cutoff, TimerService ts) throws Exception {
        Key k = new Key(true, true);
        int o0 = k.os.size();
        int r0 = k.rs.size();
        if (o0 + r0 == 0) return;
        if (allDropped(k, cutoff)) {
            // the common case, a key whose elements all go (most hold one): its state and their
            // timers go with them, with no sets of timers to compare
            for (RelayOffer o : k.os) ts.deleteProcessingTimeTimer(timerAt(o.expiresAtMillis));
            for (RelayReception r : k.rs) ts.deleteProcessingTimeTimer(timerAt(r.expiresAtMillis));
            offers.clear();
            receptions.clear();
            if (restored) ts.deleteEventTimeTimer(END_OF_INPUT);
            waiting -= o0 + r0;
            offersExpired.add(o0);
            receptionsExpired.add(r0);
            overBound.add(o0 + r0);
            return;
        }
        k.timersBefore.addAll(k.timers());
        k.os.removeIf(o -> o.pairedWith == null && o.expiresAtMillis <= cutoff && left());
        k.rs.removeIf(r -> r.pairedWith == null && r.expiresAtMillis <= cutoff && left());
        int droppedOffers = o0 - k.os.size();
        int droppedReceptions = r0 - k.rs.size();
        if (droppedOffers + droppedReceptions == 0) return;
        offersExpired.add(droppedOffers);
        receptionsExpired.add(droppedReceptions);
        overBound.add(droppedOffers + droppedReceptions);
        k.store(ts);
    }

    /** Whether {@link #dropUpTo} drops every element of the key: none paired, every one arrived by {@code cutoff}. */
    private static boolean allDropped(Key k, long cutoff) {
        for (RelayOffer o : k.os) if (o.pairedWith != null || o.expiresAtMillis > cutoff) return false;
        for (RelayReception r : k.rs) if (r.pairedWith != null || r.expiresAtMillis > cutoff) return false;
        return true;
    }

    /**
     * When an element that arrives at {@code now} expires: {@link RelayConfig#bufferMillis} later.
     * Its timer is at {@link #timerAt}; the exact time orders the elements for the bound
     * ({@link Operator}).
     */
    private long expiry(long now) {
        return now + cfg.bufferMillis;
    }

    /** The timer of an element that expires at {@code expiresAt}: rounded up to the second, so that the elements of one second share one. */
    static long timerAt(long expiresAt) {
        return expiresAt % 1000 == 0 ? expiresAt : (expiresAt / 1000 + 1) * 1000;
    }

    /** A growable array of longs. */
    static final class LongList {
        long[] a = new long[1024];
        int n;

        void add(long v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }
    }

    private static boolean free(RelayOffer o) {
        return !o.ambiguous && o.pairedWith == null;
    }

    private static boolean free(RelayReception r) {
        return !r.ambiguous && r.pairedWith == null;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RelayMatch> out) throws Exception {
        // an event-time timer is the end-of-input timer a state of an earlier version set per key
        settle(timestamp, ctx.timeDomain() == TimeDomain.EVENT_TIME, ctx.timerService(), out);
    }

    /**
     * The end of the input for the current key ({@link Operator} calls it for every key that holds
     * anything when the watermark reaches the end of time): pairs become links, the rest leaves
     * unlinked and is counted.
     */
    void endOfInput(TimerService ts, Collector<RelayMatch> out) throws Exception {
        settle(END_OF_INPUT, true, ts, out);
    }

    /** A timer of the current key at {@code timestamp}, or the end of the input: settled pairs become links, expired elements leave. */
    private void settle(long timestamp, boolean endOfInput, TimerService ts, Collector<RelayMatch> out) throws Exception {
        Key k = new Key();
        // settled pairs become links
        for (RelayOffer o : new ArrayList<>(k.os)) {
            if (o.pairedWith == null || (!endOfInput && o.decideAtMillis > timestamp)) continue;
            RelayReception r = k.receptionById(o.pairedWith);
            if (r == null) continue;
            k.os.remove(o);
            k.rs.remove(r);
            left();
            left();
            links.add(1);
            linkMetric.inc();
            // the two life cycles are decoded only here, for the link
            LifecycleRecord s = o.sender();
            LifecycleRecord b = r.receiver();
            out.collect(new RelayMatch(hop(o, s, r, b), s, b));
        }
        // elements past the bound (everything, at the end of the input) leave unlinked
        int o0 = k.os.size();
        int r0 = k.rs.size();
        k.os.removeIf(o -> (endOfInput || timerAt(o.expiresAtMillis) <= timestamp) && left());
        k.rs.removeIf(r -> (endOfInput || timerAt(r.expiresAtMillis) <= timestamp) && left());
        offersExpired.add(o0 - k.os.size());
        receptionsExpired.add(r0 - k.rs.size());
        k.store(ts);
    }

    static RelayHop hop(RelayOffer o, RelayReception r) {
        return hop(o, o.sender(), r, r.receiver());
    }

    /** The hop of a link: {@code s} and {@code b} are the two life cycles ({@link RelayOffer#sender()}, {@link RelayReception#receiver()}). */
    static RelayHop hop(RelayOffer o, LifecycleRecord s, RelayReception r, LifecycleRecord b) {
        RelayHop h = new RelayHop();
        if (s != null) {
            h.fromHost = s.host;
            h.fromMsgId = s.msgId;
            h.fromNewNanos = s.newNanos;
            h.fromSender = s.sender;
        }
        h.deliveryId = o.deliveryId;
        h.deliveryRun = o.deliveryRun;
        h.recipient = o.recipient;
        h.remoteIp = o.remoteIp;
        h.attemptStartNanos = o.attemptStartNanos;
        h.attemptEndNanos = o.attemptEndNanos;
        h.reportedSeconds = o.reportedSeconds;
        h.qp = o.qp;
        h.toHost = b.host;
        h.toMsgId = b.msgId;
        h.toNewNanos = b.newNanos;
        h.toInfoNanos = b.infoNanos;
        h.toEndNanos = b.endNanos;
        h.toStatus = b.status == null ? null : b.status.json();
        return h;
    }

    /**
     * The linker's operator, with a bound on what waits in memory: on the heap backend, after an
     * element, when more than {@link RelayConfig#maxWaiting} offers and receptions wait in the
     * subtask, those that arrived first are dropped unlinked and counted ({@value #ACC_OVER_BOUND})
     * until a fifth fewer wait; a pair that settles is not dropped. The processing-time bound
     * ({@link RelayConfig#bufferMillis}) still applies; this one keeps the heap of a fast backfill
     * (every reception of a single-host capture waits, for an hour of processing time) from growing
     * with its input. On RocksDB what waits is on disk, and only the processing-time bound applies:
     * a drop reads every key, which there would cost a read from disk per key. As with a side the
     * processing-time bound let go, a rival that was dropped no longer makes a later element
     * ambiguous (a fleet map removes the case).
     *
     * <p>Nothing is kept per element for it: a drop reads every key's arrival stamps (the exact
     * expiry times, arrival plus the buffer), finds the stamp at or below which the surplus arrived
     * (elements of that same millisecond go too), and drops those elements, once per fifth of the
     * bound that arrives. The count of what waits is kept as elements join and leave, and counted
     * again from keyed state after a restore.
     */
    public static class Operator extends KeyedCoProcessOperator<Long, RelayOffer, RelayReception, RelayMatch> {
        private static final long serialVersionUID = 1L;

        private final long maxWaiting;
        /** Whether the bound applies: the state is on the heap. */
        private transient boolean bounded;
        private transient TimerService timers;
        /** The links written at the end of the input, stamped with its time as a timer's output would be. */
        private transient TimestampedCollector<RelayMatch> endCollector;
        private transient boolean ended;
        /** A drop runs when more than this wait: the bound, or above it while only settling pairs could go. */
        private transient long dropAbove;

        public Operator(RelayLinker linker) {
            super(linker);
            this.maxWaiting = linker.cfg.maxWaiting;
        }

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            linker().restored = context.isRestored();
        }

        @Override
        public void open() throws Exception {
            super.open();
            timers = new SimpleTimerService(getInternalTimerService("user-timers", VoidNamespaceSerializer.INSTANCE, this));
            endCollector = new TimestampedCollector<>(output);
            endCollector.setAbsoluteTimestamp(END_OF_INPUT);
            dropAbove = maxWaiting;
            bounded = getKeyedStateBackend() instanceof HeapKeyedStateBackend;
            if (bounded) {
                // what a restored state holds (nothing on a fresh start)
                linker().waiting = 0;
                forEachKey(() -> linker().waiting += linker().waitingOfKey());
                dropOverBound();
            }
        }

        private RelayLinker linker() {
            return (RelayLinker) userFunction;
        }

        /** Something done for the current key. */
        @FunctionalInterface
        private interface KeyAction {
            void run() throws Exception;
        }

        /** Runs {@code action} with each key that has anything waiting as the current key, then makes the current key current again. */
        private void forEachKey(KeyAction action) throws Exception {
            Object current = getCurrentKey();
            for (Long key : keys()) {
                setCurrentKey(key);
                action.run();
            }
            if (current != null) setCurrentKey(current);
        }

        /** The keys with anything waiting. */
        private List<Long> keys() throws Exception {
            List<Long> keys = new ArrayList<>();
            Set<Long> seen = new HashSet<>();
            for (String state : new String[] {"relay-offers", "relay-receptions"}) {
                try (Stream<Long> ks = this.<Long>getKeyedStateBackend().getKeys(state, VoidNamespace.INSTANCE)) {
                    ks.forEach(key -> {
                        if (seen.add(key)) keys.add(key);
                    });
                }
            }
            return keys;
        }

        @Override
        public void processElement1(StreamRecord<RelayOffer> element) throws Exception {
            super.processElement1(element);
            if (bounded) bound();
        }

        @Override
        public void processElement2(StreamRecord<RelayReception> element) throws Exception {
            super.processElement2(element);
            if (bounded) bound();
        }

        /**
         * At the end of the input (the watermark at the end of time: a bounded input's end, or a
         * stop that drains) every key that holds anything is settled ({@link #endOfInput}) before
         * the watermark goes on; no key needs a timer of its own for it.
         */
        @Override
        public void processWatermark(Watermark mark) throws Exception {
            if (mark.getTimestamp() == END_OF_INPUT && !ended) {
                ended = true;
                forEachKey(() -> linker().endOfInput(timers, endCollector));
            }
            super.processWatermark(mark);
        }

        private void bound() throws Exception {
            long w = linker().waiting;
            if (w <= maxWaiting) dropAbove = maxWaiting;
            else if (w > dropAbove) dropOverBound();
        }

        /** Drops the elements that arrived first until a fifth below the bound wait (pairs that settle excepted). */
        private void dropOverBound() throws Exception {
            RelayLinker l = linker();
            long low = maxWaiting - maxWaiting / 5;
            if (l.waiting > maxWaiting) {
                Object current = getCurrentKey();
                List<Long> keys = keys();
                long[] earliest = new long[keys.size()];
                LongList stamps = new LongList();
                for (int i = 0; i < keys.size(); i++) {
                    setCurrentKey(keys.get(i));
                    earliest[i] = l.stamps(stamps);
                }
                long surplus = Math.min(l.waiting - low, stamps.n);
                if (surplus > 0) {
                    Arrays.sort(stamps.a, 0, stamps.n);
                    long cutoff = stamps.a[(int) surplus - 1];
                    for (int i = 0; i < keys.size(); i++) {
                        if (earliest[i] > cutoff) continue;
                        setCurrentKey(keys.get(i));
                        l.dropUpTo(cutoff, timers);
                    }
                }
                if (current != null) setCurrentKey(current);
            }
            // while settling pairs keep it above the bound, the next drop waits for a fifth more
            dropAbove = l.waiting > maxWaiting ? l.waiting + maxWaiting / 5 : maxWaiting;
        }

        /** Offers and receptions waiting in this subtask (counted on the heap backend only). */
        public long waiting() {
            return linker().waiting;
        }
    }
}
