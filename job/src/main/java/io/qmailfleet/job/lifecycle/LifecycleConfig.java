package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.parse.ParserConfig;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of the life-cycle stages (both stages of {@link HostSequencer}). Every
 * duration is measured in the host's own log time except {@link #hostIdleTtlMillis}, which is
 * wall-clock (processing) time, and {@link #liveClockCapNanos}, which bounds how far wall-clock time may advance a quiet host's log clock in a live run.
 */
public class LifecycleConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Per-host reorder bound: a line may arrive this much later (log time) than a newer one. */
    public long maxOutOfOrderNanos = Duration.ofSeconds(2).toNanos();
    /** A message open longer than this (since {@code new msg}) raises a stuck-message alert. */
    public long stuckAfterNanos = Duration.ofHours(1).toNanos();
    /** A delivery running longer than this without a result raises a hung-delivery alert. */
    public long hungAfterNanos = Duration.ofMinutes(30).toNanos();
    /** A message open longer than this is evicted (must exceed qmail's 7-day queuelifetime). */
    public long maxOpenAgeNanos = Duration.ofDays(8).toNanos();
    /** A pending bounce/forward link (qp to original) is forgotten after this much host time. */
    public long linkTtlNanos = Duration.ofHours(1).toNanos();
    /**
     * Minimum host time between two scans of the open-message and in-flight maps. Alerts may be
     * raised up to this much host time after their threshold; it bounds the scan cost when many
     * messages cross their thresholds at slightly different times.
     */
    public long scanGranularityNanos = Duration.ofSeconds(10).toNanos();
    /**
     * Live (unbounded) input only; 0 turns it off, as for a backfill. While a host logs nothing,
     * its log clock is taken to advance with the wall time elapsed since its last line arrived,
     * by at most this much: the reorder buffer is released once its bound has passed in wall-clock
     * time too, and stuck/hung deadlines fire on time. See {@link HostRules#onWallClock}.
     */
    public long liveClockCapNanos = 0;
    /** Wall-clock time without any line after which a host's state is evicted. */
    public long hostIdleTtlMillis = Duration.ofDays(30).toMillis();
    /** Parser settings for re-parsing joined splogger split lines. */
    public ParserConfig parser = new ParserConfig();

    public LifecycleConfig() {}

    /** Checks the values; throws IllegalArgumentException on a nonsensical setting. */
    public LifecycleConfig validate() {
        if (maxOutOfOrderNanos < 0) throw new IllegalArgumentException("maxOutOfOrderNanos < 0");
        if (stuckAfterNanos <= 0) throw new IllegalArgumentException("stuckAfterNanos must be > 0");
        if (hungAfterNanos <= 0) throw new IllegalArgumentException("hungAfterNanos must be > 0");
        if (maxOpenAgeNanos <= 0) throw new IllegalArgumentException("maxOpenAgeNanos must be > 0");
        if (linkTtlNanos <= 0) throw new IllegalArgumentException("linkTtlNanos must be > 0");
        if (scanGranularityNanos < 0) throw new IllegalArgumentException("scanGranularityNanos < 0");
        if (liveClockCapNanos < 0) throw new IllegalArgumentException("liveClockCapNanos < 0");
        if (hostIdleTtlMillis <= 0) throw new IllegalArgumentException("hostIdleTtlMillis must be > 0");
        if (parser == null) throw new IllegalArgumentException("parser config missing");
        return this;
    }
}
