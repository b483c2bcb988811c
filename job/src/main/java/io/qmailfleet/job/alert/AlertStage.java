package io.qmailfleet.job.alert;

import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.QmailEvent;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;

/** Wires the paging alert stage onto the host events and the per-message alerts. */
public final class AlertStage {
    private AlertStage() {}

    /**
     * @param hostEvents qmail-send status/warning/alert lines from the host sequencer, in host order
     * @param messageAlerts stuck/hung alerts and their resolutions from the lifecycle builder
     */
    public static DataStream<PageEvent> build(DataStream<QmailEvent> hostEvents, DataStream<MessageAlert> messageAlerts,
                                              AlertConfig config) {
        return hostEvents.keyBy(e -> e.host)
                .connect(messageAlerts.keyBy(a -> a.host))
                .process(new AlertEngine(config), TypeInformation.of(PageEvent.class))
                .uid("alert-engine").name("alert engine");
    }
}
