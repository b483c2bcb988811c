package io.qmailfleet.job.model;

import java.util.Locale;

/**
 * How a stuck message or a hung delivery ended ({@link MessageAlert#resolution}); written as the
 * lower-case name.
 */
public enum Resolution {
    // ---- stuck_resolved
    /** Ended with at least one successful delivery and no bounce. */
    DELIVERED,
    /** Ended with a bounce (or a discarded triple bounce). */
    BOUNCED,
    /** Ended without a success or a bounce. */
    ENDED,
    // ---- hung_resolved: the delivery outcome
    SUCCESS,
    DEFERRAL,
    FAILURE,
    INTERRUPTED,
    // ---- both
    /** The record was written without an end: end of input ({@code open}) or eviction. */
    OPEN;

    /** The resolution of a hung delivery that got this outcome. */
    public static Resolution of(Outcome outcome) {
        switch (outcome) {
            case SUCCESS: return SUCCESS;
            case DEFERRAL: return DEFERRAL;
            case FAILURE: return FAILURE;
            case INTERRUPTED: return INTERRUPTED;
            default: throw new IllegalArgumentException("outcome " + outcome);
        }
    }

    /** The JSON value. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
