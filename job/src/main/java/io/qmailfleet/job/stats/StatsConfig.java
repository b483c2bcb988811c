package io.qmailfleet.job.stats;

import java.io.Serializable;
import java.time.Duration;

/** Options of the stats stage ({@code --stats}, {@code --stats-window}, {@code --allowed-lateness}, ...). */
public final class StatsConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** {@code --stats-window all}: one window over the whole input (a bounded run becomes a report). */
    public static final long WHOLE_INPUT = Long.MAX_VALUE;

    public boolean enabled = true;
    /** Tumbling window length in host log time, millis; {@link #WHOLE_INPUT} for one window. */
    public long windowMillis = Duration.ofMinutes(1).toMillis();
    /**
     * How far a host's clock must pass a window's end before it fires: facts reach this stage from
     * parallel per-message subtasks, so a host's facts can be a little out of order. Set to the
     * host reorder bound ({@code --max-out-of-order}).
     */
    public long fireDelayMillis = 2_000L;
    /**
     * A host's window also fires when the watermark passes its end by the fire delay, for a host in
     * step with it ({@link HostWindows}). On for bounded input (a backfill of files or of a Kafka
     * topic), whose watermark is the slowest split's (no split is idle: each ends); off for
     * unbounded input, where a partition that goes idle (or a reader held back by backpressure for
     * the idle timeout) lets the watermark run ahead of a host whose lines are only late, which
     * would fire its windows before their facts came.
     */
    public boolean fireOnWatermark = true;
    /**
     * The fleet roll-up holds a window's fleet record until the watermark passes the window's end
     * by the fire delay, and sends it once with every part that came by then, instead of once per
     * part ({@link FleetRollup}); a part that comes later is sent at once, as a new revision. On
     * for bounded input, where every in-step host's part is in by then ({@link #fireOnWatermark});
     * off live, where each part is sent as it comes.
     */
    public boolean holdUntilWatermark = false;
    /** A fired window keeps its state this much longer; facts within it re-fire (replace) the window. */
    public long allowedLatenessMillis = 0L;
    /** Processing time without a fact after which a host's open windows fire and are dropped (0: never). */
    public long idleFlushMillis = Duration.ofMinutes(5).toMillis();
    /** Processing time the fleet roll-up keeps a (key, window) for parts of further hosts. */
    public long rollupTtlMillis = Duration.ofHours(2).toMillis();
    /**
     * Log time: the fleet roll-up drops a (key, window) once the watermark passes the window's fire
     * instant by {@link #allowedLatenessMillis} and this much, and keeps no processing-time bound;
     * -1 (off) keeps the processing-time bound ({@link #rollupTtlMillis}) only. On, at
     * {@code --stats-rollup-ttl}, for a backfill of files with a reader per host, whose watermark
     * is the slowest host's: every in-step host's part of a window is in by its fire instant, so a
     * backfill keeps a bounded span of log time instead of every window to its end.
     */
    public long rollupLogTtlMillis = -1L;

    /** True when the roll-up drops windows by log time ({@link #rollupLogTtlMillis} on). */
    public boolean rollupByLogTime() {
        return rollupLogTtlMillis >= 0;
    }

    /**
     * Part records the per-host windows keep in memory before writing them to keyed state (they are
     * also written before every checkpoint and before a window fires).
     */
    public int bundleMax = 10_000;

    public StatsConfig() {}

    public boolean wholeInput() {
        return windowMillis == WHOLE_INPUT;
    }

    /** Start of the window holding {@code tsMillis}. */
    public long windowStart(long tsMillis) {
        if (wholeInput()) return 0L;
        return Math.floorDiv(tsMillis, windowMillis) * windowMillis;
    }

    public long windowEnd(long windowStart) {
        return wholeInput() ? Long.MAX_VALUE : windowStart + windowMillis;
    }

    /**
     * The instant a window ending at {@code windowEnd} fires at: its end plus the fire delay. The
     * delay is never negative ({@link #validate}), so only a window at the end of time overflows,
     * and saturates there.
     */
    public long fireAt(long windowEnd) {
        return io.qmailfleet.job.lifecycle.Sat.add(windowEnd, fireDelayMillis);
    }

    /**
     * With {@link #rollupLogTtlMillis} on, the watermark at which the roll-up drops a window ending
     * at {@code windowEnd}: its fire instant plus the allowed lateness and the log-time TTL
     * (saturating at the end of time).
     */
    public long rollupDropAt(long windowEnd) {
        return io.qmailfleet.job.lifecycle.Sat.add(fireAt(windowEnd),
                io.qmailfleet.job.lifecycle.Sat.add(allowedLatenessMillis, rollupLogTtlMillis));
    }

    public StatsConfig validate() {
        if (windowMillis <= 0) throw new IllegalArgumentException("--stats-window must be positive");
        if (allowedLatenessMillis < 0) throw new IllegalArgumentException("--allowed-lateness must not be negative");
        if (fireDelayMillis < 0) throw new IllegalArgumentException("fire delay must not be negative");
        if (idleFlushMillis < 0) throw new IllegalArgumentException("--stats-idle-flush must not be negative");
        if (bundleMax < 0) throw new IllegalArgumentException("bundle size must not be negative");
        if (rollupTtlMillis <= 0) throw new IllegalArgumentException("--stats-rollup-ttl must be positive");
        if (rollupLogTtlMillis < -1) throw new IllegalArgumentException("the roll-up's log-time TTL must be -1 (off) or >= 0");
        return this;
    }
}
