package io.qmailfleet.job.options;

import io.qmailfleet.job.CliArgs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/**
 * The options of a set of {@link OptionGroup}s: converts and checks command-line arguments into a
 * typed {@link Configuration}, and writes the usage text. Nothing here has side effects, so every
 * option is checked before the job touches a file.
 */
public final class Options {
    /** Column where descriptions start in the usage text (and the README). */
    static final int COLUMN = 29;

    private final List<OptionGroup> groups;
    private final Map<String, JobOption<?>> byName = new LinkedHashMap<>();

    public Options(List<OptionGroup> groups) {
        this.groups = List.copyOf(groups);
        for (OptionGroup g : groups) {
            for (JobOption<?> o : g.options()) {
                if (byName.put(o.name(), o) != null) throw new IllegalStateException("option --" + o.name() + " defined twice");
            }
        }
    }

    public List<OptionGroup> groups() {
        return groups;
    }

    public JobOption<?> option(String name) {
        return byName.get(name);
    }

    /** Every option given in {@code args}, converted and checked; throws IllegalArgumentException (one line) on the first bad one. */
    public Configuration parse(CliArgs args) {
        for (String name : args.names()) {
            if (!byName.containsKey(name)) throw new IllegalArgumentException("unknown option --" + name + " (see --help)");
        }
        Configuration conf = new Configuration();
        for (JobOption<?> o : byName.values()) {
            if (args.has(o.name())) set(conf, o, args);
        }
        return conf;
    }

    @SuppressWarnings("unchecked")
    private static <T> void set(Configuration conf, JobOption<T> o, CliArgs args) {
        if (o.repeatable()) {
            List<String> values = args.all(o.name());
            if (values.isEmpty()) throw new IllegalArgumentException("--" + o.name() + " needs a value (" + o.arg() + ")");
            conf.set(o.configOption(), (T) new ArrayList<>(values));
            return;
        }
        String text = args.get(o.name(), null);
        conf.set(o.configOption(), o.convert(text));
    }

    /** One usage line per option: {@code  --name ARG   description (default X)}. */
    public static String line(JobOption<?> o) {
        String head = "  --" + o.name() + (o.arg().isEmpty() ? "" : " " + o.arg());
        StringBuilder b = new StringBuilder(head);
        b.append(" ".repeat(Math.max(1, COLUMN - head.length())));
        b.append(o.help());
        if (o.defaultText() != null) b.append(" (default ").append(o.defaultText()).append(')');
        return b.toString();
    }

    /** The usage text: {@code intro}, then each group's title and its options' lines. */
    public String usage(String intro, String outro) {
        StringBuilder b = new StringBuilder(intro).append('\n');
        for (OptionGroup g : groups) {
            b.append('\n').append(g.title()).append(":\n");
            for (JobOption<?> o : g.options()) b.append(line(o)).append('\n');
        }
        if (outro != null) b.append('\n').append(outro).append('\n');
        return b.toString();
    }
}
