package io.qmailfleet.job.trace;

import io.qmailfleet.job.model.LifecycleRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins relay offers (input 1) with receptions (input 2), keyed by the receiver's qmail-queue pid
 * {@code P}. Either side may come first (the hosts' lines travel separately), so both wait in keyed
 * state.
 *
 * <p><b>When two life cycles are linked.</b> An offer and a reception are <i>candidates</i> when the
 * reception's {@code info msg} time, on the receiver's own clock, lies within
 * {@link RelayConfig#toleranceNanos} of the offer's {@code T} (also on the receiver's clock: the
 * sender's clock is never compared), and, with a fleet map, the reception is on the host the offer's
 * IP (or recipient domain) maps to. A new element is linked at once only when it has exactly one
 * candidate and that candidate has no other one in state; the pair then leaves the state. With two
 * or more candidates the element and all of them are flagged ambiguous and are never linked (a
 * wrong link is worse than none); each newly flagged offer is counted ({@value #ACC_AMBIGUOUS}).
 * A candidate that only arrives after a link was made cannot undo it: without a fleet map, the same
 * pid at the same second on two receivers is only caught when both receivers' lines came before
 * the sender's; {@code --fleet-map} removes that case.
 *
 * <p><b>Bound.</b> An element that does not match waits {@link RelayConfig#bufferMillis} of
 * processing time, then a timer drops it and counts it ({@value #ACC_OFFERS_EXPIRED},
 * {@value #ACC_RECEPTIONS_EXPIRED}): a receiver outside the job, mail from outside the fleet. State
 * per key: the waiting offers and receptions, and one processing-time timer per distinct expiry.
 */
public class RelayLinker extends KeyedCoProcessFunction<Long, RelayOffer, RelayReception, RelayMatch> {
    private static final long serialVersionUID = 1L;

    public static final String ACC_LINKS = "relay-links";
    public static final String ACC_AMBIGUOUS = "relay-ambiguous";
    public static final String ACC_OFFERS_EXPIRED = "relay-offers-unlinked";
    public static final String ACC_RECEPTIONS_EXPIRED = "relay-receptions-unlinked";

    private final RelayConfig cfg;
    private transient ListState<RelayOffer> offers;
    private transient ListState<RelayReception> receptions;
    private transient LongCounter links;
    private transient LongCounter ambiguous;
    private transient LongCounter offersExpired;
    private transient LongCounter receptionsExpired;
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
        getRuntimeContext().addAccumulator(ACC_LINKS, links);
        getRuntimeContext().addAccumulator(ACC_AMBIGUOUS, ambiguous);
        getRuntimeContext().addAccumulator(ACC_OFFERS_EXPIRED, offersExpired);
        getRuntimeContext().addAccumulator(ACC_RECEPTIONS_EXPIRED, receptionsExpired);
        linkMetric = getRuntimeContext().getMetricGroup().counter(ACC_LINKS);
        ambiguousMetric = getRuntimeContext().getMetricGroup().counter(ACC_AMBIGUOUS);
    }

    /** Whether a reception can be the message an offer handed over. */
    public static boolean candidates(RelayOffer o, RelayReception r, RelayConfig cfg) {
        LifecycleRecord s = o.sender;
        LifecycleRecord b = r.receiver;
        if (o.qp != r.qp || b == null || b.infoNanos < 0 || o.reportedSeconds < 0) return false;
        if (s != null && Objects.equals(s.host, b.host) && s.msgId == b.msgId && s.newNanos == b.newNanos) return false;
        if (!cfg.fleetMap.isEmpty()) {
            String mapped = cfg.mappedHost(o.remoteIp, o.recipientDomain);
            if (mapped == null || !mapped.equals(b.host)) return false;
        }
        long t = o.reportedSeconds * 1_000_000_000L;
        return b.infoNanos >= t - cfg.toleranceNanos && b.infoNanos < t + 1_000_000_000L + cfg.toleranceNanos;
    }

    private static <T> List<T> all(ListState<T> s) throws Exception {
        List<T> l = new ArrayList<>();
        Iterable<T> it = s.get();
        if (it != null) for (T t : it) l.add(t);
        return l;
    }

    @Override
    public void processElement1(RelayOffer o, Context ctx, Collector<RelayMatch> out) throws Exception {
        List<RelayOffer> os = all(offers);
        List<RelayReception> rs = all(receptions);
        List<RelayReception> cands = new ArrayList<>();
        for (RelayReception r : rs) if (candidates(o, r, cfg)) cands.add(r);
        if (cands.size() == 1 && !cands.get(0).ambiguous && rivals(os, cands.get(0)).isEmpty()) {
            RelayReception r = cands.get(0);
            rs.remove(r);
            put(receptions, rs);
            dropTimer(ctx, r.expiresAtMillis, os, rs);
            emit(o, r, out);
            return;
        }
        if (!cands.isEmpty()) {
            flag(o);
            for (RelayReception r : cands) {
                r.ambiguous = true;
                for (RelayOffer x : rivals(os, r)) flag(x);
            }
            receptions.update(rs);
        }
        o.expiresAtMillis = ctx.timerService().currentProcessingTime() + cfg.bufferMillis;
        os.add(o);
        offers.update(os);
        ctx.timerService().registerProcessingTimeTimer(o.expiresAtMillis);
    }

    @Override
    public void processElement2(RelayReception r, Context ctx, Collector<RelayMatch> out) throws Exception {
        List<RelayOffer> os = all(offers);
        List<RelayReception> rs = all(receptions);
        List<RelayOffer> cands = new ArrayList<>();
        for (RelayOffer o : os) if (candidates(o, r, cfg)) cands.add(o);
        if (cands.size() == 1 && !cands.get(0).ambiguous && rivals(cands.get(0), rs).isEmpty()) {
            RelayOffer o = cands.get(0);
            os.remove(o);
            put(offers, os);
            dropTimer(ctx, o.expiresAtMillis, os, rs);
            emit(o, r, out);
            return;
        }
        if (!cands.isEmpty()) {
            r.ambiguous = true;
            for (RelayOffer o : cands) {
                flag(o);
                for (RelayReception x : rivals(o, rs)) x.ambiguous = true;
            }
            offers.update(os);
        }
        r.expiresAtMillis = ctx.timerService().currentProcessingTime() + cfg.bufferMillis;
        rs.add(r);
        receptions.update(rs);
        ctx.timerService().registerProcessingTimeTimer(r.expiresAtMillis);
    }

    private List<RelayOffer> rivals(List<RelayOffer> os, RelayReception r) {
        List<RelayOffer> l = new ArrayList<>();
        for (RelayOffer o : os) if (candidates(o, r, cfg)) l.add(o);
        return l;
    }

    private List<RelayReception> rivals(RelayOffer o, List<RelayReception> rs) {
        List<RelayReception> l = new ArrayList<>();
        for (RelayReception r : rs) if (candidates(o, r, cfg)) l.add(r);
        return l;
    }

    private void flag(RelayOffer o) {
        if (o.ambiguous) return;
        o.ambiguous = true;
        ambiguous.add(1);
        ambiguousMetric.inc();
    }

    private void emit(RelayOffer o, RelayReception r, Collector<RelayMatch> out) {
        links.add(1);
        linkMetric.inc();
        out.collect(new RelayMatch(hop(o, r), o.sender, r.receiver));
    }

    static RelayHop hop(RelayOffer o, RelayReception r) {
        RelayHop h = new RelayHop();
        LifecycleRecord s = o.sender;
        LifecycleRecord b = r.receiver;
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
        h.toStatus = b.status;
        return h;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RelayMatch> out) throws Exception {
        List<RelayOffer> os = all(offers);
        List<RelayReception> rs = all(receptions);
        int o0 = os.size();
        int r0 = rs.size();
        os.removeIf(o -> o.expiresAtMillis <= timestamp);
        rs.removeIf(r -> r.expiresAtMillis <= timestamp);
        offersExpired.add(o0 - os.size());
        receptionsExpired.add(r0 - rs.size());
        put(offers, os);
        put(receptions, rs);
    }

    private static <T> void put(ListState<T> s, List<T> l) throws Exception {
        if (l.isEmpty()) s.clear();
        else s.update(l);
    }

    /** The matched element's expiry timer goes too, unless another waiting element shares it. */
    private static void dropTimer(Context ctx, long at, List<RelayOffer> os, List<RelayReception> rs) {
        for (RelayOffer o : os) if (o.expiresAtMillis == at) return;
        for (RelayReception r : rs) if (r.expiresAtMillis == at) return;
        ctx.timerService().deleteProcessingTimeTimer(at);
    }
}
