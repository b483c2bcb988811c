package io.qmailfleet.job.options;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * One command-line option, defined once: its name ({@code --name}), type and default (a Flink
 * {@link ConfigOption}, whose key is the name, so values convert as Flink converts its own
 * settings: durations through {@code TimeUtils.parseDuration}), the argument placeholder and
 * description the usage text and README show, and the checks a value must pass.
 *
 * <p>A stage declares its options as constants in its own package, groups them in an
 * {@link OptionGroup} and reads them with {@code cfg.get(OPTION)} from the parsed configuration.
 */
public final class JobOption<T> {
    private final ConfigOption<T> option;
    private final String arg;
    private final String help;
    private final String defaultText;
    private final boolean repeatable;
    private final List<Check<T>> checks;
    private final String type;

    private record Check<T>(Predicate<T> test, String requirement) {}

    private JobOption(Builder<T> b) {
        this.option = b.option;
        this.arg = b.arg;
        this.help = b.help;
        this.defaultText = b.defaultText;
        this.repeatable = b.repeatable;
        this.checks = List.copyOf(b.checks);
        this.type = b.type;
    }

    /** The name as typed after {@code --}. */
    public String name() {
        return option.key();
    }

    /** The Flink option (key = name), to read a parsed value from a {@link Configuration}. */
    public ConfigOption<T> configOption() {
        return option;
    }

    /** The argument placeholder of the usage text ({@code DUR}, {@code N}, {@code hashmap|rocksdb}), or "" for a flag. */
    public String arg() {
        return arg;
    }

    public String help() {
        return help;
    }

    /** The default as the usage text shows it, or null when there is none. */
    public String defaultText() {
        return defaultText;
    }

    /** True for options that may be given several times (their values are collected). */
    public boolean repeatable() {
        return repeatable;
    }

    /** The default, or null when there is none. */
    public T defaultValue() {
        return option.defaultValue();
    }

    /** The value set in {@code conf}, else the default. */
    public T get(Configuration conf) {
        return conf.get(option);
    }

    /** Converts the text given on the command line and checks it; throws IllegalArgumentException with a one-line message. */
    T convert(String text) {
        if (type.equals("duration") && !text.isBlank() && text.trim().chars().allMatch(Character::isDigit)
                && !text.trim().matches("0+")) {
            throw new IllegalArgumentException("--" + name() + " " + text + ": a duration needs a unit (500ms, 2s, 30m, 1h, 8d)");
        }
        T value;
        try {
            value = Configuration.fromMap(java.util.Map.of(name(), text)).get(option);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + name() + " " + (text.isEmpty() ? "\"\"" : text) + ": not a valid "
                    + typeName() + (arg.isEmpty() ? "" : " (" + arg + ")"));
        }
        check(value, text);
        return value;
    }

    void check(T value, String text) {
        for (Check<T> c : checks) {
            if (!c.test().test(value)) {
                throw new IllegalArgumentException("--" + name() + " " + (text.isEmpty() ? "\"\"" : text) + ": " + c.requirement());
            }
        }
    }

    private String typeName() {
        return type;
    }

    public static Builder<Duration> duration(String name, Duration dflt) {
        ConfigOptions.TypedConfigOptionBuilder<Duration> b = ConfigOptions.key(name).durationType();
        return new Builder<>(dflt == null ? b.noDefaultValue() : b.defaultValue(dflt), "duration", "DUR",
                dflt == null ? null : format(dflt));
    }

    public static Builder<Integer> integer(String name, Integer dflt) {
        ConfigOptions.TypedConfigOptionBuilder<Integer> b = ConfigOptions.key(name).intType();
        return new Builder<>(dflt == null ? b.noDefaultValue() : b.defaultValue(dflt), "whole number", "N", dflt == null ? null : dflt.toString());
    }

    public static Builder<Boolean> bool(String name, boolean dflt) {
        return new Builder<>(ConfigOptions.key(name).booleanType().defaultValue(dflt), "true/false value", "true|false", Boolean.toString(dflt));
    }

    public static Builder<String> string(String name, String arg, String dflt) {
        ConfigOptions.TypedConfigOptionBuilder<String> b = ConfigOptions.key(name).stringType();
        return new Builder<>(dflt == null ? b.noDefaultValue() : b.defaultValue(dflt), "text", arg, dflt);
    }

    /** A repeatable option whose values (comma-separated or given several times) are collected in order. */
    public static Builder<List<String>> list(String name, String arg) {
        return new Builder<>(ConfigOptions.key(name).stringType().asList().noDefaultValue(), "list", arg, null).repeatable();
    }

    /** A flag: {@code --name} alone means true. */
    public static Builder<Boolean> flag(String name) {
        return new Builder<>(ConfigOptions.key(name).booleanType().defaultValue(false), "true/false value", "", null);
    }

    /** A string that must be one of {@code choices}; the placeholder lists them. */
    public static Builder<String> choice(String name, String dflt, String... choices) {
        List<String> allowed = List.of(choices);
        return string(name, String.join("|", choices), dflt)
                .check(allowed::contains, "must be " + String.join(" or ", choices));
    }

    /** Durations as this job writes them: the largest whole unit ({@code 90s}, {@code 30m}, {@code 8d}). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) return "0s";
        if (ms % 86_400_000L == 0) return ms / 86_400_000L + "d";
        if (ms % 3_600_000L == 0) return ms / 3_600_000L + "h";
        if (ms % 60_000L == 0) return ms / 60_000L + "m";
        if (ms % 1_000L == 0) return ms / 1_000L + "s";
        return ms + "ms";
    }

    /** Builds one option; {@link #help} is required. */
    public static final class Builder<T> {
        private final ConfigOption<T> option;
        private String arg;
        private String help;
        private String defaultText;
        private boolean repeatable;
        private final List<Check<T>> checks = new java.util.ArrayList<>();
        private final String type;

        private Builder(ConfigOption<T> option, String type, String arg, String defaultText) {
            this.type = type;
            this.option = option;
            this.arg = arg;
            this.defaultText = defaultText;
        }

        /** The placeholder in the usage text. */
        public Builder<T> arg(String arg) {
            this.arg = arg;
            return this;
        }

        /** Shown as "(default TEXT)" where the default depends on other options or is not a plain value. */
        public Builder<T> defaultText(String text) {
            this.defaultText = text;
            return this;
        }

        public Builder<T> repeatable() {
            this.repeatable = true;
            return this;
        }

        /** A value must pass {@code test}; else the error says the option {@code requirement}, e.g. "must be > 0". */
        public Builder<T> check(Predicate<T> test, String requirement) {
            checks.add(new Check<>(test, requirement));
            return this;
        }

        public JobOption<T> help(String help) {
            this.help = help;
            return new JobOption<>(this);
        }
    }

    /** Checks for durations. */
    public static Predicate<Duration> positive() {
        return d -> !d.isNegative() && !d.isZero();
    }
}
