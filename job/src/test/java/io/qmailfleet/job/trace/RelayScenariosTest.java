package io.qmailfleet.job.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.JsonSchema;
import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.Main;
import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.model.RelayRef;
import io.qmailfleet.job.sink.JsonLines;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import io.qmailfleet.job.testutil.Schemas;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The relay trace in the whole graph on a MiniCluster, from raw multi-host log lines
 * ({@link RelayFleetLogs}): relays both ways, a bounce back to the sender's host, the same pid on two
 * receivers in the same second, a receiver outside the job, and the real capture (its remote
 * deliveries went to 127.0.0.1, which is not in the job).
 */
class RelayScenariosTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    record Run(CollectingSinks out, JobExecutionResult result) {
        long acc(String name) {
            Object v = result.getAllAccumulatorResults().get(name);
            return v == null ? 0 : ((Number) v).longValue();
        }

        /** "from -> to" of every hop, sorted. */
        Set<String> hops() {
            Set<String> s = new TreeSet<>();
            for (RelayHop h : out.of(io.qmailfleet.job.sink.Outputs.HOPS)) s.add(h.fromHost + ":" + h.fromMsgId + "->" + h.toHost + ":" + h.toMsgId);
            return s;
        }

        List<LifecycleRecord> updates() {
            return out.lifecycles().stream().filter(r -> r.relayUpdate).toList();
        }

        LifecycleRecord update(String host, long msgId) {
            LifecycleRecord found = null;
            for (LifecycleRecord r : updates()) if (r.host.equals(host) && r.msgId == msgId) found = r;
            return found;
        }
    }

    static Run run(JobConfig cfg, List<RawLine> lines, int parallelism) throws Exception {
        StreamExecutionEnvironment env = PipelineRunner.env(parallelism, cfg.stateBackend);
        CollectingSinks sinks = new CollectingSinks();
        DataStream<RawLine> in = env.fromData(lines, TypeInformation.of(RawLine.class)).setParallelism(1)
                .assignTimestampsAndWatermarks(FleetPipeline.watermarks(cfg)).setParallelism(1);
        FleetPipeline.build(in, cfg, sinks);
        return new Run(sinks, env.execute("relay scenarios"));
    }

    static JobConfig config(String... args) {
        return JobConfig.from(CliArgs.parse(args));
    }

    static Attempt onlyAttempt(LifecycleRecord r) {
        assertEquals(1, r.recipients.size());
        assertEquals(1, r.recipients.get(0).attempts.size());
        return r.recipients.get(0).attempts.get(0);
    }

    @Test
    void receiversFirstWithoutAFleetMap() throws Exception {
        // receivers' lines first. The linker's two inputs are not ordered with respect to each other,
        // so mx1's offer for qp 7777 may meet mbox1:204 alone first; the pair then settles, and
        // mbox2:304 turns up before it is written (a settle time longer than the run: pairs are
        // decided at the end of the input)
        Run r = run(config("--relay-settle", "1h", "--relay-buffer", "2h"), RelayFleetLogs.raw(List.of("mbox1", "mbox2", "mx1")), 2);
        assertEquals(List.of(), r.out.deadLetters());
        assertEquals(Set.of("mx1:100->mbox1:200", "mbox1:201->mx1:101", "mx1:102->mbox1:202", "mbox1:203->mx1:103"),
                r.hops());
        assertEquals(4, r.acc(RelayLinker.ACC_LINKS));
        assertEquals(1, r.acc(RelayLinker.ACC_AMBIGUOUS), "mx1:104 has two candidates and stays unlinked");
        // every life cycle once as built, the linked ones once more with their link
        assertEquals(12, r.out.lifecycles().stream().filter(x -> !x.relayUpdate).count());
        assertEquals(8, r.updates().size());
        assertNull(r.update("mx1", 104));
        assertNull(r.update("mbox1", 204));
        assertNull(r.update("mbox2", 304));
        assertNull(r.update("mx1", 105), "receiver not in the job: no link, no error");

        LifecycleRecord received = r.update("mbox1", 200);
        RelayRef from = received.relayedFrom;
        assertEquals("mx1", from.host);
        assertEquals(100, from.msgId);
        assertEquals(RelayFleetLogs.A * 1_000_000_000L + 1_000_000_000L, from.birthNanos);
        assertEquals(1, from.deliveryId);
        assertEquals("bob@mbox1.example", from.recipient);
        assertEquals(7001, from.qp);
        RelayRef to = onlyAttempt(r.update("mx1", 100)).relayedTo;
        assertEquals("mbox1", to.host);
        assertEquals(200, to.msgId);
        assertEquals(RelayFleetLogs.B * 1_000_000_000L + 1_000_000_000L, to.birthNanos);

        // the round trip of a bounce: mx1:102 -> mbox1:202 -bounce-> mbox1:203 -> mx1:103
        assertEquals(202, onlyAttempt(r.update("mx1", 102)).relayedTo.msgId);
        LifecycleRecord bounce = r.out.lifecycles().stream().filter(x -> x.host.equals("mbox1") && x.msgId == 203)
                .findFirst().orElseThrow();
        assertEquals(202, bounce.bounceOf.msgId);
        assertEquals("mx1", onlyAttempt(r.update("mbox1", 203)).relayedTo.host);
        assertEquals(203, r.update("mx1", 103).relayedFrom.msgId);
        assertEquals("mbox1", r.update("mx1", 103).relayedFrom.host);

        // delay from mx1's attempt start to mbox1's end msg, across the two clocks (mbox1 is a day ahead)
        RelayHop hop = r.out.of(io.qmailfleet.job.sink.Outputs.HOPS).stream().filter(h -> h.fromMsgId == 100).findFirst().orElseThrow();
        assertEquals(86_400_100L, hop.delayNanos() / 1_000_000L);
        assertEquals(RelayFleetLogs.B + 1, hop.reportedSeconds);
        assertEquals(86_400L, hop.receiverClockAheadSeconds());
        RelayHop back = r.out.of(io.qmailfleet.job.sink.Outputs.HOPS).stream().filter(h -> h.fromMsgId == 203).findFirst().orElseThrow();
        assertEquals(-86_400L, back.receiverClockAheadSeconds());

        JsonSchema lifecycleSchema = Schemas.load("lifecycle.schema.json");
        for (LifecycleRecord x : r.out.lifecycles()) {
            String json = JsonLines.lifecycle(x);
            assertEquals(Set.of(), Schemas.validate(lifecycleSchema, json), json);
        }
        JsonSchema hopSchema = Schemas.load("hop.schema.json");
        for (RelayHop h : r.out.of(io.qmailfleet.job.sink.Outputs.HOPS)) {
            String json = JsonLines.hop(h);
            assertEquals(Set.of(), Schemas.validate(hopSchema, json), json);
        }
    }

    /** Offers and receptions that reached the linker: each is linked (two per link) or counted unlinked. */
    static long sides(Run r) {
        return 2 * r.acc(RelayLinker.ACC_LINKS) + r.acc(RelayLinker.ACC_OFFERS_EXPIRED) + r.acc(RelayLinker.ACC_RECEPTIONS_EXPIRED);
    }

    @Test
    void pastTheBoundOnWhatWaitsTheFirstArrivalsLeaveUnlinkedAndAreCounted() throws Exception {
        // with the fleet map no rival is ever a candidate, so dropping one cannot make a link
        // unique (without it, a rival that left, by this bound or --relay-buffer, no longer makes
        // a later offer ambiguous); pairs settle to the end of the input, so every side waits
        List<RawLine> lines = RelayFleetLogs.raw(List.of("mbox1", "mbox2", "mx1"));
        Run free = run(config("--fleet-map", RelayFleetLogs.FLEET_MAP, "--relay-settle", "1h", "--relay-buffer", "2h"), lines, 1);
        Run bounded = run(config("--fleet-map", RelayFleetLogs.FLEET_MAP, "--relay-settle", "1h", "--relay-buffer", "2h",
                "--relay-max-waiting", "3"), lines, 1);
        assertEquals(0, free.acc(RelayLinker.ACC_OVER_BOUND));
        assertTrue(bounded.acc(RelayLinker.ACC_OVER_BOUND) > 0,
                "more than 3 wait, and mbox2:304 and mx1:105's offer never pair");
        assertEquals(sides(free), sides(bounded), "every side linked or counted unlinked, bound or not");
        assertTrue(free.hops().containsAll(bounded.hops()), "what is linked under the bound is linked without it");
        assertEquals(free.out.lifecycles().stream().filter(x -> !x.relayUpdate).count(),
                bounded.out.lifecycles().stream().filter(x -> !x.relayUpdate).count());
    }

    @Test
    void senderFirstWithAFleetMapLinksThePidCollisionToTheMappedHost() throws Exception {
        Run r = run(config("--fleet-map", RelayFleetLogs.FLEET_MAP),
                RelayFleetLogs.raw(List.of("mx1", "mbox2", "mbox1")), 2);
        assertEquals(List.of(), r.out.deadLetters());
        assertEquals(Set.of("mx1:100->mbox1:200", "mbox1:201->mx1:101", "mx1:102->mbox1:202",
                "mbox1:203->mx1:103", "mx1:104->mbox1:204"), r.hops());
        assertEquals(0, r.acc(RelayLinker.ACC_AMBIGUOUS));
        assertNull(r.update("mbox2", 304));
        assertNull(r.update("mx1", 105), "192.0.2.50 is not in the map: outside the fleet");
    }

    @Test
    void theRealCapturesRemoteDeliveriesTo127001StayUnlinked() throws Exception {
        JobConfig cfg = config("--input", Capture.multilogDir().toString(), "--host", "mail", "--events", "false");
        CollectingSinks out = PipelineRunner.runFiles(cfg, 2);
        long remoteSuccesses = out.lifecycles().stream().flatMap(x -> x.recipients.stream())
                .filter(rc -> rc.channel.equals("remote")).flatMap(rc -> rc.attempts.stream())
                .filter(a -> a.outcome == io.qmailfleet.job.model.Outcome.SUCCESS).count();
        assertTrue(remoteSuccesses > 0, "the capture has remote deliveries to 127.0.0.1");
        assertEquals(539, out.lifecycles().size());
        assertEquals(List.of(), out.of(io.qmailfleet.job.sink.Outputs.HOPS));
        assertTrue(out.lifecycles().stream().noneMatch(x -> x.relayUpdate || x.relayedFrom != null));
    }
}
