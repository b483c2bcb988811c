package io.qmailfleet.job.lifecycle;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.streaming.api.TimerService;

/**
 * Event-time timers shared by the keys an operator holds in memory ({@link HeldState}). Keys that
 * want a timer at the same instant (every key of a window wants the window's instants) cost one
 * timer: the first key to ask sets it, the others are listed under it ({@link #ask}), and when it
 * fires the operator handles the listed keys with it ({@link #fire}). On RocksDB every timer set,
 * fired or deleted is a write or a read of the database; on the heap, an entry of the timer queue.
 *
 * <p>Before a checkpoint barrier, and whenever the held state is written, every listed key sets its
 * own timer and the lists are emptied ({@link #flush}, called by {@link HeldState#flush}): a
 * checkpoint holds a timer per key, as without sharing, and nothing of the lists. A key listed
 * twice for an instant is listed once, and the key that set the timer is not listed under it.
 */
public final class SharedTimers implements HeldState.Holder {
    /** What the operator does for a listed key when the timer it shares fires (the key is then the current one). */
    @FunctionalInterface
    public interface KeyTimer {
        void fire(String key) throws Exception;
    }

    /** The keys of one instant: the one whose own timer it is, and the others, in the order they asked. */
    private static final class Shared {
        final String owner;
        final LinkedHashSet<String> others = new LinkedHashSet<>();

        Shared(String owner) {
            this.owner = owner;
        }
    }

    private final HeldState held;
    private final Map<Long, Shared> byInstant = new HashMap<>();
    /** Keys listed, all instants: held entries, so that the held state's bound covers them. */
    private int listed;
    /** The list of the instant whose timer is firing ({@link #fire}), and the instant; null when none is. */
    private Shared firing;
    private long firingAt;

    /** Timers shared while {@code held} holds state in memory and has the operator's timers ({@link HeldState#useTimers}). */
    public SharedTimers(HeldState held) {
        this.held = held;
        held.add(this);
    }

    /** Whether timers are shared: the state is held in memory and the operator's timers are known. */
    public boolean sharing() {
        return held.writesBack() && held.timers() != null;
    }

    /**
     * An event-time timer at {@code at} for the current key {@code key}: its own (the first key of
     * the instant, or when timers are not shared), or a place on the list of the key that set it.
     */
    public void ask(String key, long at, TimerService timers) {
        if (!sharing()) {
            timers.registerEventTimeTimer(at);
            return;
        }
        Shared s = byInstant.get(at);
        if (s == null) {
            byInstant.put(at, new Shared(key));
            timers.registerEventTimeTimer(at);
        } else if (!s.owner.equals(key) && s.others.add(key)) {
            listed++;
        }
    }

    /**
     * The timer of {@code owner} (the current key) at {@code at} fires: each key listed under it is
     * made the current key and handed to {@code action}, then {@code owner} is the current key
     * again. Nothing when the timer is not shared. The instant's list is taken first, so a key that
     * asks for the same instant meanwhile gets a timer of its own; and a key leaves the list before
     * its action runs, so when an action writes the held state (past its bound), the keys not
     * handled yet get their own timers there ({@link #flush}) and are not handled here.
     */
    public void fire(String owner, long at, KeyTimer action) throws Exception {
        Shared s = byInstant.isEmpty() ? null : byInstant.get(at);
        if (s == null || !s.owner.equals(owner)) return;
        byInstant.remove(at);
        firing = s;
        firingAt = at;
        try {
            while (firing == s && !s.others.isEmpty()) {
                Iterator<String> first = s.others.iterator();
                String key = first.next();
                first.remove();
                listed--;
                held.setCurrentKey(key);
                action.fire(key);
            }
        } finally {
            if (firing == s) firing = null;
            held.setCurrentKey(owner);
        }
    }

    /** Every listed key sets its own timer; the lists are emptied. */
    @Override
    public void flush(Consumer<String> setKey) {
        if (byInstant.isEmpty() && firing == null) return;
        TimerService timers = held.timers();
        if (firing != null) {
            // the keys of the firing instant not handled yet
            for (String key : firing.others) {
                setKey.accept(key);
                timers.registerEventTimeTimer(firingAt);
            }
            firing.others.clear();
            firing = null;
        }
        for (Map.Entry<Long, Shared> e : byInstant.entrySet()) {
            for (String key : e.getValue().others) {
                setKey.accept(key);
                timers.registerEventTimeTimer(e.getKey());
            }
        }
        byInstant.clear();
        listed = 0;
    }

    @Override
    public int held() {
        return listed;
    }
}
