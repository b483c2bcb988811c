package io.qmailfleet.job.lifecycle;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;

/**
 * The keyed state of one operator instance as its plain rules see it ({@link StateTable},
 * {@link StateSlot}), either written through to Flink's state at every call, or held in memory
 * between checkpoints ({@link WriteBackTable}, {@link WriteBackSlot}): then {@link #flush} writes
 * every change to keyed state, and must be called before each checkpoint barrier
 * ({@link WriteBackOperator} does, and so does {@link HostSequencer}). On RocksDB a read or a write
 * costs a lookup and a serialization, so state that is read and written for many records of a key
 * between two checkpoints costs one of each per checkpoint instead of per record.
 */
public final class HeldState {
    /** Something that holds keyed state in memory: {@link #flush} writes it to keyed state, and it holds nothing after. */
    public interface Holder {
        /** Writes what is held; {@code setKey} makes a key the current one of the keyed state first. */
        void flush(Consumer<String> setKey) throws Exception;

        /** Entries held and not yet written, all keys. */
        int held();
    }

    /** Null: every call is written through. */
    private final Consumer<String> setKey;
    private final Supplier<String> currentKey;
    private final boolean restored;
    private final List<Holder> holders = new ArrayList<>();
    /** The operator's timers for the current key ({@link #useTimers}); null when it has given none. */
    private TimerService timers;
    /** See {@link #limit}. */
    private int maxHeld = 200_000;
    private int checkEvery = 4096;
    private int calls;

    /**
     * @param setKey     makes a key the operator's current one
     * @param currentKey the operator's current key
     * @param restored   whether the operator's state was restored from a checkpoint or savepoint
     */
    public HeldState(Consumer<String> setKey, Supplier<String> currentKey, boolean restored) {
        this.setKey = setKey;
        this.currentKey = currentKey;
        this.restored = restored;
    }

    /**
     * The current key of {@code operator} (keyed by strings), for {@link #HeldState} and its tables.
     * Every operator's tables read their key through this one class, so that the tables' call to
     * it, made on every access, has a single receiver class (with a lambda per operator the JIT saw
     * several and dispatched through an interface stub).
     */
    public static Supplier<String> currentKeyOf(AbstractStreamOperator<?> operator) {
        return new OperatorKey(operator);
    }

    private static final class OperatorKey implements Supplier<String> {
        private final AbstractStreamOperator<?> operator;

        OperatorKey(AbstractStreamOperator<?> operator) {
            this.operator = operator;
        }

        @Override
        public String get() {
            return (String) operator.getCurrentKey();
        }
    }

    /** Every call written through (an operator with no hook before the checkpoint barrier). */
    public static HeldState writeThrough() {
        return new HeldState(null, null, false);
    }

    /** Gives the timers of the operator's current key, for a holder that sets timers when it writes a key ({@link WriteBackOperator} does). */
    public HeldState useTimers(TimerService timers) {
        this.timers = timers;
        return this;
    }

    /** The operator's timers for its current key; null unless {@link #useTimers} gave them. */
    public TimerService timers() {
        return timers;
    }

    /**
     * Makes {@code key} the operator's current key: for a function that, from one key's timer,
     * handles other keys whose state it holds in memory. Only when this writes back.
     */
    public void setCurrentKey(String key) {
        if (!writesBack()) throw new IllegalStateException("written through: there is no key to set");
        setKey.accept(key);
    }

    /** Whether state is held in memory between checkpoints. */
    public boolean writesBack() {
        return setKey != null;
    }

    /** Whether the operator's state was restored (a key may have state the operator has not written). */
    public boolean restored() {
        return restored;
    }

    /** The map state of the current key as a table, held in memory when this writes back. */
    public <K, V> StateTable<K, V> table(MapState<K, V> state) {
        StateTable<K, V> t = direct(state);
        if (!writesBack()) return t;
        WriteBackTable<K, V> w = new WriteBackTable<>(t, currentKey, restored);
        holders.add(w);
        return w;
    }

    /** The value state of the current key as a slot, held in memory when this writes back. */
    public <V> StateSlot<V> slot(ValueState<V> state) {
        StateSlot<V> s = direct(state);
        if (!writesBack()) return s;
        WriteBackSlot<V> w = new WriteBackSlot<>(s, currentKey);
        holders.add(w);
        return w;
    }

    /** Something else the operator holds in memory, written with the rest. */
    public void add(Holder h) {
        holders.add(h);
    }

    /** Writes everything held to keyed state; the current key is then any key's. */
    public void flush() throws Exception {
        if (!writesBack()) return;
        for (Holder h : holders) h.flush(setKey);
    }

    /** Entries held in memory, all tables, slots and keys. */
    public int held() {
        int n = 0;
        for (Holder h : holders) n += h.held();
        return n;
    }

    /**
     * Sets how much is held between checkpoints: past {@code entries} entries, looked at every
     * {@code everyCalls} calls of {@link #bound}, everything is written to keyed state, so that
     * between two checkpoints far apart a busy operator holds no more (200,000 every 4,096 unless set).
     */
    public HeldState limit(int entries, int everyCalls) {
        checkLimit(entries, everyCalls);
        this.maxHeld = entries;
        this.checkEvery = everyCalls;
        return this;
    }

    /** Refuses a {@link #limit} that is not one: a negative number of entries, or looking less than every call. */
    static void checkLimit(int entries, int everyCalls) {
        if (entries < 0 || everyCalls < 1) throw new IllegalArgumentException(entries + " entries every " + everyCalls + " calls");
    }

    /** Called once per element (before its state is used): applies the {@link #limit}. */
    public void bound() throws Exception {
        if (++calls < checkEvery) return;
        calls = 0;
        flushIfOver(maxHeld);
    }

    /** Writes everything held when more than {@code max} entries are, then makes the current key current again. */
    public void flushIfOver(int max) throws Exception {
        if (writesBack() && held() > max) flushKeepingKey();
    }

    /** Writes everything held, then makes the current key current again (while an element or timer is handled). */
    public void flushKeepingKey() throws Exception {
        if (!writesBack()) return;
        String key = currentKey.get();
        flush();
        setKey.accept(key);
    }

    /** A map state of the current key as a table, every call written through. */
    static <K, V> StateTable<K, V> direct(MapState<K, V> s) {
        return new StateTable<>() {
            @Override public V get(K key) { return access(() -> s.get(key)); }
            @Override public void put(K key, V value) { access(() -> { s.put(key, value); return null; }); }
            @Override public void remove(K key) { access(() -> { s.remove(key); return null; }); }
            @Override public boolean isEmpty() { return access(s::isEmpty); }
            @Override public Iterator<Map.Entry<K, V>> iterator() { return access(s::iterator); }
            @Override public void clear() { s.clear(); }
        };
    }

    /** A value state of the current key as a slot, every call written through. */
    static <V> StateSlot<V> direct(ValueState<V> s) {
        return new StateSlot<>() {
            @Override public V get() { return access(s::value); }
            @Override public void set(V value) { access(() -> { s.update(value); return null; }); }
            @Override public void clear() { s.clear(); }
        };
    }

    /** A call into keyed state, its checked exception (the backend's) rethrown unchecked. */
    private static <T> T access(Callable<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw StateAccessException.of(e);
        }
    }

    /** A keyed-state access failed (the backend threw a checked exception). */
    public static final class StateAccessException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private StateAccessException(Exception cause) {
            super("keyed state access failed: " + cause, cause);
        }

        static RuntimeException of(Exception e) {
            return e instanceof RuntimeException ? (RuntimeException) e : new StateAccessException(e);
        }
    }
}
