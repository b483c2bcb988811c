package io.qmailfleet.job.alert;

import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of the paging alert stage ({@link AlertEngine}). Every duration is host log time, except
 * the live silence watchdog, which is wall-clock (processing) time because a dead qmail-send logs
 * nothing at all.
 */
public class AlertConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A host with no qmail-send line for this long is silent ({@code --silent-after}). */
    public long silentAfterNanos = Duration.ofMinutes(30).toNanos();
    /**
     * Live (unbounded) input: silence is judged by a processing-time watchdog per host; a bounded
     * backfill judges gaps in the host's own log time instead.
     */
    public boolean liveWatchdog;
    /** Hysteresis: a condition must stay clear this long before its alert resolves ({@code --alert-resolve-after}). */
    public long resolveAfterNanos = Duration.ofMinutes(1).toNanos();
    /** A warning kind not repeated for this long is over ({@code --warning-quiet}). */
    public long warningQuietNanos = Duration.ofMinutes(15).toNanos();
    /** A channel at its concurrency limit this long pages ({@code --saturation-for}). */
    public long saturationForNanos = Duration.ofMinutes(10).toNanos();
    /** Saturation ends when deliveries in progress fall below this fraction of the limit ({@code --saturation-clear}). */
    public double saturationClearRatio = 0.8;
    /** At most this many triggers per dedup key per hour of host time ({@code --max-triggers-per-hour}). */
    public int maxTriggersPerHour = 3;
    /** Stuck or hung messages of one host and domain page once there are this many ({@code --stuck-min-count}). */
    public int stuckMinCount = 1;
    // ---- queue backlog (rule 6, second half), on the stuck-message alerts
    /**
     * A message open on its host longer than this (since its {@code new msg}, host log time) counts
     * in the host's backlog ({@code --queue-age}); never below the stuck threshold, whose alerts the
     * count is taken from.
     */
    public long queueAgeNanos = Duration.ofHours(1).toNanos();
    /** The backlog pages once it holds at least this many messages ({@code --queue-age-min})... */
    public int queueAgeMinCount = 50;
    /** ...and has grown over this much host time ({@code --queue-age-window})... */
    public long queueAgeWindowNanos = Duration.ofMinutes(30).toNanos();
    /** ...both holding for this long ({@code --queue-age-for}). */
    public long queueAgeForNanos = Duration.ofMinutes(10).toNanos();
    // ---- fleet-wide rates (rules 4 and 5), on the stats stage's windowed aggregates
    /** Domain trouble: the sliding window over which attempts are summed ({@code --domain-window}). */
    public long domainWindowNanos = Duration.ofMinutes(15).toNanos();
    /** Domain trouble needs at least this many attempts in the window ({@code --domain-min-attempts}). */
    public long domainMinAttempts = 20;
    /** ...and, when the aggregates know it, this many distinct recipients ({@code --domain-min-recipients}). */
    public long domainMinRecipients = 3;
    /**
     * Permanent failures count as trouble too ({@code --domain-count-failures}); by default only
     * deferrals do: a 5xx is mostly one unknown recipient, the sender's problem, not the domain's.
     */
    public boolean domainCountFailures;
    /** deferrals (and failures, see above) / attempts at or above this pages ({@code --domain-ratio}). */
    public double domainTriggerRatio = 0.8;
    /** ...and below this it is over (hysteresis, {@code --domain-clear-ratio}). */
    public double domainClearRatio = 0.2;
    /** Sender spike: accepted messages per window at or above this absolute floor ({@code --sender-floor}). */
    public long senderFloor = 200;
    /** ...and at least this many times the sender's baseline ({@code --sender-factor}). */
    public double senderFactor = 10;
    /** Baseline: the mean over this many windows before the current one, spike windows left out. */
    public int senderBaselineWindows = 12;
    /**
     * The fleet-wide rules judge a window when the watermark passes its end by this much (ms): the
     * stats stage's fire delay, after which every host in step with the watermark has its part of the
     * window out. Set from {@code --max-out-of-order}.
     */
    public long rateJudgeDelayMillis;
    /** Examples kept in an alert's details. */
    public int maxExamples = 5;

    public AlertConfig() {}

    public AlertConfig validate() {
        if (silentAfterNanos <= 0) throw new IllegalArgumentException("--silent-after must be > 0");
        if (resolveAfterNanos < 0) throw new IllegalArgumentException("--alert-resolve-after must be >= 0");
        if (warningQuietNanos <= 0) throw new IllegalArgumentException("--warning-quiet must be > 0");
        if (saturationForNanos < 0) throw new IllegalArgumentException("--saturation-for must be >= 0");
        if (!(saturationClearRatio > 0 && saturationClearRatio <= 1)) {
            throw new IllegalArgumentException("--saturation-clear must be in (0, 1]");
        }
        if (maxTriggersPerHour < 1) throw new IllegalArgumentException("--max-triggers-per-hour must be >= 1");
        if (stuckMinCount < 1) throw new IllegalArgumentException("--stuck-min-count must be >= 1");
        if (queueAgeNanos <= 0) throw new IllegalArgumentException("--queue-age must be > 0");
        if (queueAgeMinCount < 1) throw new IllegalArgumentException("--queue-age-min must be >= 1");
        if (queueAgeWindowNanos <= 0) throw new IllegalArgumentException("--queue-age-window must be > 0");
        if (queueAgeForNanos < 0) throw new IllegalArgumentException("--queue-age-for must be >= 0");
        if (domainWindowNanos <= 0) throw new IllegalArgumentException("--domain-window must be > 0");
        if (!(domainClearRatio <= domainTriggerRatio && domainTriggerRatio <= 1 && domainClearRatio >= 0)) {
            throw new IllegalArgumentException("need 0 <= --domain-clear-ratio <= --domain-ratio <= 1");
        }
        if (senderFactor < 1) throw new IllegalArgumentException("--sender-factor must be >= 1");
        if (rateJudgeDelayMillis < 0) throw new IllegalArgumentException("rate judge delay must be >= 0");
        if (senderBaselineWindows < 1) throw new IllegalArgumentException("sender baseline needs >= 1 window");
        return this;
    }
}
