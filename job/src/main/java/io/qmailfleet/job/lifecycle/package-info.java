/**
 * Message life cycles from the ordered per-host event stream.
 *
 * <p>Wiring (done by the job graph): parsed events {@code keyBy(host)} into
 * {@link io.qmailfleet.job.lifecycle.HostSequencer} (side outputs {@code LATE}, {@code HOST_EVENTS},
 * {@code DEAD_LETTERS}); its main output {@code keyBy(LifecycleBuilder.messageKey())} into
 * {@link io.qmailfleet.job.lifecycle.LifecycleBuilder}, which emits
 * {@link io.qmailfleet.job.model.LifecycleRecord}s and, on side output {@code ALERTS},
 * {@link io.qmailfleet.job.model.MessageAlert}s. Both take the same
 * {@link io.qmailfleet.job.lifecycle.LifecycleConfig}. The ordering argument is in the javadoc of
 * {@link io.qmailfleet.job.lifecycle.HostSequencer}.
 */
package io.qmailfleet.job.lifecycle;
