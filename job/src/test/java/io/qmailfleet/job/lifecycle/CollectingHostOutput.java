package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import java.util.ArrayList;
import java.util.List;

/** A {@link HostOutput} that keeps everything, for the plain unit tests of the host rules. */
final class CollectingHostOutput implements HostOutput {
    final List<QmailEvent> messages = new ArrayList<>();
    final List<QmailEvent> hostEvents = new ArrayList<>();
    final List<QmailEvent> late = new ArrayList<>();
    final List<DeadLetter> deadLetters = new ArrayList<>();
    int restarts;
    int joined;

    @Override public void message(QmailEvent e) { messages.add(e); }
    @Override public void hostEvent(QmailEvent e) { hostEvents.add(e); }
    @Override public void late(QmailEvent e) { late.add(e); }
    @Override public void deadLetter(DeadLetter d) { deadLetters.add(d); }
    @Override public void restarted() { restarts++; }
    @Override public void joinedSplitLine() { joined++; }

    List<QmailEvent> messages(EventType type) {
        return messages.stream().filter(e -> e.type == type).toList();
    }
}
