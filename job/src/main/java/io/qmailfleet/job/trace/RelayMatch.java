package io.qmailfleet.job.trace;

import io.qmailfleet.job.model.LifecycleRecord;

/** A link made by {@link RelayLinker}: the hop and both life cycles it joins. */
public class RelayMatch {
    public RelayHop hop;
    public LifecycleRecord sender;
    public LifecycleRecord receiver;

    public RelayMatch() {}

    public RelayMatch(RelayHop hop, LifecycleRecord sender, LifecycleRecord receiver) {
        this.hop = hop;
        this.sender = sender;
        this.receiver = receiver;
    }
}
