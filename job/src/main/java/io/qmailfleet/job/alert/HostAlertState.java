package io.qmailfleet.job.alert;

/** Per-host state of the alert stage. A Flink POJO. */
public class HostAlertState {
    /** Newest qmail-send host-event time seen (host clock), epoch nanos; -1 before the first. */
    public long lastLineNanos = -1;
    /** qmail-send run of the last host event; -1 before the first. */
    public int run = -1;
    /** The current run logged {@code status: exiting}. */
    public boolean runEnded;
    /** Deliveries in progress (local + remote) at the last status line. */
    public int lastUsed;
    public int lastLocalUsed;
    public int lastRemoteUsed;
    /** A crash alert waits for the new run's first finished delivery. */
    public boolean crashOpen;
    /** Saturation: when each channel's saturated state began, -1 when not saturated. */
    public long localSaturatedSince = -1;
    public long remoteSaturatedSince = -1;
    /** Live: processing time of the last host event, and the armed watchdog timer (-1 = none). */
    public long lastArrivalMillis = -1;
    public long watchdogTimerMillis = -1;
    public boolean endTimerSet;
    /** Queue backlog: messages open longer than the queue age, now. */
    public long backlog;
    /** ...and whether its recent changes are kept ({@link BacklogHistory}). */
    public boolean backlogHistory;
    /** Number of entries in the key map (to skip sweeps when there is nothing to evaluate). */
    public int keys;
    /**
     * Host time before which no key of the host stream (status, alert and warning lines) can change
     * without a rule touching it, so a line before it does not sweep them; Long.MIN_VALUE: sweep at
     * the next line (the default, also for state written before this field).
     */
    public long hostSweepDueNanos = Long.MIN_VALUE;
    /**
     * No {@code alert:} key of the host is active (a status line then reads no key to resolve
     * one); false, the default also for state written before this field, makes the next status
     * line look.
     */
    public boolean qmailAlertsQuiet;
    /** The same for the keys of the message stream (stuck and hung messages). */
    public long messageSweepDueNanos = Long.MIN_VALUE;

    public HostAlertState() {}
}
