package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.AlertKind;
import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.model.Resolution;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stuck/hung alert rules of one life cycle, on plain records. */
class MessageAlertsTest {
    private final MessageAlerts alerts = new MessageAlerts(Duration.ofHours(1).toNanos(), Duration.ofMinutes(30).toNanos());

    private static LifecycleRecord record() {
        LifecycleRecord r = new LifecycleRecord();
        r.host = Ev.HOST;
        r.msgId = 42;
        r.newNanos = at(0);
        r.sender = "a@example.com";
        Recipient rc = new Recipient();
        rc.address = "x@example.net";
        rc.channel = "remote";
        Attempt a = new Attempt();
        a.deliveryId = 3;
        a.startNanos = at(1000);
        rc.attempts.add(a);
        r.recipients.add(rc);
        return r;
    }

    @Test
    void stuckIsRaisedOnceWithItsAgeThresholdAndACopyOfTheRecipients() {
        LifecycleRecord r = record();
        MessageAlert al = alerts.stuck(r, at(3_600_500), -1);
        assertEquals(AlertKind.STUCK_MESSAGE, al.kind);
        assertEquals(3_600_500, al.ageMillis);
        assertEquals(3_600_000, al.thresholdMillis);
        assertEquals(at(3_600_500), al.atNanos);
        assertNotSame(r.recipients.get(0), al.recipients.get(0));
        r.recipients.get(0).attempts.get(0).outcome = Outcome.FAILURE;
        assertNull(al.recipients.get(0).attempts.get(0).outcome, "later changes do not reach the alert");
        assertNull(alerts.stuck(r, at(3_700_000), -1), "once");
    }

    @Test
    void hungIsRaisedOnceAndResolvedByTheOutcomeOrAsOpen() {
        LifecycleRecord r = record();
        Recipient rc = r.recipients.get(0);
        Attempt a = rc.attempts.get(0);
        assertNull(alerts.attemptEnded(r, rc, a, Outcome.SUCCESS, at(2000)), "not hung: nothing to resolve");
        MessageAlert hung = alerts.hung(r, rc, a, at(1_801_000));
        assertEquals(AlertKind.HUNG_DELIVERY, hung.kind);
        assertEquals(1_800_000, hung.ageMillis);
        assertEquals(3, hung.deliveryId);
        assertNull(alerts.hung(r, rc, a, at(1_900_000)));
        MessageAlert resolved = alerts.attemptEnded(r, rc, a, Outcome.DEFERRAL, at(1_950_000));
        assertEquals(AlertKind.HUNG_RESOLVED, resolved.kind);
        assertEquals(Resolution.DEFERRAL, resolved.resolution);

        LifecycleRecord r2 = record();
        alerts.hung(r2, r2.recipients.get(0), r2.recipients.get(0).attempts.get(0), at(1_801_000));
        List<MessageAlert> closing = alerts.closing(r2, LifecycleStatus.OPEN, at(2_000_000));
        assertEquals(1, closing.size());
        assertEquals(Resolution.OPEN, closing.get(0).resolution);
        assertEquals(at(2_000_000), closing.get(0).atNanos);
    }

    @Test
    void aStuckMessageIsResolvedByHowItEnded() {
        LifecycleRecord r = record();
        assertTrue(alerts.closing(r, LifecycleStatus.COMPLETE, at(1)).isEmpty(), "never stuck: nothing");
        r.wasStuck = true;
        assertEquals(Resolution.ENDED, alerts.closing(r, LifecycleStatus.COMPLETE, at(1)).get(0).resolution);
        r.successes = 1;
        assertEquals(Resolution.DELIVERED, MessageAlerts.stuckResolution(r, LifecycleStatus.COMPLETE));
        r.bounceQp = 9;
        assertEquals(Resolution.BOUNCED, MessageAlerts.stuckResolution(r, LifecycleStatus.COMPLETE));
        assertEquals(Resolution.OPEN, MessageAlerts.stuckResolution(r, LifecycleStatus.ABANDONED));
    }
}
