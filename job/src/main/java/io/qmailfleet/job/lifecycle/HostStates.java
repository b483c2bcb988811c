package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The keyed-state POJOs of {@link HostSequencer}. All are Flink POJOs (public fields, public
 * no-argument constructor; {@code List<QmailEvent>} is serialized natively), so state never falls
 * back to Kryo and survives checkpoints and savepoints.
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
        /** Number of lines in the reorder buffer (avoids reading the buffer on the fast path). */
        public int buffered;
        /** Event-time timer (ms) registered for the head of the reorder buffer; -1 if none. */
        public long bufferTimerMillis = -1;
        /** The end-of-input timer at Long.MAX_VALUE is registered. */
        public boolean flushTimerSet;
        /** Processing-time idle timer registered (ms); -1 if none. */
        public long idleTimerMillis = -1;
        /** Processing time of the last line of the host. */
        public long lastActivityMillis;

        public HostState() {}
    }

    /** The reorder buffer, sorted by (tsNanos, seq). */
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
        public String kind;
        public long msgId = -1;
        public long birthNanos = -1;
        /** Forward: the recipient whose delivery made the copy. */
        public String recipient;
        public long createdNanos;

        public PendingLink() {}
    }
}
