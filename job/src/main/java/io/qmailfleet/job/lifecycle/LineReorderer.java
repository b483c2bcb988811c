package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.HostStates.ReorderBuffer;
import io.qmailfleet.job.model.QmailEvent;
import java.util.function.Consumer;

/**
 * The per-host reorder buffer: lines are released in (log time, arrival sequence) order once the
 * host has logged a line {@code maxOutOfOrder} newer, or once the watermark has passed them.
 *
 * <p>A line is <b>late</b> when it is older than the last released line, or more than the bound
 * older than the newest line of its host: the source's watermark (newest line minus the same
 * bound) has then already passed it, so a downstream event-time window could have closed without
 * it. Late lines are not kept. In a live run a quiet host's lines are also released by the wall
 * clock ({@link HostRules#onWallClock}); a line older than that horizon is late as well.
 *
 * <p>Waiting lines are an append-only FIFO of in-order lines (a table by queue index: one put, one
 * get and one remove per line, whatever the number of lines waiting) plus a small sorted
 * {@link ReorderBuffer} of stragglers, lines older than the newest FIFO line, read only when one is
 * due. The times of the FIFO head and tail and of the first straggler are kept in
 * {@link HostState}, so deciding where a line goes reads no other state. With a bound of 0 an
 * in-order line passes straight through without touching either.
 */
final class LineReorderer {
    private final long maxOutOfOrderNanos;
    private final StateTable<Long, QmailEvent> fifo;
    private final StateSlot<ReorderBuffer> stragglers;
    /**
     * Whether a waiting line is a copy of the one offered. It must be when another consumer of the
     * parser's stream holds the same object (the events output): the rules change a line when it
     * is released (its run, start and links), and that consumer must keep the line as it was
     * parsed. When the sequencer is the parser's only consumer, the line itself waits.
     */
    private boolean copyWaiting = true;

    LineReorderer(long maxOutOfOrderNanos, StateTable<Long, QmailEvent> fifo, StateSlot<ReorderBuffer> stragglers) {
        this.maxOutOfOrderNanos = maxOutOfOrderNanos;
        this.fifo = fifo;
        this.stragglers = stragglers;
    }

    /** See {@link #copyWaiting}. */
    void copyWaiting(boolean copy) {
        this.copyWaiting = copy;
    }

    /** Whether a line of this time would be late now. */
    boolean isLate(HostState st, long tsNanos) {
        return tsNanos < st.clockNanos || tsNanos < st.horizonNanos
                || tsNanos < Sat.sub(st.hostMaxNanos, maxOutOfOrderNanos);
    }

    /**
     * Takes an arriving line: numbers it, then buffers it and releases every line that is due to
     * {@code release}, in order. Returns false, keeping nothing, when the line is late.
     */
    boolean offer(HostState st, QmailEvent ev, Consumer<QmailEvent> release) {
        ev.seq = st.nextSeq++;
        if (isLate(st, ev.tsNanos)) return false;
        if (ev.tsNanos > st.hostMaxNanos) st.hostMaxNanos = ev.tsNanos;
        long releasable = Sat.sub(st.hostMaxNanos, maxOutOfOrderNanos);
        boolean fifoEmpty = st.fifoHead == st.fifoTail;
        if (fifoEmpty && st.buffered == 0 && ev.tsNanos <= releasable) {
            release.accept(ev); // fast path: in order, nothing waiting; no state touched
        } else if (fifoEmpty || ev.tsNanos >= st.fifoTailTs) {
            // in order: append to the FIFO (one put)
            if (fifoEmpty) st.fifoHeadTs = ev.tsNanos;
            fifo.put(st.fifoTail, copyWaiting ? ev.copy() : ev);
            st.fifoTail++;
            st.fifoTailTs = ev.tsNanos;
            releaseUpTo(st, null, releasable, release);
        } else {
            // older than the newest FIFO line: a straggler
            ReorderBuffer b = st.buffered > 0 ? stragglers.get() : null;
            if (b == null) b = new ReorderBuffer();
            b.insert(copyWaiting ? ev.copy() : ev);
            st.buffered = b.events.size();
            st.stragglersHeadTs = b.events.get(0).tsNanos;
            releaseUpTo(st, b, releasable, release);
        }
        return true;
    }

    /**
     * The watermark (ms) promises no more lines at or before it: releases them (and whatever the
     * host's own newest line allows).
     */
    void releaseForWatermark(HostState st, long watermarkMillis, Consumer<QmailEvent> release) {
        if (!hasBuffered(st)) return;
        long wmLimit = watermarkMillis >= Long.MAX_VALUE / 1_000_000L - 1
                ? Long.MAX_VALUE : (watermarkMillis + 1) * 1_000_000L - 1;
        long limit = Math.max(wmLimit, Sat.sub(st.hostMaxNanos, maxOutOfOrderNanos));
        releaseUpTo(st, null, limit, release);
    }

    /** Releases every waiting line (end of input, idle host). */
    void drain(HostState st, Consumer<QmailEvent> release) {
        if (hasBuffered(st)) releaseUpTo(st, null, Long.MAX_VALUE, release);
    }

    /** Whether any line waits (FIFO or stragglers). */
    static boolean hasBuffered(HostState st) {
        return st.fifoHead != st.fifoTail || st.buffered > 0;
    }

    /** The event time (ms) at which the watermark releases the earliest waiting line; -1 if none waits. */
    static long releaseTimerMillis(HostState st) {
        if (!hasBuffered(st)) return -1;
        return Math.floorDiv(earliestBufferedNanos(st), 1_000_000L);
    }

    /** Log time of the earliest waiting line (MAX if none). */
    static long earliestBufferedNanos(HostState st) {
        long earliest = st.fifoHead != st.fifoTail ? st.fifoHeadTs : Long.MAX_VALUE;
        if (st.buffered > 0) earliest = Math.min(earliest, st.stragglersHeadTs);
        return earliest;
    }

    /** Releases every waiting line at or before {@code upToNanos} (a live host's wall-clock horizon). */
    void releaseUpTo(HostState st, long upToNanos, Consumer<QmailEvent> release) {
        if (hasBuffered(st)) releaseUpTo(st, null, upToNanos, release);
    }

    void clear() {
        fifo.clear();
        stragglers.clear();
    }

    /**
     * Releases every waiting line with ts <= upToNanos in (ts, seq) order, merging the FIFO and the
     * stragglers.
     *
     * @param sb the stragglers if the caller has read (and changed) them, else null: they are then
     *           read only if one is due
     */
    private void releaseUpTo(HostState st, ReorderBuffer sb, long upToNanos, Consumer<QmailEvent> release) {
        boolean sbChanged = sb != null;
        int si = 0; // stragglers released so far: sb.events[si] is the head
        QmailEvent fifoHeadEv = null; // the FIFO head once read
        while (true) {
            boolean fifoDue = st.fifoHead != st.fifoTail && st.fifoHeadTs <= upToNanos;
            boolean strDue = st.buffered > 0 && st.stragglersHeadTs <= upToNanos;
            if (!fifoDue && !strDue) break;
            if (strDue && sb == null) {
                sb = stragglers.get();
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
            release.accept(next);
        }
        if (sbChanged) {
            if (si > 0) sb.events.subList(0, si).clear();
            if (sb.events.isEmpty()) stragglers.clear(); else stragglers.set(sb);
        }
        if (st.buffered == 0) st.stragglersHeadTs = Long.MIN_VALUE;
    }
}
