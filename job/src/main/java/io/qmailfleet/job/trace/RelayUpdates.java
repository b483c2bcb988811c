package io.qmailfleet.job.trace;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.model.RelayRef;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Life cycles written again with their relay links: keyed by the life cycle (host, msg id, new), so
 * a message relayed to several fleet hosts gets one record that carries every link found so far
 * (the newest record of a life cycle is the most complete). The merged record waits
 * {@link RelayConfig#bufferMillis} of processing time after its last link for another one, then a
 * timer drops it (or the end of a bounded input does).
 */
public class RelayUpdates extends KeyedProcessFunction<String, LifecycleRecord, LifecycleRecord> {
    private static final long serialVersionUID = 1L;

    private final RelayConfig cfg;
    private transient ValueState<LifecycleRecord> merged;
    private transient ValueState<Long> expiry;

    public RelayUpdates(RelayConfig cfg) {
        this.cfg = cfg;
    }

    /** The identity of a life cycle: host, message id and {@code new msg} time (ids are reused). */
    public static String identity(String host, long msgId, long newNanos) {
        return host + "|" + msgId + "|" + newNanos;
    }

    public static final class Identity implements KeySelector<LifecycleRecord, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(LifecycleRecord r) {
            return identity(r.host, r.msgId, r.newNanos);
        }
    }

    /** The two updates a link makes: the sender with {@code relayed_to} on the attempt, the receiver with {@code relayed_from}. */
    public static final class FromMatch implements FlatMapFunction<RelayMatch, LifecycleRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(RelayMatch m, Collector<LifecycleRecord> out) {
            RelayHop h = m.hop;
            if (m.sender != null) {
                Attempt a = attempt(m.sender, h.recipient, h.deliveryId, h.deliveryRun, h.attemptEndNanos);
                if (a != null) {
                    RelayRef to = new RelayRef();
                    to.host = h.toHost;
                    to.msgId = h.toMsgId;
                    to.birthNanos = h.toNewNanos;
                    to.qp = h.qp;
                    a.relayedTo = to;
                    m.sender.relayUpdate = true;
                    out.collect(m.sender);
                }
            }
            if (m.receiver != null) {
                RelayRef from = new RelayRef();
                from.host = h.fromHost;
                from.msgId = h.fromMsgId;
                from.birthNanos = h.fromNewNanos;
                from.qp = h.qp;
                from.deliveryId = h.deliveryId;
                from.deliveryRun = h.deliveryRun;
                from.recipient = h.recipient;
                m.receiver.relayedFrom = from;
                m.receiver.relayUpdate = true;
                out.collect(m.receiver);
            }
        }
    }

    static Attempt attempt(LifecycleRecord r, String recipient, long deliveryId, int run, long endNanos) {
        for (Recipient rc : r.recipients) {
            if (!"remote".equals(rc.channel) || !rc.address.equals(recipient)) continue;
            for (Attempt a : rc.attempts) {
                if (a.deliveryId == deliveryId && a.run == run && a.endNanos == endNanos) return a;
            }
        }
        return null;
    }

    @Override
    public void open(OpenContext ctx) {
        merged = getRuntimeContext().getState(new ValueStateDescriptor<>("relay-merged", LifecycleRecord.class));
        expiry = getRuntimeContext().getState(new ValueStateDescriptor<>("relay-merged-expiry", Long.class));
    }

    @Override
    public void processElement(LifecycleRecord update, Context ctx, Collector<LifecycleRecord> out) throws Exception {
        LifecycleRecord m = merged.value();
        if (m == null) {
            m = update;
        } else {
            if (update.relayedFrom != null) m.relayedFrom = update.relayedFrom;
            for (int i = 0; i < update.recipients.size() && i < m.recipients.size(); i++) {
                Recipient u = update.recipients.get(i);
                Recipient rc = m.recipients.get(i);
                for (int j = 0; j < u.attempts.size() && j < rc.attempts.size(); j++) {
                    if (u.attempts.get(j).relayedTo != null) rc.attempts.get(j).relayedTo = u.attempts.get(j).relayedTo;
                }
            }
        }
        merged.update(m);
        Long old = expiry.value();
        if (old != null) ctx.timerService().deleteProcessingTimeTimer(old);
        long at = ctx.timerService().currentProcessingTime() + cfg.bufferMillis;
        expiry.update(at);
        ctx.timerService().registerProcessingTimeTimer(at);
        // and at the end of a bounded input, so that nothing is left for the final checkpoint
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        out.collect(m);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<LifecycleRecord> out) throws Exception {
        if (ctx.timeDomain() == org.apache.flink.streaming.api.TimeDomain.EVENT_TIME) {
            Long at = expiry.value();
            if (at != null) ctx.timerService().deleteProcessingTimeTimer(at);
        } else {
            ctx.timerService().deleteEventTimeTimer(Long.MAX_VALUE);
        }
        merged.clear();
        expiry.clear();
    }
}
