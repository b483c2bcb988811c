package io.qmailfleet.job.model;

/** One delivery attempt of one recipient ({@code starting delivery} .. {@code delivery <d>:}). */
public class Attempt {
    public long deliveryId = -1;
    /** qmail-send run the attempt ran in (delivery ids restart with each run). */
    public int run = -1;
    /** {@code starting delivery} time, epoch nanos; -1 if the start was before the log began. */
    public long startNanos = -1;
    /** Result time (or the time the interruption was noticed), epoch nanos; -1 while running. */
    public long endNanos = -1;
    /** Null while the attempt is still running. */
    public Outcome outcome;
    /** The logsafe'd report text as logged ("" for an empty report). */
    public String report;
    public boolean mangled;
    /** A hung-delivery alert was raised for this attempt (it ran longer than the hung threshold). */
    public boolean hung;
    /** Set when this successful remote attempt handed the message to another fleet host (see io.qmailfleet.job.trace). */
    public RelayRef relayedTo;

    public Attempt() {}
}
