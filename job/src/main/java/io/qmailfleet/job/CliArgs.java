package io.qmailfleet.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} / {@code --name=value} / {@code --flag} arguments; names may repeat. */
public final class CliArgs {
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    public static CliArgs parse(String[] args) {
        CliArgs a = new CliArgs();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() < 3) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "' (options look like --name value; see --help)");
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true";
            }
            a.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return a;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String get(String name, String dflt) {
        List<String> v = values.get(name);
        return v == null ? dflt : v.get(v.size() - 1);
    }

    /** Every value of a repeatable option, comma-separated values split. */
    public List<String> all(String name) {
        List<String> out = new ArrayList<>();
        for (String v : values.getOrDefault(name, List.of())) {
            for (String p : v.split(",")) {
                if (!p.isBlank()) out.add(p.trim());
            }
        }
        return out;
    }

    public java.util.Set<String> names() {
        return values.keySet();
    }
}
