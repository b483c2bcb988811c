package io.qmailfleet.job.model;

import java.util.Locale;

/** How a message is linked to another one by qp; written as the lower-case name. */
public enum LinkKind {
    /** The message is the bounce of the other ({@code bounce msg M qp Q} = its {@code info msg ... qp Q}). */
    BOUNCE,
    /** The message is a copy forwarded by a delivery of the other ({@code did_0+1+0/qp_Q/}). */
    FORWARD;

    /** The JSON value. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
