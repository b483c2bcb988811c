package io.qmailfleet.job.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The line counts survive a restore: a second attempt restored from a checkpoint continues from the
 * counts at that checkpoint, so read = parsed + dead-lettered holds over the job's life, on the
 * real operator with its real operator state (snapshot and restore through the test harness).
 */
class ParseFunctionTotalsTest {
    private static final String GOOD = "@400000006b05f0841dc0999c new msg 1";
    private static final String BAD = "@400000006b05f0841dc0999c this is no qmail line";

    private static OneInputStreamOperatorTestHarness<RawLine, QmailEvent> harness(ParseFunction f) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(f));
    }

    private static long acc(ParseFunction f, String name) {
        return ((Number) f.getRuntimeContext().getAccumulator(name).getLocalValue()).longValue();
    }

    private static void feed(OneInputStreamOperatorTestHarness<RawLine, QmailEvent> h, int from, String... texts) throws Exception {
        for (int i = 0; i < texts.length; i++) h.processElement(new RawLine(texts[i], "mx1", "test", from + i), 0L);
    }

    @Test
    void countsContinueFromTheRestoredCheckpoint() throws Exception {
        ParseFunction first = new ParseFunction(new ParserConfig());
        OperatorSubtaskState checkpoint;
        try (var h = harness(first)) {
            h.open();
            feed(h, 1, GOOD, GOOD, BAD);
            checkpoint = h.snapshot(1L, 1L);
            // read after the checkpoint: lost with the attempt, read again by the next one
            feed(h, 4, GOOD, BAD);
            assertEquals(5, acc(first, ParseFunction.ACC_READ));
        }

        ParseFunction second = new ParseFunction(new ParserConfig());
        try (var h = harness(second)) {
            h.initializeState(checkpoint);
            h.open();
            assertEquals(3, acc(second, ParseFunction.ACC_READ), "the counts at the checkpoint, not zero");
            feed(h, 4, GOOD, BAD, GOOD);
            assertEquals(6, acc(second, ParseFunction.ACC_READ));
            assertEquals(4, acc(second, ParseFunction.ACC_PARSED));
            assertEquals(2, acc(second, ParseFunction.ACC_DEAD));
            checkpoint = h.snapshot(2L, 2L);
        }

        // rescaled to two subtasks: the shares are split, and their sum is still the total
        long read = 0;
        long parsed = 0;
        long dead = 0;
        OperatorSubtaskState[] parts = {
            AbstractStreamOperatorTestHarness.repartitionOperatorState(checkpoint, 128, 1, 2, 0),
            AbstractStreamOperatorTestHarness.repartitionOperatorState(checkpoint, 128, 1, 2, 1)};
        for (int i = 0; i < 2; i++) {
            ParseFunction f = new ParseFunction(new ParserConfig());
            try (var h = new OneInputStreamOperatorTestHarness<RawLine, QmailEvent>(new ProcessOperator<>(f), 128, 2, i)) {
                h.initializeState(parts[i]);
                h.open();
                read += acc(f, ParseFunction.ACC_READ);
                parsed += acc(f, ParseFunction.ACC_PARSED);
                dead += acc(f, ParseFunction.ACC_DEAD);
            }
        }
        assertEquals(6, read);
        assertEquals(4, parsed);
        assertEquals(2, dead);
    }
}
