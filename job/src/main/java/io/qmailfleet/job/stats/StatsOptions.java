package io.qmailfleet.job.stats;

import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.JobOptions;
import io.qmailfleet.job.options.JobOption;
import io.qmailfleet.job.options.OptionGroup;
import java.time.Duration;

/** The stats stage's options (group {@link #GROUP}, in {@link JobOptions#GROUPS} through {@link StatsStage}). */
public final class StatsOptions {
    private StatsOptions() {}

    public static final JobOption<Boolean> STATS = JobOption.bool("stats", true)
            .help("write the aggregates senders/, recipients/, domains/, hosts/");
    public static final JobOption<String> WINDOW = JobOption.string("stats-window", "DUR|all", "1m")
            .check(StatsOptions::isWindow, "must be a positive duration or all")
            .help("tumbling window in each host's own log time; all = one window over the whole input");
    public static final JobOption<Duration> ALLOWED_LATENESS = JobOption.duration("allowed-lateness", Duration.ZERO)
            .check(d -> !d.isNegative(), "must not be negative")
            .help("a fired window keeps its state this long; a later line re-fires it and the newer record replaces the older");
    public static final JobOption<Duration> ROLLUP_TTL = JobOption.duration("stats-rollup-ttl", Duration.ofHours(2))
            .check(JobOption.positive(), "must be > 0")
            .help("how long the fleet roll-up keeps a window for other hosts' parts: processing time after its last part, or log time past the window's end (--stats-rollup-bound)");
    /** {@link #ROLLUP_BOUND}'s values. */
    public static final String BOUND_AUTO = "auto";
    public static final String BOUND_LOG_TIME = "log-time";
    public static final String BOUND_PROCESSING_TIME = "processing-time";
    public static final JobOption<String> ROLLUP_BOUND = JobOption.choice("stats-rollup-bound", BOUND_AUTO,
                    BOUND_AUTO, BOUND_LOG_TIME, BOUND_PROCESSING_TIME)
            .help("when the fleet roll-up lets a window go: log-time once the watermark passed its end by --stats-rollup-ttl"
                    + " (a bounded input whose files or partitions each hold hosts in step); processing-time --stats-rollup-ttl"
                    + " after its last part; auto = log-time for a backfill of files with a reader per host, else processing-time");
    public static final JobOption<Duration> IDLE_FLUSH = JobOption.duration("stats-idle-flush", Duration.ofMinutes(5))
            .check(d -> !d.isNegative(), "must not be negative")
            .help("a host silent this long (processing time) has its open windows fired (0 = never)");

    public static final OptionGroup GROUP = new OptionGroup("Aggregates (windows in each host's own log time)",
            STATS, WINDOW, ALLOWED_LATENESS, ROLLUP_TTL, ROLLUP_BOUND, IDLE_FLUSH);

    private static boolean isWindow(String w) {
        if (w.equals("all")) return true;
        try {
            return org.apache.flink.util.TimeUtils.parseDuration(w).toMillis() > 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The stage's config from the options (the lifecycle config must be read already). */
    public static StatsConfig config(JobConfig c) {
        StatsConfig s = new StatsConfig();
        s.enabled = c.get(STATS);
        String w = c.get(WINDOW);
        s.windowMillis = w.equals("all") ? StatsConfig.WHOLE_INPUT : org.apache.flink.util.TimeUtils.parseDuration(w).toMillis();
        s.allowedLatenessMillis = c.get(ALLOWED_LATENESS).toMillis();
        s.rollupTtlMillis = c.get(ROLLUP_TTL).toMillis();
        s.idleFlushMillis = c.get(IDLE_FLUSH).toMillis();
        // a host's facts reach the stage from parallel per-message subtasks: wait the reorder bound
        s.fireDelayMillis = c.lifecycle.maxOutOfOrderNanos / 1_000_000L;
        // the watermark of a bounded input (files or Kafka) is the slowest split's: no split is idle
        // (JobConfig). Live, an idle partition (or a reader held back for --idle-timeout) can take it
        // past a host whose lines are only late
        s.fireOnWatermark = !c.unbounded;
        s.holdUntilWatermark = !c.unbounded;
        s.rollupLogTtlMillis = rollupByLogTime(c) ? s.rollupTtlMillis : -1L;
        return s.validate();
    }

    /**
     * Whether the roll-up drops windows by log time ({@link #ROLLUP_BOUND}). By default only in a
     * backfill of files with a reader per host: its watermark is the slowest host's, so a window
     * every in-step host has sent its part of can go. A bounded read of Kafka gets it when asked:
     * its watermark is the slowest partition's, which is the slowest host's only when no partition
     * holds one host's lines after another's (a topic filled from archived logs host by host).
     */
    static boolean rollupByLogTime(JobConfig c) {
        String bound = c.get(ROLLUP_BOUND);
        if (bound.equals(BOUND_AUTO)) return c.readerPerHost;
        if (bound.equals(BOUND_PROCESSING_TIME)) return false;
        if (c.unbounded) {
            throw new IllegalArgumentException("--stats-rollup-bound log-time is for a bounded input (files, or Kafka with"
                    + " --bounded true): live, an idle partition lets the watermark pass hosts whose lines are only late");
        }
        if (!c.readsKafka() && !c.readerPerHost) {
            throw new IllegalArgumentException("--stats-rollup-bound log-time needs a reader per host in a backfill of files"
                    + " (at most " + io.qmailfleet.job.source.FileLines.MAX_READERS
                    + " hosts): beyond that a reader reads one host after another");
        }
        return true;
    }
}
