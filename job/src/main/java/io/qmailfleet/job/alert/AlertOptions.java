package io.qmailfleet.job.alert;

import io.qmailfleet.job.options.JobOption;
import io.qmailfleet.job.options.OptionGroup;
import java.time.Duration;

/** The paging stage's options (registered in {@code JobOptions.GROUPS}); defaults are {@link AlertConfig}'s. */
public final class AlertOptions {
    private AlertOptions() {}

    public static final JobOption<Duration> SILENT_AFTER = JobOption.duration("silent-after", Duration.ofMinutes(30))
            .check(JobOption.positive(), "must be > 0")
            .help("no qmail-send line this long pages host_silent (host log time; live Kafka input: wall-clock watchdog)");
    public static final JobOption<Duration> RESOLVE_AFTER = JobOption.duration("alert-resolve-after", Duration.ofMinutes(1))
            .help("a condition clear this long resolves its page");
    public static final JobOption<Duration> WARNING_QUIET = JobOption.duration("warning-quiet", Duration.ofMinutes(15))
            .check(JobOption.positive(), "must be > 0").help("a warning kind not repeated this long is over");
    public static final JobOption<Duration> SATURATION_FOR = JobOption.duration("saturation-for", Duration.ofMinutes(10))
            .help("a channel at its concurrency limit this long pages");
    public static final JobOption<String> SATURATION_CLEAR = JobOption.string("saturation-clear", "R", "0.8")
            .help("saturation ends below this fraction of the limit");
    public static final JobOption<Integer> MAX_TRIGGERS_PER_HOUR = JobOption.integer("max-triggers-per-hour", 3)
            .check(n -> n >= 1, "must be >= 1").help("triggers per dedup key per hour of host time");
    public static final JobOption<Integer> STUCK_MIN_COUNT = JobOption.integer("stuck-min-count", 1)
            .check(n -> n >= 1, "must be >= 1").help("stuck (or hung) messages of one host and domain before it pages");

    public static final OptionGroup GROUP = new OptionGroup("Paging alerts (pages/)", SILENT_AFTER, RESOLVE_AFTER,
            WARNING_QUIET, SATURATION_FOR, SATURATION_CLEAR, MAX_TRIGGERS_PER_HOUR, STUCK_MIN_COUNT);
}
