package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LinkKind;
import io.qmailfleet.job.model.QmailEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The keyed-state POJOs of {@link HostSequencer}. All are Flink POJOs (public fields, public
 * no-argument constructor; {@code List<QmailEvent>} is serialized natively), so state never falls
 * back to Kryo and survives checkpoints and savepoints.
 *
 * <h2>The reorder buffer</h2>
 * Lines waiting to be released are kept in two sorted sequences, merged on release by
 * (tsNanos, seq):
 * <ul>
 *   <li>the <b>FIFO</b>: a {@code MapState<Long, QmailEvent>} keyed by a per-host queue index
 *   ({@link HostState#fifoHead} .. {@link HostState#fifoTail} - 1). A line whose time is at or
 *   after the newest FIFO line (the common case: one process writes the host's log) is appended
 *   with one put, and released with one get and one remove, so on RocksDB the cost per line does
 *   not grow with the number of waiting lines. Appending in arrival order keeps it sorted by
 *   (tsNanos, seq), since seq is the arrival order;</li>
 *   <li>the <b>stragglers</b>: a {@link ReorderBuffer} value for lines older than the newest FIFO
 *   line (and not late). Normally empty.</li>
 * </ul>
 * The times of the FIFO head and tail and of the first straggler are kept in {@link HostState}, so
 * deciding where a line goes and whether anything can be released reads no other state.
 */
public final class HostStates {
    private HostStates() {}

    /** Per-host scalars: counters, clocks, run tracking, timers, the pending split head. */
    public static class HostState {
        /** Next per-host arrival sequence number. */
        public long nextSeq;
        /** Largest log time seen on the host (released or buffered). */
        public long hostMaxNanos = Long.MIN_VALUE;
        /** Host clock: log time of the last released line (lines are released in time order). */
        public long clockNanos = Long.MIN_VALUE;
        /** qmail-send run: 0 before the first start-up seen, then +1 per start-up. */
        public int run;
        /** {@code status: exiting} was seen and no start-up since. */
        public boolean runEnded;
        /**
         * Last qmail-send line type in host order, ignoring warning/alert lines (a warning may sit
         * between a {@code delivery} line and its status line). Null before the first one.
         */
        public EventType lastQsendType;
        /** Earliest pending stuck/hung/evict/link-expiry deadline (host log time); MAX if none. */
        public long nextDeadlineNanos = Long.MAX_VALUE;
        /** A splogger SPLIT_HEAD waiting for its continuations; null if none. */
        public QmailEvent splitHead;
        /**
         * Index (in the per-host FIFO map state) of the oldest line of the in-order FIFO; the FIFO
         * is empty when it equals {@link #fifoTail}.
         */
        public long fifoHead;
        /** Index the next in-order line is written at. */
        public long fifoTail;
        /** Log time of the line at {@link #fifoHead}; meaningful only while the FIFO is not empty. */
        public long fifoHeadTs = Long.MIN_VALUE;
        /**
         * Log time of the newest line appended to the FIFO; meaningful only while the FIFO is not
         * empty. A line at or after it is in order and is appended; an older one is a straggler.
         */
        public long fifoTailTs = Long.MIN_VALUE;
        /**
         * Number of lines in the stragglers buffer ({@link ReorderBuffer}); lets the in-order path
         * skip reading it. (The name dates from when that buffer held every waiting line; it is
         * kept so that state written then still restores: those lines become stragglers.)
         */
        public int buffered;
        /**
         * Log time of the first straggler while {@link #buffered} > 0. Long.MIN_VALUE when unknown
         * (state restored from before it existed): the buffer is then read to find it.
         */
        public long stragglersHeadTs = Long.MIN_VALUE;
        /** Event-time timer (ms) registered at or before the earliest waiting line (kept when nothing waits); -1 if none. */
        public long bufferTimerMillis = -1;
        /** The end-of-input timer at Long.MAX_VALUE is registered. */
        public boolean flushTimerSet;
        /** Processing-time idle timer registered (ms); -1 if none. */
        public long idleTimerMillis = -1;
        /** Processing time of the last line of the host. */
        public long lastActivityMillis;
        /**
         * Live runs: host time up to which the wall clock has released lines and raised deadlines
         * while the host was quiet (see {@link HostRules#onWallClock}); lines before it are late.
         */
        public long horizonNanos = Long.MIN_VALUE;
        /** Processing-time timer (ms) of the next wall-clock tick; -1 if none. */
        public long wallTimerMillis = -1;
        /**
         * Live pace of the host's lines: log time minus arrival time (ns) at the last reference
         * point. Long.MIN_VALUE before the first line.
         */
        public long paceBaseNanos = Long.MIN_VALUE;
        /**
         * Processing time (ms) of the last line that broke the host's pace: its lines came faster
         * than they were logged (a backlog or a replay), or much later than before (a stalled
         * shipper, a restore). Long.MIN_VALUE if none.
         */
        public long paceBreakMillis = Long.MIN_VALUE;
        /**
         * The host time of the last CLOCK fact sent for the host (see {@link HostSequencer#emitFacts(long, long)});
         * Long.MIN_VALUE before the first.
         */
        public long clockFactNanos = Long.MIN_VALUE;

        public HostState() {}
    }

    /**
     * The stragglers of the reorder buffer: lines that arrived older than the newest line of the
     * in-order FIFO, sorted by (tsNanos, seq). Empty unless the host's input is actually out of
     * order, so reading and writing it whole costs nothing on the common path.
     */
    public static class ReorderBuffer {
        public List<QmailEvent> events = new ArrayList<>();

        public ReorderBuffer() {}

        /** Inserts after every line with a timestamp <= its own (its seq is the largest so far). */
        void insert(QmailEvent e) {
            int lo = 0, hi = events.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (events.get(mid).tsNanos <= e.tsNanos) lo = mid + 1; else hi = mid;
            }
            events.add(lo, e);
        }
    }

    /** A message seen on the host and not yet ended. */
    public static class OpenMessage {
        /** {@code new msg} time, -1 if the log began after it. */
        public long birthNanos = -1;
        /** Reference time for ages: the birth, or the first line seen for the message. */
        public long sinceNanos = -1;
        /** {@code info msg} time (for linking a forwarded copy seen before its forward report). */
        public long infoNanos = -1;
        /** qp of its {@code info msg} while it is indexed for a late forward link; -1 otherwise. */
        public long qp = -1;
        public boolean stuckReported;

        public OpenMessage() {}
    }

    /** A delivery between {@code starting delivery} and its result. */
    public static class InFlightDelivery {
        public long msgId = -1;
        public String channel;
        public String recipient;
        public long startNanos = -1;
        public int run = -1;
        public boolean hungReported;

        public InFlightDelivery() {}
    }

    /** A qp waiting for the {@code info msg} of a bounce or forwarded copy. */
    public static class PendingLink {
        /** {@code bounce} or {@code forward}. */
        public LinkKind kind;
        public long msgId = -1;
        public long birthNanos = -1;
        /** Forward: the recipient whose delivery made the copy. */
        public String recipient;
        public long createdNanos;

        public PendingLink() {}
    }
}
