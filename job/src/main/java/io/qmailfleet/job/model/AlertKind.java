package io.qmailfleet.job.model;

import java.util.Locale;

/** Kind of a {@link MessageAlert}; written as the lower-case name ({@code "stuck_message"}, ...). */
public enum AlertKind {
    /** A message has been queued longer than the stuck threshold. */
    STUCK_MESSAGE,
    /** A message that was stuck ended (or its record was written open or abandoned). */
    STUCK_RESOLVED,
    /** A delivery has run longer than the hung threshold without a result. */
    HUNG_DELIVERY,
    /** A hung delivery got its result (or its record was written open or abandoned). */
    HUNG_RESOLVED;

    /** The JSON value. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
