package io.qmailfleet.job.source;

import java.io.Serializable;
import java.util.List;

/**
 * Which host a log file's lines belong to, when the lines do not say it themselves (multilog lines
 * never do; syslog lines carry their own host field, which always wins in the parser).
 *
 * <ol>
 *   <li>{@code --host NAME} given: every file is that host.</li>
 *   <li>The file lies in a sub-directory of an input directory: the first directory level below
 *       the input is the host ({@code --input logs/} with {@code logs/mail1/current} and
 *       {@code logs/mail2/@4000....s} gives hosts {@code mail1} and {@code mail2}).</li>
 *   <li>The file lies directly in an input directory, or is itself an input: the name of the
 *       directory that holds it ({@code --input /var/log/mail1/current} gives {@code mail1}).</li>
 * </ol>
 */
public final class HostRule implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String fixedHost;
    private final List<String> inputDirs;

    /**
     * @param fixedHost the {@code --host} option, or null
     * @param inputDirs the inputs that are directories, as absolute paths without a trailing slash
     */
    public HostRule(String fixedHost, List<String> inputDirs) {
        this.fixedHost = fixedHost == null || fixedHost.isBlank() ? null : fixedHost.trim();
        this.inputDirs = List.copyOf(inputDirs);
    }

    public String hostFor(String filePath) {
        if (fixedHost != null) return fixedHost;
        String path = stripScheme(filePath);
        for (String dir : inputDirs) {
            String d = stripScheme(dir);
            if (path.startsWith(d + "/")) {
                String rest = path.substring(d.length() + 1);
                int slash = rest.indexOf('/');
                if (slash > 0) return rest.substring(0, slash);
            }
        }
        int slash = path.lastIndexOf('/');
        if (slash <= 0) return "localhost";
        String parent = path.substring(0, slash);
        return parent.substring(parent.lastIndexOf('/') + 1);
    }

    private static String stripScheme(String p) {
        if (p.startsWith("file://")) return p.substring("file://".length());
        if (p.startsWith("file:")) return p.substring("file:".length());
        return p;
    }
}
