package io.qmailfleet.job.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.Recipient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * {@link RelayLinker} and {@link RelayUpdates} on Flink's keyed operator harnesses: either side first,
 * the receiver's clock only, ambiguity left unlinked, the fleet map, and state and timers gone after
 * a match and after the bound.
 */
class RelayLinkerTest {
    /** 2026-11-24 20:14:11 UTC on the receiver's clock. */
    static final long T = 1_795_551_251L;
    static final long SEC = 1_000_000_000L;

    static RelayConfig config() {
        RelayConfig c = new RelayConfig();
        c.bufferMillis = 60_000;
        return c;
    }

    static final class Harness implements AutoCloseable {
        final KeyedTwoInputStreamOperatorTestHarness<Long, RelayOffer, RelayReception, RelayMatch> h;

        Harness(RelayConfig cfg, StateBackend backend) throws Exception {
            // the operator the job runs (RelayTrace), with the bound on what waits
            h = new KeyedTwoInputStreamOperatorTestHarness<>(new RelayLinker.Operator(new RelayLinker(cfg)),
                    new RelayTrace.OfferQp(), new RelayTrace.ReceptionQp(), Types.LONG);
            if (backend != null) h.setStateBackend(backend);
            h.setProcessingTime(0);
            h.open();
        }

        Harness(RelayConfig cfg) throws Exception {
            this(cfg, null);
        }

        /** Lets the settle time pass. */
        void settle() throws Exception {
            h.setProcessingTime(h.getProcessingTime() + 5_000);
        }

        void endOfInput() throws Exception {
            h.processBothWatermarks(new org.apache.flink.streaming.api.watermark.Watermark(Long.MAX_VALUE));
        }

        void assertNoStateOrTimers(String when) {
            assertEquals(0, h.numKeyedStateEntries(), "state gone " + when);
            assertEquals(0, h.numProcessingTimeTimers(), "processing-time timers gone " + when);
            assertEquals(0, h.numEventTimeTimers(), "end-of-input timer gone " + when);
        }

        void offer(RelayOffer o) throws Exception {
            h.processElement1(new StreamRecord<>(o));
        }

        void reception(RelayReception r) throws Exception {
            h.processElement2(new StreamRecord<>(r));
        }

        List<RelayMatch> matches() {
            List<RelayMatch> l = new ArrayList<>();
            for (Object o : h.getOutput()) {
                if (o instanceof StreamRecord) l.add((RelayMatch) ((StreamRecord<?>) o).getValue());
            }
            return l;
        }

        long acc(String name) {
            Object v = h.getEnvironment().getAccumulatorRegistry().getUserMap().get(name).getLocalValue();
            return ((Number) v).longValue();
        }

        @Override
        public void close() throws Exception {
            h.close();
        }
    }

    /** A sender life cycle on {@code host} whose remote delivery got {@code 250 ok <t> qp <qp>} from {@code ip}. */
    static LifecycleRecord sent(String host, long msgId, long senderClockSeconds, String ip, long t, long qp) {
        LifecycleRecord r = new LifecycleRecord();
        r.host = host;
        r.msgId = msgId;
        r.newNanos = senderClockSeconds * SEC;
        r.infoNanos = r.newNanos;
        r.endNanos = r.newNanos + 2 * SEC;
        r.status = io.qmailfleet.job.model.LifecycleStatus.COMPLETE;
        r.qp = 100;
        r.sender = "alice@a.example";
        Recipient rc = new Recipient();
        rc.address = "bob@b.example";
        rc.domain = "b.example";
        rc.channel = "remote";
        Attempt a = new Attempt();
        a.deliveryId = 7;
        a.run = 1;
        a.startNanos = r.newNanos + 100_000_000L;
        a.endNanos = r.newNanos + 900_000_000L;
        a.outcome = Outcome.SUCCESS;
        a.report = ip + "_accepted_message./Remote_host_said:_250_ok_" + t + "_qp_" + qp + "/";
        rc.attempts.add(a);
        rc.finalOutcome = "success";
        r.recipients.add(rc);
        r.successes = 1;
        return r;
    }

    static RelayOffer offer(String host, long msgId, long senderClock, String ip, long t, long qp) {
        List<RelayOffer> l = RelaySides.offers(sent(host, msgId, senderClock, ip, t, qp));
        assertEquals(1, l.size());
        return l.get(0);
    }

    /** A received life cycle on {@code host} with {@code info msg} at {@code infoNanos} (its own clock). */
    static RelayReception received(String host, long msgId, long infoNanos, long qp) {
        LifecycleRecord r = new LifecycleRecord();
        r.host = host;
        r.msgId = msgId;
        r.newNanos = infoNanos;
        r.infoNanos = infoNanos;
        r.endNanos = infoNanos + 300_000_000L;
        r.status = io.qmailfleet.job.model.LifecycleStatus.COMPLETE;
        r.qp = qp;
        r.uid = 1004;
        r.sender = "alice@a.example";
        RelayReception x = RelaySides.reception(r);
        assertNotNull(x);
        return x;
    }

    @Test
    void offerFirstThenReceptionLinksAndLeavesNoStateOrTimer() throws Exception {
        try (Harness t = new Harness(config())) {
            // the sender's clock is a day behind: only T against the receiver's own info time counts
            t.offer(offer("mx1", 11, T - 86_400, "10.0.0.2", T, 4242));
            assertEquals(1, t.h.numProcessingTimeTimers());
            assertTrue(t.h.numKeyedStateEntries() > 0);
            t.reception(received("mbox1", 22, T * SEC + 400_000_000L, 4242));
            assertTrue(t.matches().isEmpty(), "the pair settles first");
            t.settle();
            List<RelayMatch> m = t.matches();
            assertEquals(1, m.size());
            RelayHop hop = m.get(0).hop;
            assertEquals("mx1", hop.fromHost);
            assertEquals(11, hop.fromMsgId);
            assertEquals("mbox1", hop.toHost);
            assertEquals(22, hop.toMsgId);
            assertEquals(7, hop.deliveryId);
            assertEquals("bob@b.example", hop.recipient);
            assertEquals("10.0.0.2", hop.remoteIp);
            t.assertNoStateOrTimers("after the match");
            assertEquals(1, t.acc(RelayLinker.ACC_LINKS));
        }
    }

    @Test
    void receptionFirstThenOfferLinks() throws Exception {
        try (Harness t = new Harness(config())) {
            t.reception(received("mbox1", 22, T * SEC + 900_000_000L, 4242));
            assertTrue(t.matches().isEmpty());
            t.offer(offer("mx1", 11, T + 30 * 86_400, "10.0.0.2", T, 4242)); // sender a month ahead
            t.settle();
            assertEquals(1, t.matches().size());
            t.assertNoStateOrTimers("after the match");
        }
    }

    @Test
    void aRivalWithinTheSettleTimeMakesThePairAmbiguous() throws Exception {
        try (Harness t = new Harness(config())) {
            t.offer(offer("mx1", 11, T, "10.0.0.2", T, 4242));
            t.reception(received("mbox1", 22, T * SEC + 200_000_000L, 4242));
            t.h.setProcessingTime(4_999);
            t.reception(received("mbox2", 57, T * SEC + 600_000_000L, 4242)); // same pid, same second
            t.settle();
            assertTrue(t.matches().isEmpty(), "a wrong link is worse than none");
            assertEquals(1, t.acc(RelayLinker.ACC_AMBIGUOUS));
            t.h.setProcessingTime(70_000);
            t.assertNoStateOrTimers("after the bound");
            assertEquals(1, t.acc(RelayLinker.ACC_OFFERS_EXPIRED));
            assertEquals(2, t.acc(RelayLinker.ACC_RECEPTIONS_EXPIRED));
        }
    }

    @Test
    void theEndOfABoundedInputDecidesPairsAndEmptiesTheState() throws Exception {
        try (Harness t = new Harness(config())) {
            t.offer(offer("mx1", 11, T, "10.0.0.2", T, 4242));
            t.reception(received("mbox1", 22, T * SEC, 4242));
            t.offer(offer("mx1", 12, T, "192.0.2.1", T + 100, 4242)); // waits for a receiver that never comes
            t.endOfInput();
            assertEquals(1, t.matches().size());
            assertEquals(11, t.matches().get(0).hop.fromMsgId);
            assertEquals(1, t.acc(RelayLinker.ACC_OFFERS_EXPIRED));
            t.assertNoStateOrTimers("at the end of the input");
        }
    }

    @Test
    void outsideTheToleranceOnTheReceiversClockNoLink() throws Exception {
        try (Harness t = new Harness(config())) {
            t.reception(received("mbox1", 22, (T + 60) * SEC, 4242)); // same pid a minute later: another message
            t.offer(offer("mx1", 11, T, "10.0.0.2", T, 4242));
            assertTrue(t.matches().isEmpty());
        }
    }

    @Test
    void unmatchedSidesLeaveAfterTheBoundAndAreCounted() throws Exception {
        try (Harness t = new Harness(config())) {
            t.offer(offer("mx1", 11, T, "192.0.2.9", T, 4242)); // receiver not in the job
            t.h.setProcessingTime(10_000);
            t.reception(received("mbox1", 30, (T + 3600) * SEC, 5151)); // mail from outside the fleet
            t.h.setProcessingTime(59_999);
            assertTrue(t.h.numKeyedStateEntries() > 0);
            t.h.setProcessingTime(60_000);
            assertEquals(1, t.acc(RelayLinker.ACC_OFFERS_EXPIRED));
            assertEquals(0, t.acc(RelayLinker.ACC_RECEPTIONS_EXPIRED));
            t.h.setProcessingTime(70_000);
            assertEquals(1, t.acc(RelayLinker.ACC_RECEPTIONS_EXPIRED));
            t.assertNoStateOrTimers("after the bound");
            assertTrue(t.matches().isEmpty());
        }
    }

    @Test
    void samePidOnTwoReceiversAtTheSameSecondIsAmbiguousAndStaysUnlinked() throws Exception {
        try (Harness t = new Harness(config())) {
            t.reception(received("mbox1", 22, T * SEC + 200_000_000L, 4242));
            t.reception(received("mbox2", 57, T * SEC + 600_000_000L, 4242));
            t.offer(offer("mx1", 11, T, "10.0.0.2", T, 4242));
            assertTrue(t.matches().isEmpty(), "two candidates: no link");
            assertEquals(1, t.acc(RelayLinker.ACC_AMBIGUOUS));
            // a second sender claiming the same pair does not pick one either
            t.offer(offer("mx2", 12, T, "10.0.0.3", T, 4242));
            assertTrue(t.matches().isEmpty());
            assertEquals(2, t.acc(RelayLinker.ACC_AMBIGUOUS));
            t.h.setProcessingTime(60_000);
            t.assertNoStateOrTimers("after the bound");
        }
    }

    @Test
    void theFleetMapPicksTheReceiverAndUnmappedAddressesLeaveTheFleet() throws Exception {
        RelayConfig cfg = config();
        cfg.fleetMap = Map.of("10.0.0.2", "mbox1", "10.0.0.3", "mbox2");
        try (Harness t = new Harness(cfg)) {
            t.reception(received("mbox1", 22, T * SEC + 200_000_000L, 4242));
            t.reception(received("mbox2", 57, T * SEC + 600_000_000L, 4242));
            t.offer(offer("mx1", 11, T, "10.0.0.3", T, 4242));
            t.settle();
            List<RelayMatch> m = t.matches();
            assertEquals(1, m.size());
            assertEquals("mbox2", m.get(0).hop.toHost);
            assertEquals(57, m.get(0).hop.toMsgId);
            t.offer(offer("mx1", 13, T, "198.51.100.1", T, 4242)); // not in the map: outside the fleet
            assertEquals(1, t.matches().size());
            assertEquals(0, t.acc(RelayLinker.ACC_AMBIGUOUS));
        }
    }

    @Test
    void stateIsPojoSerializedOnRocksDb() throws Exception {
        try (Harness t = new Harness(config(), new EmbeddedRocksDBStateBackend())) {
            t.reception(received("mbox1", 22, T * SEC, 4242));
            t.offer(offer("mx1", 11, T, "10.0.0.2", T, 4242));
            t.settle();
            assertEquals(1, t.matches().size());
            assertEquals("bob@b.example", t.matches().get(0).sender.recipients.get(0).address);
            var backend = ((org.apache.flink.streaming.api.operators.AbstractStreamOperator<?>) t.h.getOperator())
                    .<Long>getKeyedStateBackend();
            assertTrue(backend.getClass().getSimpleName().startsWith("RocksDB"));
            for (String state : List.of("relay-offers", "relay-receptions")) {
                try (var keys = backend.getKeys(state, org.apache.flink.runtime.state.VoidNamespace.INSTANCE)) {
                    assertEquals(0, keys.count(), state + " gone after the match");
                }
            }
        }
    }

    @Test
    void otherRepliesAndBouncesAreNoRelaySides() {
        LifecycleRecord r = sent("mail", 1, T, "127.0.0.1", T, 1);
        r.recipients.get(0).attempts.get(0).report = "127.0.0.1_accepted_message./Remote_host_said:_250_2.0.0_Ok:_queued_as_S00002/";
        assertTrue(RelaySides.offers(r).isEmpty());
        LifecycleRecord b = received("mail", 2, T * SEC, 99).receiver;
        b.bounceOf = new io.qmailfleet.job.model.MessageRef(1, T * SEC, 99, null);
        assertNull(RelaySides.reception(b), "a bounce is linked on its own host, never received");
    }

    @Test
    void updatesMergeEveryLinkOfALifeCycleAndLeaveAfterTheBound() throws Exception {
        RelayConfig cfg = config();
        var h = new KeyedOneInputStreamOperatorTestHarness<String, LifecycleRecord, LifecycleRecord>(
                new KeyedProcessOperator<>(new RelayUpdates(cfg)), new RelayUpdates.Identity(), Types.STRING);
        h.setProcessingTime(0);
        h.open();
        try {
            // one message with two relayed recipients: two links, two updates of the same life cycle
            LifecycleRecord base = sent("mx1", 11, T, "10.0.0.2", T, 4242);
            Recipient second = new Recipient();
            second.address = "carol@c.example";
            second.domain = "c.example";
            second.channel = "remote";
            Attempt a2 = new Attempt();
            a2.deliveryId = 8;
            a2.run = 1;
            a2.outcome = Outcome.SUCCESS;
            a2.report = "10.0.0.3_accepted_message./Remote_host_said:_250_ok_" + T + "_qp_5151/";
            second.attempts.add(a2);
            base.recipients.add(second);
            List<RelayOffer> offers = RelaySides.offers(base);
            assertEquals(2, offers.size());

            List<LifecycleRecord> out = new ArrayList<>();
            var toUpdates = new RelayUpdates.FromMatch();
            org.apache.flink.util.Collector<LifecycleRecord> collect = new org.apache.flink.util.Collector<>() {
                @Override public void collect(LifecycleRecord r) { out.add(r); }
                @Override public void close() {}
            };
            toUpdates.flatMap(new RelayMatch(RelayLinker.hop(offers.get(0), received("mbox1", 22, T * SEC, 4242)),
                    copy(base), null), collect);
            toUpdates.flatMap(new RelayMatch(RelayLinker.hop(offers.get(1), received("mbox2", 57, T * SEC, 5151)),
                    copy(base), null), collect);
            assertEquals(2, out.size());
            for (LifecycleRecord r : out) h.processElement(new StreamRecord<>(r));
            List<LifecycleRecord> written = new ArrayList<>();
            for (Object o : h.getOutput()) written.add((LifecycleRecord) ((StreamRecord<?>) o).getValue());
            assertEquals(2, written.size());
            LifecycleRecord last = written.get(1);
            assertTrue(last.relayUpdate);
            assertEquals("mbox1", last.recipients.get(0).attempts.get(0).relayedTo.host);
            assertEquals("mbox2", last.recipients.get(1).attempts.get(0).relayedTo.host);
            assertEquals(57, last.recipients.get(1).attempts.get(0).relayedTo.msgId);
            assertTrue(h.numKeyedStateEntries() > 0);
            h.setProcessingTime(60_000);
            assertEquals(0, h.numKeyedStateEntries(), "state gone after the bound");
            assertEquals(0, h.numProcessingTimeTimers());
        } finally {
            h.close();
        }
    }

    /** A copy through the record's own Flink serializer (each link carries its own copy downstream). */
    static LifecycleRecord copy(LifecycleRecord r) throws Exception {
        var s = org.apache.flink.api.common.typeinfo.TypeInformation.of(LifecycleRecord.class)
                .createSerializer(new org.apache.flink.api.common.serialization.SerializerConfigImpl());
        return s.copy(r);
    }
}
