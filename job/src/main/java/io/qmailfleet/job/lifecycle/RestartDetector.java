package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;

/**
 * qmail-send runs on a host. A run ends at {@code status: exiting}; a new one starts at a start-up
 * {@code status:} line: nothing in use, no {@code exitasap}, and not right after a
 * {@code starting delivery} or {@code delivery} line (those are followed by a status line of their
 * own). That also catches a start-up after a crash that logged nothing. Delivery ids restart with
 * each run, so the caller closes every in-flight delivery at either change.
 */
final class RestartDetector {
    enum Change { NONE, STARTUP, EXIT }

    private RestartDetector() {}

    /**
     * Observes a qmail-send line in host order (warning and alert lines are not passed here: one
     * may sit between a delivery line and its status line). On STARTUP the run is already
     * advanced and set on the line.
     */
    static Change observe(HostState st, QmailEvent ev) {
        EventType before = st.lastQsendType;
        st.lastQsendType = ev.type;
        switch (ev.type) {
            case STATUS: {
                boolean startup = before != EventType.START_DELIVERY && before != EventType.DELIVERY_RESULT
                        && ev.localUsed <= 0 && ev.remoteUsed <= 0 && !ev.exitasap;
                if (!startup) return Change.NONE;
                st.run++;
                st.runEnded = false;
                ev.run = st.run;
                return Change.STARTUP;
            }
            case STATUS_EXITING:
                st.runEnded = true;
                return Change.EXIT;
            default:
                return Change.NONE;
        }
    }
}
