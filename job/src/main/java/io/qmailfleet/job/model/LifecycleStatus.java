package io.qmailfleet.job.model;

import java.util.Locale;

/** How a life-cycle record ends; written as the lower-case name ({@code "complete"}, ...). */
public enum LifecycleStatus {
    /** {@code end msg} seen. */
    COMPLETE,
    /** Still queued when a bounded input ended. */
    OPEN,
    /** Evicted: past the maximum open age, a silent host, or the id reused without an {@code end msg}. */
    ABANDONED;

    /** The JSON value. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
