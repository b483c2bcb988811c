package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.end;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.onHost;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The host stage's gauges: open messages per host and the number of hosts with state, as lines
 * open and end messages, across a checkpoint restore (heap and RocksDB), and when a host's state is
 * cleared by the idle TTL or the end of input.
 */
class HostGaugesTest {
    private static final String A = "mx-a.example.com";
    private static final String B = "mx-b.example.com";

    private static HostSequencer stageA(Pipeline p) {
        return (HostSequencer) p.a.getOperator();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void countsFollowTheLinesAndARestoreRecomputesThem(boolean rocksDb) throws Exception {
        try (Pipeline p = new Pipeline(Pipeline.inOrderConfig(), JoinedLineParser.qmailLineParser(),
                rocksDb ? new EmbeddedRocksDBStateBackend() : null)) {
            assertEquals(0, stageA(p).hostsWithState());
            assertEquals(-1, stageA(p).openMessagesOf(A));
            p.feed(onHost(newMsg(10, 1), A), onHost(newMsg(20, 2), A), onHost(newMsg(30, 3), A),
                    onHost(newMsg(40, 7), B));
            assertEquals(3, stageA(p).openMessagesOf(A));
            assertEquals(1, stageA(p).openMessagesOf(B));
            assertEquals(2, stageA(p).hostsWithState());

            // a message first seen after its new msg line opens too; an end closes; a second end changes nothing
            p.feed(onHost(info(50, 4, 100, "a@example.com", 9, 1), A), onHost(end(60, 1), A),
                    onHost(end(70, 1), A), onHost(end(80, 7), B));
            assertEquals(3, stageA(p).openMessagesOf(A));
            assertEquals(0, stageA(p).openMessagesOf(B));
            assertEquals(2, stageA(p).hostsWithState());

            p.snapshotAndRestoreStageA();
            assertEquals(3, stageA(p).openMessagesOf(A), "recomputed from the restored keyed state");
            assertEquals(0, stageA(p).openMessagesOf(B));
            assertEquals(2, stageA(p).hostsWithState());

            p.feed(onHost(end(90, 2), A), onHost(newMsg(100, 8), B));
            assertEquals(2, stageA(p).openMessagesOf(A));
            assertEquals(1, stageA(p).openMessagesOf(B));

            p.endOfInput(); // every host's state is cleared: the gauges go
            assertEquals(-1, stageA(p).openMessagesOf(A));
            assertEquals(-1, stageA(p).openMessagesOf(B));
            assertEquals(0, stageA(p).hostsWithState());
        }
    }

    @Test
    void anIdleHostLeavesTheCountsAndComesBackWithItsNextLine() throws Exception {
        LifecycleConfig c = Pipeline.inOrderConfig();
        c.hostIdleTtlMillis = 1000;
        try (Pipeline p = new Pipeline(c)) {
            p.processingTime(0);
            p.feed(onHost(newMsg(10, 1), A), onHost(newMsg(20, 2), A));
            p.processingTime(600);
            p.feed(onHost(newMsg(30, 5), B));
            p.processingTime(1000); // A idle for the TTL: evicted; B active 400 ms ago
            assertEquals(-1, stageA(p).openMessagesOf(A));
            assertEquals(1, stageA(p).openMessagesOf(B));
            assertEquals(1, stageA(p).hostsWithState());

            p.feed(onHost(newMsg(40, 3), A));
            assertEquals(1, stageA(p).openMessagesOf(A), "a fresh count, not the evicted messages");
            assertEquals(2, stageA(p).hostsWithState());
        }
    }

    @Test
    void messagesEvictedForTheirAgeLeaveTheCount() throws Exception {
        LifecycleConfig c = Pipeline.inOrderConfig();
        c.maxOpenAgeNanos = 1_000_000_000L;
        c.stuckAfterNanos = 500_000_000L;
        try (Pipeline p = new Pipeline(c)) {
            p.feed(onHost(newMsg(0, 1), A), onHost(newMsg(10, 2), A));
            assertEquals(2, stageA(p).openMessagesOf(A));
            p.feed(onHost(newMsg(1500, 3), A)); // the first two are older than the maximum open age now
            assertEquals(1, stageA(p).openMessagesOf(A));
        }
    }
}
