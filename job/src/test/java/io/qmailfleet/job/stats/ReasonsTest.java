package io.qmailfleet.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qmailfleet.job.model.ReasonCount;
import org.junit.jupiter.api.Test;

/** Report texts of qmail-remote and qmail-local (as logged) to code, enhanced code and category. */
class ReasonsTest {
    private static void is(String report, String category, String code, String enhanced) {
        ReasonCount c = Reasons.of(report);
        assertEquals(category, c.category, report);
        assertEquals(code, c.code, report);
        assertEquals(enhanced, c.enhanced, report);
        assertEquals(report, c.example);
    }

    @Test
    void remoteReplies() {
        is("127.0.0.1_does_not_like_recipient./Remote_host_said:_451_4.2.1_<a@x>:_mailbox_temporarily_unavailable/Giving_up_on_127.0.0.1./",
                Reasons.MAILBOX_UNAVAILABLE, "451", "4.2.1");
        is("127.0.0.1_does_not_like_recipient./Remote_host_said:_550_5.1.1_<b@x>:_Recipient_address_rejected:_User_unknown/Giving_up_on_127.0.0.1./",
                Reasons.MAILBOX_UNAVAILABLE, "550", "5.1.1");
        is("Connected_to_127.0.0.1_but_greeting_failed./Remote_host_said:_554_5.7.1_go_away/",
                Reasons.GREETING_REFUSED, "554", "5.7.1");
        is("Connected_to_127.0.0.1_but_sender_was_rejected./Remote_host_said:_553_sorry/",
                Reasons.SENDER_REJECTED, "553", "");
        is("127.0.0.1_failed_after_I_sent_the_message./Remote_host_said:_554_5.7.1_Message_rejected_as_spam/",
                Reasons.POLICY_SPAM, "554", "5.7.1");
        is("127.0.0.1_does_not_like_recipient./Remote_host_said:_452_4.2.2_Mailbox_full/Giving_up_on_127.0.0.1./",
                Reasons.QUOTA, "452", "4.2.2");
        is("127.0.0.1_failed_on_DATA_command./Remote_host_said:_451_Try_again_later/",
                Reasons.MESSAGE_REJECTED, "451", "");
    }

    @Test
    void qmailOwnTexts() {
        is("Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/", Reasons.CONNECTION_FAILED, "", "4.4.1");
        is("Connected_to_127.0.0.1_but_connection_died._(#4.4.2)/", Reasons.CONNECTION_DIED, "", "4.4.2");
        is("Sorry,_I_couldn't_find_any_host_by_that_name._(#4.1.2)/", Reasons.DNS, "", "4.1.2");
        is("Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/", Reasons.MAILBOX_UNAVAILABLE, "", "5.1.1");
        is("Unable_to_chdir_to_maildir._(#4.2.1)/", Reasons.LOCAL_MAILBOX, "", "4.2.1");
        is("This_message_is_looping:_it_already_has_my_Delivered-To_line._(#5.4.6)/", Reasons.LOOP, "", "5.4.6");
        is("prog-fail:_mailbox_disabled_by_policy/", Reasons.POLICY_SPAM, "", "");
        is("", Reasons.LOCAL_PROGRAM, "", "");
        is("some_program_output/", Reasons.LOCAL_PROGRAM, "", "");
        is("Sorry,_I_couldn't_find_any_host_by_that_name._(#4.1.2)/I'm_not_going_to_try_again;_this_message_has_been_in_the_queue_too_long./",
                Reasons.QUEUE_LIFETIME, "", "4.1.2");
    }

    @Test
    void aReportSeenBeforeGivesTheSameReasonAsAFreshRecord() {
        String report = "127.0.0.1_does_not_like_recipient./Remote_host_said:_452_4.2.2_Mailbox_full/Giving_up_on_127.0.0.1./";
        ReasonCount first = Reasons.of(report);
        first.count = 7;
        first.code = "changed by its holder";
        // a copy of the text, as every deserialised fact brings its own
        ReasonCount again = Reasons.of(new String(report.toCharArray()));
        assertEquals(0, again.count);
        is(report, Reasons.QUOTA, "452", "4.2.2");
        // "Aa" and "BB" hash alike: two reports in one slot of the table each keep their own reason
        String quota = "Aa_" + report;
        String dns = "BB_Sorry,_I_couldn't_find_any_host_by_that_name._(#4.1.2)/";
        String dnsSameHash = "BB_" + report;
        assertEquals(quota.hashCode(), dnsSameHash.hashCode());
        for (int i = 0; i < 3; i++) {
            is(quota, Reasons.QUOTA, "452", "4.2.2");
            is(dnsSameHash, Reasons.QUOTA, "452", "4.2.2");
            is(dns, Reasons.DNS, "", "4.1.2");
            is("Aa_Connected_to_127.0.0.1_but_connection_died._(#4.4.2)/", Reasons.CONNECTION_DIED, "", "4.4.2");
            is("BB_Connected_to_127.0.0.1_but_connection_died._(#4.4.2)/", Reasons.CONNECTION_DIED, "", "4.4.2");
            is("", Reasons.LOCAL_PROGRAM, "", "");
        }
    }
}
