package org.edgesync.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the parts of an installed systemd unit that decide how the service runs (ExecStart, EnvironmentFile,
 * WorkingDirectory), so a test can start the process exactly as systemd would, on a machine without systemd as
 * PID 1. Absolute paths are re-rooted under the staged install directory.
 */
record SystemdUnit(List<String> execStart, Path environmentFile, Path workingDirectory, Map<String, String> fixedEnvironment) {

    private static final Pattern KEY = Pattern.compile("^(\\w+)=(.*)$");

    static SystemdUnit read(Path unitFile, Path root) throws IOException {
        String text = Files.readString(unitFile).replaceAll("\\\\\\n\\s*", " ");
        Map<String, String> service = new LinkedHashMap<>();
        Map<String, String> fixed = new LinkedHashMap<>();
        String section = "";
        for (String line : text.split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("[")) {
                section = trimmed;
            } else if (section.equals("[Service]") && !trimmed.startsWith("#")) {
                Matcher m = KEY.matcher(trimmed);
                if (m.matches() && m.group(1).equals("Environment")) {
                    for (String assignment : m.group(2).trim().split("\\s+")) {
                        fixed.put(assignment.substring(0, assignment.indexOf('=')), assignment.substring(assignment.indexOf('=') + 1));
                    }
                } else if (m.matches()) {
                    service.put(m.group(1), m.group(2).trim());
                }
            }
        }
        List<String> command = new ArrayList<>();
        for (String word : service.get("ExecStart").split("\\s+")) {
            command.add(reroot(word, root));
        }
        return new SystemdUnit(command, Path.of(reroot(service.get("EnvironmentFile"), root)),
                Path.of(reroot(service.get("WorkingDirectory"), root)), fixed);
    }

    /**
     * The unit's Environment= assignments, then its EnvironmentFile (systemd's syntax as the units use it: KEY=VALUE
     * lines, # comments, blank lines).
     */
    Map<String, String> environment() throws IOException {
        Map<String, String> env = new LinkedHashMap<>(fixedEnvironment);
        for (String line : Files.readAllLines(environmentFile)) {
            Matcher m = KEY.matcher(line.trim());
            if (!line.trim().startsWith("#") && m.matches()) {
                env.put(m.group(1), m.group(2).trim());
            }
        }
        return env;
    }

    /** The program and JVM flags stay as they are; EdgeSync's own directories move under the staged root. */
    private static String reroot(String word, Path root) {
        return word.replaceAll("(^|=)(/opt/edgesync|/etc/edgesync|/var/lib/edgesync)", "$1" + Matcher.quoteReplacement(root.toString()) + "$2");
    }
}
