package io.qmailfleet.bench;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.trace.RelayConfig;
import io.qmailfleet.job.trace.RelayLinker;
import io.qmailfleet.job.trace.RelayMatch;
import io.qmailfleet.job.trace.RelayOffer;
import io.qmailfleet.job.trace.RelayReception;
import io.qmailfleet.job.trace.RelaySides;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Throughput of the relay linker in Flink's two-input operator harness (one thread, no network):
 * per invocation {@value #MESSAGES} received messages, of which one in {@value #RELAYED_EVERY} was
 * relayed by another host (its offer arrives after it), over a realistic pid range (so keys hold a
 * few waiting receptions each); the end of the input then decides the settled pairs and drops the
 * rest. The score is relay elements (offers + receptions) per second; harness set-up is inside the
 * measured time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RelayBenchmark {
    static final int MESSAGES = 100_000;
    static final int RELAYED_EVERY = 4;
    static final int ELEMENTS = MESSAGES + MESSAGES / RELAYED_EVERY;
    static final long T0 = 1_795_551_251L;

    @Param({"hashmap"})
    public String stateBackend;

    private final List<RelayOffer> offers = new ArrayList<>();
    private final List<RelayReception> receptions = new ArrayList<>();

    @Setup
    public void build() {
        for (int i = 0; i < MESSAGES; i++) {
            long qp = 300 + (i * 7919L) % 32_000; // pids wrap: each qp comes back about every 53 min
            long t = T0 + i / 10; // ten messages a second
            LifecycleRecord b = new LifecycleRecord();
            b.host = "mbox" + (i % 3);
            b.msgId = 1_000_000 + i;
            b.newNanos = t * 1_000_000_000L + 1_000_000L * (i % 10);
            b.infoNanos = b.newNanos + 1_000;
            b.endNanos = b.newNanos + 50_000_000L;
            b.status = io.qmailfleet.job.model.LifecycleStatus.COMPLETE;
            b.qp = qp;
            b.sender = "someone@example.net";
            receptions.add(RelaySides.reception(b));
            if (i % RELAYED_EVERY == 0) {
                LifecycleRecord a = new LifecycleRecord();
                a.host = "mx1";
                a.msgId = 2_000_000 + i;
                a.newNanos = (t - 3600) * 1_000_000_000L;
                a.status = io.qmailfleet.job.model.LifecycleStatus.COMPLETE;
                Recipient rc = new Recipient();
                rc.address = "user" + i + "@" + b.host + ".example";
                rc.domain = b.host + ".example";
                rc.channel = "remote";
                Attempt at = new Attempt();
                at.deliveryId = i;
                at.run = 1;
                at.outcome = Outcome.SUCCESS;
                at.report = "10.0.0." + (i % 3) + "_accepted_message./Remote_host_said:_250_ok_" + t + "_qp_" + qp + "/";
                rc.attempts.add(at);
                a.recipients.add(rc);
                offers.add(RelaySides.offers(a).get(0));
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(ELEMENTS)
    public long link() throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<Long, RelayOffer, RelayReception, RelayMatch>(
                new KeyedCoProcessOperator<>(new RelayLinker(new RelayConfig())),
                (RelayOffer x) -> x.qp, (RelayReception x) -> x.qp, Types.LONG);
        if (stateBackend.equals("rocksdb")) h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.open();
        int o = 0;
        for (int i = 0; i < receptions.size(); i++) {
            h.processElement2(new StreamRecord<>(receptions.get(i)));
            if (i % RELAYED_EVERY == 0) h.processElement1(new StreamRecord<>(offers.get(o++)));
        }
        h.processBothWatermarks(new Watermark(Long.MAX_VALUE));
        long links = h.getOutput().size();
        h.close();
        if (links < offers.size()) throw new IllegalStateException("only " + links + " of " + offers.size() + " linked");
        return links;
    }
}
