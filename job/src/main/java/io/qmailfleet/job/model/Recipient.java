package io.qmailfleet.job.model;

import java.util.ArrayList;
import java.util.List;

/** One recipient of a message and every attempt to deliver to it, in log order. */
public class Recipient {
    /** The address exactly as logged (case kept, logsafe'd). */
    public String address;
    /**
     * The mailbox an operator recognises: for a local delivery to a virtual domain logged as
     * {@code <domain>-<user>@<domain>} it is {@code <user>@<domain>}; otherwise the address
     * (see {@code parse.Mailbox}).
     */
    public String mailbox;
    /** The domain part lower-cased, for grouping; "" when the address has no {@code @}. */
    public String domain;
    /** {@code local} or {@code remote}. */
    public String channel;
    public List<Attempt> attempts = new ArrayList<>();
    /**
     * Final state: success or failure (done), deferral (last attempt deferred, still queued),
     * interrupted (last attempt interrupted), running (an attempt is in flight).
     */
    public String finalOutcome;
    /** qp of the forwarded copy when a local delivery forwarded ({@code did_0+1+0/qp_<qp>/}), else -1. */
    public long forwardQp = -1;

    public Recipient() {}
}
