package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.Recipient;

/**
 * Where {@link LifecycleAssembler} puts what it produces. {@link HostSequencer} sends records
 * and alerts to its outputs; unit tests collect them.
 *
 * <p>The two fact hooks report the moments a message is accepted and an attempt ends;
 * {@link HostSequencer} turns them (and every complete {@link #lifecycle}) into the
 * {@link io.qmailfleet.job.model.MessageFact}s of its side output {@link HostSequencer#FACTS},
 * which any later stage may read. They are no-ops by default. The objects passed are the live
 * state: copy what you keep.
 */
public interface LifecycleOutput {
    /** A finished (or open / abandoned) life cycle. */
    void lifecycle(LifecycleRecord r);

    void alert(MessageAlert a);

    /** {@code info msg}: the message was accepted into the queue (sender, size, qp known). */
    default void messageAccepted(LifecycleRecord r, long atNanos) {}

    /** A delivery attempt got its outcome (success, deferral, failure, interrupted). */
    default void attemptEnded(LifecycleRecord r, Recipient rc, Attempt a) {}

    /** A life cycle started before the log did (its first event was not {@code new msg}). */
    default void partialLifecycle() {}

    /** A control event for a life cycle that is not (or no longer) here. */
    default void ignoredControlEvent() {}
}
