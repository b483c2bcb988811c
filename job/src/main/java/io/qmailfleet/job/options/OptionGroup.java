package io.qmailfleet.job.options;

import java.util.List;

/** Options shown together in the usage text under {@code title}; a stage's package defines its own group. */
public record OptionGroup(String title, List<JobOption<?>> options) {
    public OptionGroup(String title, JobOption<?>... options) {
        this(title, List.of(options));
    }
}
