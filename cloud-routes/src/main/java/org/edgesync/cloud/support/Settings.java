package org.edgesync.cloud.support;

import org.quartz.CronExpression;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks configuration values at startup. Every failure is one sentence naming the key, the value and what
 * is allowed, so an operator can fix cloud.properties without reading a stack trace. Secret values are never
 * repeated in a message.
 */
public final class Settings {

    private Settings() {
    }

    public static String required(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidSettingException(key + " is not set; set it in cloud.properties, as -D" + key
                    + " or as environment variable " + envName(key) + ".");
        }
        return value.trim();
    }

    public static int intBetween(String key, String value, int min, int max) {
        long parsed = longBetween(key, value, min, max);
        return (int) parsed;
    }

    public static long longBetween(String key, String value, long min, long max) {
        String text = required(key, value);
        try {
            long parsed = Long.parseLong(text);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidSettingException(key + " is \"" + text + "\" but must be a whole number from " + min + " to " + max + ".");
    }

    public static double positiveDecimal(String key, String value, double min, double max) {
        String text = required(key, value);
        try {
            double parsed = Double.parseDouble(text);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidSettingException(key + " is \"" + text + "\" but must be a number from " + min + " to " + max + ".");
    }

    public static boolean bool(String key, String value) {
        String text = required(key, value);
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new InvalidSettingException(key + " is \"" + text + "\" but must be true or false.");
    }

    public static String cron(String key, String value) {
        String text = required(key, value);
        if (!CronExpression.isValidExpression(text)) {
            throw new InvalidSettingException(key + " is \"" + text
                    + "\" but must be a Quartz cron expression with a seconds field, such as \"0/2 * * * * ?\".");
        }
        return text;
    }

    public static String postgresUrl(String key, String value) {
        String text = required(key, value);
        if (!text.startsWith("jdbc:postgresql:")) {
            throw new InvalidSettingException(key + " is \"" + redactUrl(text)
                    + "\" but must be a PostgreSQL JDBC URL such as jdbc:postgresql://db:5432/edgesync.");
        }
        return text;
    }

    public static Path readableFile(String key, String value) {
        Path path = Path.of(required(key, value));
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new InvalidSettingException(key + " is \"" + value + "\" but must name a readable file (resolved to "
                    + path.toAbsolutePath().normalize() + ").");
        }
        return path;
    }

    public static void distinctPorts(String serverKey, int serverPort, String managementKey, int managementPort) {
        if (serverPort == managementPort && serverPort != 0) {
            throw new InvalidSettingException(managementKey + " is " + managementPort + " like " + serverKey
                    + " but the management server needs its own port.");
        }
    }

    /** The environment variable Camel consults for a key, e.g. EDGESYNC_DB_PASSWORD. */
    public static String envName(String key) {
        return key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** A JDBC URL without any password parameter, for messages and logs. */
    public static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}
