package io.qmailfleet.job.alert;

import java.util.ArrayList;
import java.util.List;

/**
 * One host's queue backlog over the last growth window: its changes (host time, count), oldest
 * first; the first entry is the last change at or before the window's start. Kept apart from
 * {@link HostAlertState} (written on every host event) and only while the backlog is not empty. A
 * Flink POJO.
 */
public class BacklogHistory {
    public List<Long> times = new ArrayList<>();
    public List<Long> counts = new ArrayList<>();

    public BacklogHistory() {}
}
