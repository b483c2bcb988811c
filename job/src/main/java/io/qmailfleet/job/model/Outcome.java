package io.qmailfleet.job.model;

/** Outcome of one delivery attempt. */
public enum Outcome {
    SUCCESS,
    DEFERRAL,
    FAILURE,
    /** qmail-send exited or restarted (crash) while the attempt was running: no result was ever logged. */
    INTERRUPTED;

    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
