/**
 * Relay trace: follows a message from one fleet host's log into another's.
 *
 * <p>When host A relays a message to host B over SMTP, A logs {@code delivery D: success:
 * <ip>_accepted_message./Remote_host_said:_250_ok_<T>_qp_<P>/}, where {@code T} is B's clock and
 * {@code P} the pid of B's qmail-queue, which B logs as {@code info msg M: ... qp P uid U}. This
 * stage takes the life cycles the lifecycle stage writes, turns A's successful remote attempts into
 * relay <i>offers</i> and every message B received from outside into a <i>reception</i>, and joins
 * the two in {@link io.qmailfleet.job.trace.RelayLinker}, keyed by {@code P}. A link produces a
 * {@link io.qmailfleet.job.trace.RelayHop} ({@code hops/}) and update records of both life cycles
 * with {@code relayed_to} / {@code relayed_from} set ({@code lifecycles/}). {@link
 * io.qmailfleet.job.trace.TraceCommand} prints a message's path from those output files.
 */
package io.qmailfleet.job.trace;
