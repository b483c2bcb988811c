package io.qmailfleet.job.model;

/**
 * The type of the job's {@link QmailEvent} streams and of the host sequencer's reorder buffer:
 * {@link QmailEventSerializer}. ({@code TypeInformation.of(QmailEvent.class)} stays Flink's POJO
 * type.) Streams of events that are united must all use this type.
 */
public final class QmailEventTypeInfo extends CompactTypeInfo<QmailEvent> {
    private static final long serialVersionUID = 1L;

    public static final QmailEventTypeInfo INSTANCE = new QmailEventTypeInfo();

    private QmailEventTypeInfo() {
        super(QmailEvent.class, QmailEventSerializer.INSTANCE);
    }
}
