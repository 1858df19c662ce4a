package org.edgesync.cloud.admin;

import org.edgesync.cloud.support.InvalidSettingException;
import org.edgesync.cloud.support.Settings;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cloud node's configuration as an operator command sees it, without starting Camel: the config directory
 * (system property {@code edgesync.config.dir}, else {@code <edgesync.home>/route-config}, else
 * {@code route-config}), its {@code cloud/cloud.properties}, and overrides exactly as the node takes them: a
 * {@code -Dkey=value} system property, else an environment variable named like the key
 * ({@code EDGESYNC_DB_PASSWORD}), else the file. {@code {{key}}} placeholders are resolved.
 */
final class CommandSettings {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^}:]+)(?::([^}]*))?}}");

    private final Path configDir;
    private final Properties file;
    private final Map<String, String> overrides;
    private final UnaryOperator<String> env;

    private CommandSettings(Path configDir, Properties file, Map<String, String> overrides, UnaryOperator<String> env) {
        this.configDir = configDir;
        this.file = file;
        this.overrides = overrides;
        this.env = env;
    }

    /** Flyway and Hikari log at INFO by default; an operator command shows only its own output and warnings. */
    static void quietLibraryLogging() {
        for (String logger : new String[] {"org.flywaydb", "com.zaxxer.hikari"}) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }

    /** The first line of an exception message, for a one-sentence error on stderr. */
    static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).trim();
    }

    /** A command line split into its leading {@code -Dkey=value} options (configuration overrides) and the rest. */
    record Arguments(Map<String, String> overrides, List<String> rest) {

        static Arguments split(String[] args) {
            Map<String, String> overrides = new LinkedHashMap<>();
            List<String> rest = new ArrayList<>();
            for (String arg : args) {
                if (rest.isEmpty() && arg.startsWith("-D") && arg.indexOf('=') > 2) {
                    overrides.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
                } else {
                    rest.add(arg);
                }
            }
            return new Arguments(overrides, rest);
        }
    }

    /** @param overrides highest-priority values (the command line's -D options, or a test's) */
    static CommandSettings load(Map<String, String> overrides, UnaryOperator<String> env) {
        String dir = overrides.get("edgesync.config.dir");
        if (dir == null) {
            dir = System.getProperty("edgesync.config.dir");
        }
        if (dir == null && System.getProperty("edgesync.home") != null) {
            dir = Path.of(System.getProperty("edgesync.home"), "route-config").toString();
        }
        Path configDir = Path.of(dir == null ? "route-config" : dir);
        Path properties = configDir.resolve("cloud").resolve("cloud.properties");
        Properties file = new Properties();
        try (Reader reader = Files.newBufferedReader(properties, StandardCharsets.UTF_8)) {
            file.load(reader);
        } catch (IOException e) {
            throw new InvalidSettingException("edgesync.config.dir is \"" + configDir + "\" but "
                    + properties.toAbsolutePath().normalize() + " cannot be read; point -Dedgesync.config.dir at the"
                    + " cloud node's route-config directory.");
        }
        file.setProperty("edgesync.config.dir", configDir.toString());
        return new CommandSettings(configDir, file, overrides, env);
    }

    Path configDir() {
        return configDir;
    }

    /** @return the value with placeholders resolved, or null when the key is set nowhere */
    String get(String key) {
        String value = overrides.get(key);
        if (value == null) {
            value = System.getProperty(key);
        }
        if (value == null) {
            value = env.apply(Settings.envName(key));
        }
        if (value == null) {
            value = file.getProperty(key);
        }
        return value == null ? null : resolve(value, 0);
    }

    private String resolve(String value, int depth) {
        if (depth > 10) {
            throw new InvalidSettingException("cloud.properties has placeholders that refer to each other: " + value + ".");
        }
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = get(m.group(1));
            if (replacement == null) {
                replacement = m.group(2);
            }
            if (replacement == null) {
                throw new InvalidSettingException("cloud.properties refers to {{" + m.group(1) + "}} but " + m.group(1)
                        + " is not set.");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(resolve(replacement, depth + 1)));
        }
        m.appendTail(out);
        return out.toString().trim();
    }
}
