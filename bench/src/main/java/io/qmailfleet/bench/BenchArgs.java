package io.qmailfleet.bench;

import io.qmailfleet.job.CliArgs;
import java.util.ArrayList;
import java.util.List;

/**
 * A benchmark's command line: its options parsed, {@code --help} printing the usage, and any
 * option it does not read refused with a one-line error (exit status 2), so that a mistyped name
 * does not silently run the default cases.
 */
final class BenchArgs {
    private BenchArgs() {}

    /**
     * Options whose value is itself a command line and may start with {@code --}
     * ({@code --job-args "--stats false"}): the next argument is their value whatever it looks like.
     */
    static final List<String> COMMAND_LINE_VALUES = List.of("job-args", "jvm-opts");

    /** Null when {@code --help} was given (the usage is printed); exits with 2 on a bad command line. */
    static CliArgs parse(String program, String usage, List<String> options, String[] args) {
        String error;
        try {
            CliArgs a = CliArgs.parse(joinCommandLineValues(args));
            if (a.has("help")) {
                System.out.println(usage);
                return null;
            }
            error = unknownOption(a, options);
            if (error == null) return a;
            error += "; " + usage;
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
        }
        System.err.println(program + ": " + error);
        System.exit(2);
        return null;
    }

    /** {@code --job-args X} as {@code --job-args=X}, so that a value starting with {@code --} stays the option's. */
    static String[] joinCommandLineValues(String[] args) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : null;
            if (name != null && COMMAND_LINE_VALUES.contains(name) && i + 1 < args.length) {
                out.add(args[i] + "=" + args[++i]);
            } else {
                out.add(args[i]);
            }
        }
        return out.toArray(new String[0]);
    }

    /** Null when every option given is one of {@code options}; else an error naming the first that is not. */
    static String unknownOption(CliArgs a, List<String> options) {
        for (String n : a.names()) {
            if (!options.contains(n)) return "unknown option --" + n;
        }
        return null;
    }
}
