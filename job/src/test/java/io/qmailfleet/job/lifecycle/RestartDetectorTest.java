package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.exiting;
import static io.qmailfleet.job.lifecycle.Ev.result;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static io.qmailfleet.job.lifecycle.Ev.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.RestartDetector.Change;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import org.junit.jupiter.api.Test;

class RestartDetectorTest {
    private final HostState st = new HostState();

    private Change see(QmailEvent e) {
        return RestartDetector.observe(st, e);
    }

    @Test
    void theFirstIdleStatusStartsARunAndExitingEndsIt() {
        QmailEvent first = status(0, 0, 0);
        assertEquals(Change.STARTUP, see(first));
        assertEquals(1, st.run);
        assertEquals(1, first.run);
        assertEquals(Change.EXIT, see(exiting(2)));
        assertTrue(st.runEnded);
        assertEquals(Change.STARTUP, see(status(3, 0, 0)));
        assertEquals(2, st.run);
        assertFalse(st.runEnded);
    }

    @Test
    void theStatusAfterADeliveryLineIsNotAStartupButAnIdleStatusAfterStatusIsAfterACrash() {
        see(status(0, 0, 0));
        see(start(1, 1, 10, "remote", "x@example.net"));
        assertEquals(Change.NONE, see(status(1, 0, 1)));
        see(result(2, 1, Outcome.SUCCESS, "ok/"));
        assertEquals(Change.NONE, see(status(2, 0, 0)), "0/0 right after a result: the delivery's own status line");
        see(start(3, 2, 11, "remote", "y@example.net"));
        see(status(3, 0, 1));
        // kill -9: no result, no status: exiting; qmail-send starts again
        assertEquals(Change.STARTUP, see(status(9, 0, 0)));
        assertEquals(2, st.run);
    }

    @Test
    void exitasapIsNotAStartup() {
        see(status(0, 0, 0));
        QmailEvent e = status(1, 0, 0); // idle, after a status line: a start-up, were it not for exitasap
        e.exitasap = true;
        assertEquals(Change.NONE, see(e));
        assertEquals(1, st.run);
    }
}
