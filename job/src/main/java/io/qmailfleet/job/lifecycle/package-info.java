/**
 * Message life cycles from the ordered per-host event stream.
 *
 * <p>Wiring (done by the job graph): parsed events {@code keyBy(host)} into the operator
 * {@link io.qmailfleet.job.lifecycle.HostSequencer}, which puts each host's lines in order (stage
 * A: side outputs {@code LATE}, {@code HOST_EVENTS}, {@code DEAD_LETTERS}) and builds each
 * message's life cycle from them in the same call (stage B): main output
 * {@link io.qmailfleet.job.model.LifecycleRecord}s; side output {@code ALERTS}
 * {@link io.qmailfleet.job.model.MessageAlert}s; side output {@code FACTS}, when a later stage
 * reads it, {@link io.qmailfleet.job.model.MessageFact}s (accepted, attempt ended, ended, and the
 * host's clock if asked). Settings: {@link io.qmailfleet.job.lifecycle.LifecycleConfig}. The
 * ordering argument is in the javadoc of {@link io.qmailfleet.job.lifecycle.HostSequencer}.
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
