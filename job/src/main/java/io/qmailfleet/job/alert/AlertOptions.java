package io.qmailfleet.job.alert;

import io.qmailfleet.job.options.JobOption;
import io.qmailfleet.job.options.OptionGroup;
import java.time.Duration;

/** The paging stage's options (in {@code JobOptions.GROUPS} through {@link AlertStage}); defaults are {@link AlertConfig}'s. */
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
    public static final JobOption<Duration> QUEUE_AGE = JobOption.duration("queue-age", Duration.ofHours(1))
            .check(JobOption.positive(), "must be > 0")
            .help("queue_backlog: a message open on its host longer than this counts (host log time; at least --stuck-after, whose alerts are counted)");
    public static final JobOption<Integer> QUEUE_AGE_MIN = JobOption.integer("queue-age-min", 50)
            .check(n -> n >= 1, "must be >= 1").help("queue_backlog: pages when a host has at least this many such messages...");
    public static final JobOption<Duration> QUEUE_AGE_WINDOW = JobOption.duration("queue-age-window", Duration.ofMinutes(30))
            .check(JobOption.positive(), "must be > 0").help("queue_backlog: ...more than this much host time before (a growing backlog)...");
    public static final JobOption<Duration> QUEUE_AGE_FOR = JobOption.duration("queue-age-for", Duration.ofMinutes(10))
            .help("queue_backlog: ...both for this long; over below --queue-age-min for --alert-resolve-after");

    // fleet-wide rates, judged on the stats stage's domains/, recipients/ and senders/ records (--stats true)
    public static final JobOption<Duration> DOMAIN_WINDOW = JobOption.duration("domain-window", Duration.ofMinutes(15))
            .check(JobOption.positive(), "must be > 0")
            .help("domain_trouble: sliding window (whole stats windows) over which a domain's attempts are summed");
    public static final JobOption<Integer> DOMAIN_MIN_ATTEMPTS = JobOption.integer("domain-min-attempts", 20)
            .check(n -> n >= 1, "must be >= 1").help("domain_trouble: attempts of the domain in the window before it is judged");
    public static final JobOption<Integer> DOMAIN_MIN_RECIPIENTS = JobOption.integer("domain-min-recipients", 3)
            .check(n -> n >= 1, "must be >= 1")
            .help("domain_trouble: distinct recipients deferred or failed in the window (one address that always defers does not page)");
    public static final JobOption<String> DOMAIN_RATIO = JobOption.string("domain-ratio", "R", "0.8")
            .help("domain_trouble: deferrals / attempts at or above this pages");
    public static final JobOption<String> DOMAIN_CLEAR_RATIO = JobOption.string("domain-clear-ratio", "R", "0.2")
            .help("domain_trouble: below this it is over (hysteresis; then held for --alert-resolve-after)");
    public static final JobOption<Boolean> DOMAIN_COUNT_FAILURES = JobOption.bool("domain-count-failures", false)
            .help("domain_trouble: count permanent failures as trouble too, not only deferrals (5xx are mostly unknown recipients)");
    public static final JobOption<Integer> SENDER_FLOOR = JobOption.integer("sender-floor", 200)
            .check(n -> n >= 1, "must be >= 1").help("sender_spike: accepted messages of a sender per stats window at or above this");
    public static final JobOption<String> SENDER_FACTOR = JobOption.string("sender-factor", "F", "10")
            .help("sender_spike: ... and at least F times the sender's own mean over the baseline windows");
    public static final JobOption<Integer> SENDER_BASELINE_WINDOWS = JobOption.integer("sender-baseline-windows", 12)
            .check(n -> n >= 1, "must be >= 1")
            .help("sender_spike: the baseline is the mean over this many stats windows before (spike windows left out)");

    public static final OptionGroup GROUP = new OptionGroup("Paging alerts (alerts/)", SILENT_AFTER, RESOLVE_AFTER,
            WARNING_QUIET, SATURATION_FOR, SATURATION_CLEAR, MAX_TRIGGERS_PER_HOUR, STUCK_MIN_COUNT,
            QUEUE_AGE, QUEUE_AGE_MIN, QUEUE_AGE_WINDOW, QUEUE_AGE_FOR,
            DOMAIN_WINDOW, DOMAIN_MIN_ATTEMPTS, DOMAIN_MIN_RECIPIENTS, DOMAIN_RATIO, DOMAIN_CLEAR_RATIO, DOMAIN_COUNT_FAILURES,
            SENDER_FLOOR, SENDER_FACTOR, SENDER_BASELINE_WINDOWS);

    private static double number(io.qmailfleet.job.JobConfig c, JobOption<String> o) {
        try {
            return Double.parseDouble(c.get(o));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + o.name() + " needs a number, not " + c.get(o));
        }
    }

    /** Reads the stage's options into {@code al} and checks how they combine. */
    public static AlertConfig config(io.qmailfleet.job.JobConfig c, AlertConfig al, boolean live) {
        al.liveWatchdog = live;
        al.silentAfterNanos = c.get(SILENT_AFTER).toNanos();
        al.resolveAfterNanos = c.get(RESOLVE_AFTER).toNanos();
        al.warningQuietNanos = c.get(WARNING_QUIET).toNanos();
        al.saturationForNanos = c.get(SATURATION_FOR).toNanos();
        al.saturationClearRatio = number(c, SATURATION_CLEAR);
        al.maxTriggersPerHour = c.get(MAX_TRIGGERS_PER_HOUR);
        al.stuckMinCount = c.get(STUCK_MIN_COUNT);
        // the backlog is counted on the stuck-message alerts: an age below their threshold cannot be seen
        long stuckAfter = c.lifecycle.stuckAfterNanos;
        if (c.given(QUEUE_AGE) && c.get(QUEUE_AGE).toNanos() < stuckAfter) {
            throw new IllegalArgumentException("--queue-age " + JobOption.format(c.get(QUEUE_AGE))
                    + " is below --stuck-after " + JobOption.format(Duration.ofNanos(stuckAfter)) + ": the backlog is counted on the stuck-message alerts");
        }
        al.queueAgeNanos = Math.max(c.get(QUEUE_AGE).toNanos(), stuckAfter);
        al.queueAgeMinCount = c.get(QUEUE_AGE_MIN);
        al.queueAgeWindowNanos = c.get(QUEUE_AGE_WINDOW).toNanos();
        al.queueAgeForNanos = c.get(QUEUE_AGE_FOR).toNanos();
        al.domainWindowNanos = c.get(DOMAIN_WINDOW).toNanos();
        al.domainMinAttempts = c.get(DOMAIN_MIN_ATTEMPTS);
        al.domainMinRecipients = c.get(DOMAIN_MIN_RECIPIENTS);
        al.domainTriggerRatio = number(c, DOMAIN_RATIO);
        al.domainClearRatio = number(c, DOMAIN_CLEAR_RATIO);
        al.domainCountFailures = c.get(DOMAIN_COUNT_FAILURES);
        al.senderFloor = c.get(SENDER_FLOOR);
        al.senderFactor = number(c, SENDER_FACTOR);
        al.senderBaselineWindows = c.get(SENDER_BASELINE_WINDOWS);
        // the stats stage fires a host's window this long after the watermark passed its end
        al.rateJudgeDelayMillis = c.lifecycle.maxOutOfOrderNanos / 1_000_000L;
        return al.validate();
    }
}
