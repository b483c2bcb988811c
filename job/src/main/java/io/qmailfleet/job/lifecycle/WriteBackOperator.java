package io.qmailfleet.job.lifecycle;

import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.SimpleTimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;

/**
 * A {@link KeyedProcessOperator} (keyed by a string) whose function holds its keyed state in memory
 * between checkpoints through a {@link HeldState}: the state is written to keyed state before every
 * checkpoint barrier. The function gets its {@link HeldState} before it is opened; run in a plain
 * {@link KeyedProcessOperator} it makes its own, written through ({@link HeldState#writeThrough()}).
 */
public class WriteBackOperator<IN, OUT> extends KeyedProcessOperator<String, IN, OUT> {
    private static final long serialVersionUID = 1L;

    /** A function that holds its state through the {@link HeldState} it is given. */
    public interface Function {
        /** Called before the function is opened: its state is to be made from {@code held}. */
        void holdWith(HeldState held);
    }

    private transient boolean restored;
    private transient HeldState held;

    public <F extends KeyedProcessFunction<String, IN, OUT> & Function> WriteBackOperator(F function) {
        super(function);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        restored = context.isRestored();
    }

    @Override
    public void open() throws Exception {
        held = new HeldState(this::setCurrentKey, HeldState.currentKeyOf(this), restored);
        // the function's own timers (the service KeyedProcessOperator.open asks for by the same
        // name), for timers it sets outside an element or a timer of the key (in a flush)
        held.useTimers(new SimpleTimerService(getInternalTimerService("user-timers", VoidNamespaceSerializer.INSTANCE, this)));
        ((Function) userFunction).holdWith(held);
        super.open();
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        held.flush();
    }

    /** Entries held in memory (not yet in keyed state). */
    public int held() {
        return held.held();
    }
}
