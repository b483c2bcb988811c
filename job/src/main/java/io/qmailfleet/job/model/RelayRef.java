package io.qmailfleet.job.model;

/**
 * A link to a message life cycle on another host of the fleet, made by an SMTP relay between them:
 * the sender's {@code 250 ok <T> qp <P>} reply matched to the receiver's {@code info msg ... qp <P>}.
 * On a received message ({@code relayed_from}) it names the sending message, delivery and
 * recipient; on a sending attempt ({@code relayed_to}) the message it became on the receiver.
 */
public class RelayRef {
    public String host;
    public long msgId = -1;
    /** The other message's {@code new msg} time on its own host's clock, epoch nanos (-1 if unknown). */
    public long birthNanos = -1;
    /** The receiver's qmail-queue pid that links the two ({@code qp <P>}). */
    public long qp = -1;
    /** relayed_from only: the sender's delivery id (-1 on relayed_to). */
    public long deliveryId = -1;
    /** relayed_from only: the sender's qmail-send run of that delivery (-1 on relayed_to). */
    public int deliveryRun = -1;
    /** relayed_from only: the recipient the sender delivered to (null on relayed_to). */
    public String recipient;

    public RelayRef() {}
}
