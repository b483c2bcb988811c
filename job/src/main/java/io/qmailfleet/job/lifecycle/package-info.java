/**
 * Message life cycles from the ordered per-host event stream.
 *
 * <p>Wiring (done by the job graph): parsed events {@code keyBy(host)} into the operator
 * {@link io.qmailfleet.job.lifecycle.HostSequencer} (side outputs {@code LATE}, {@code HOST_EVENTS},
 * {@code DEAD_LETTERS}); its main output {@code keyBy(LifecycleBuilder.messageKey())} into
 * {@link io.qmailfleet.job.lifecycle.LifecycleBuilder}, which emits
 * {@link io.qmailfleet.job.model.LifecycleRecord}s and, on side output {@code ALERTS},
 * {@link io.qmailfleet.job.model.MessageAlert}s and, on side output {@code FACTS} when a later
 * stage reads it, {@link io.qmailfleet.job.model.MessageFact}s (accepted, attempt ended, ended).
 * Both take the same
 * {@link io.qmailfleet.job.lifecycle.LifecycleConfig}. The ordering argument is in the javadoc of
 * {@link io.qmailfleet.job.lifecycle.HostSequencer}.
 *
 * <p>The rules are plain Java without Flink types, each with its own unit test:
 * {@link io.qmailfleet.job.lifecycle.HostRules} (composed of the reorder buffer, split-line joiner,
 * restart detector, open messages, delivery matcher, link resolver, deadline scanner and eviction)
 * and {@link io.qmailfleet.job.lifecycle.LifecycleAssembler} (with the stuck/hung alert logic). They
 * read keyed state through {@link io.qmailfleet.job.lifecycle.StateTable} and
 * {@link io.qmailfleet.job.lifecycle.StateSlot}, and write through
 * {@link io.qmailfleet.job.lifecycle.HostOutput} and {@link io.qmailfleet.job.lifecycle.LifecycleOutput}.
 */
package io.qmailfleet.job.lifecycle;
