package io.qmailfleet.job.source;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.assigners.FileSplitAssigner;

/**
 * Hands out file splits (one per file: the format is not splittable) in {@link LogFileOrder}.
 * With a file source of parallelism 1 the single reader asks for the next split only after it has
 * read the previous one to the end, so every host's lines come out in the order they were written,
 * across rotated files too.
 */
public final class OrderedSplitAssigner implements FileSplitAssigner {
    private static final Comparator<FileSourceSplit> ORDER =
            (a, b) -> LogFileOrder.INSTANCE.compare(a.path().getPath(), b.path().getPath());

    private final List<FileSourceSplit> pending;

    public OrderedSplitAssigner(Collection<FileSourceSplit> splits) {
        pending = new ArrayList<>(splits);
        pending.sort(ORDER);
    }

    @Override
    public Optional<FileSourceSplit> getNext(String hostname) {
        return pending.isEmpty() ? Optional.empty() : Optional.of(pending.remove(0));
    }

    @Override
    public void addSplits(Collection<FileSourceSplit> splits) {
        pending.addAll(splits);
        pending.sort(ORDER);
    }

    @Override
    public Collection<FileSourceSplit> remainingSplits() {
        return new ArrayList<>(pending);
    }
}
