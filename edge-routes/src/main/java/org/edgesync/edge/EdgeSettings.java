package org.edgesync.edge;

import org.edgesync.artemis.EdgeBroker;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The validated settings of the edge runtime. Every check fails with one sentence naming the key,
 * the value and what is allowed, so a typo in edge.properties stops startup with a readable cause.
 * The device's secrets (key, trust store and Jolokia passwords) are validated by their own classes
 * in {@code org.edgesync.edge.security}, which never show them in a message.
 */
public record EdgeSettings(String deviceId, Path sqlitePath, List<String> captureTables, long pollIntervalMs,
                           int pollBatchSize, URI cloudUrl, int connectTimeoutMs, int responseTimeoutMs,
                           Path brokerDataDir, long brokerMaxQueuedBytes) {

    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:-]{0,127}");

    /** Validates raw property values. */
    public static EdgeSettings of(String deviceId, String sqlitePath, String captureTables,
                                  String pollIntervalMs, String pollBatchSize, String cloudUrl,
                                  String connectTimeoutMs, String responseTimeoutMs, String brokerDataDir,
                                  String brokerMaxQueuedBytes) {
        if (deviceId == null || !DEVICE_ID.matcher(deviceId.trim()).matches()) {
            throw invalid("edgesync.device.id", deviceId,
                    "1-128 letters, digits, _ . : - starting with a letter or _");
        }
        List<String> tables = captureTables == null ? List.of() : Arrays.stream(captureTables.split(","))
                .map(String::trim).filter(t -> !t.isEmpty()).toList();
        if (tables.isEmpty()) {
            throw invalid("edgesync.capture.tables", captureTables, "a comma-separated list of at least one table name");
        }
        return new EdgeSettings(deviceId.trim(),
                path("edgesync.sqlite.path", sqlitePath),
                tables,
                number("edgesync.poll.interval.ms", pollIntervalMs, 10, 3_600_000),
                (int) number("edgesync.poll.batch.size", pollBatchSize, 1, 10_000),
                url("edgesync.cloud.url", cloudUrl),
                (int) number("edgesync.cloud.connect.timeout.ms", connectTimeoutMs, 100, 600_000),
                (int) number("edgesync.cloud.response.timeout.ms", responseTimeoutMs, 100, 600_000),
                path("edgesync.broker.data.dir", brokerDataDir),
                number("edgesync.broker.max.queued.bytes", brokerMaxQueuedBytes,
                        EdgeBroker.MIN_MAX_QUEUED_BYTES, EdgeBroker.MAX_MAX_QUEUED_BYTES));
    }

    static long number(String key, String value, long min, long max) {
        long parsed;
        try {
            parsed = Long.parseLong(value == null ? "" : value.trim());
        } catch (NumberFormatException e) {
            throw invalid(key, value, "a whole number from " + min + " to " + max);
        }
        if (parsed < min || parsed > max) {
            throw invalid(key, value, "a whole number from " + min + " to " + max);
        }
        return parsed;
    }

    private static Path path(String key, String value) {
        if (value == null || value.isBlank()) {
            throw invalid(key, value, "a file system path");
        }
        return Path.of(value.trim());
    }

    private static URI url(String key, String value) {
        try {
            URI uri = new URI(value == null ? "" : value.trim());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getQuery() == null && !uri.getPath().endsWith("/")) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        throw invalid(key, value, "an http:// or https:// URL with a host and no trailing slash or query, e.g. https://cloud.example.com");
    }

    private static IllegalArgumentException invalid(String key, String value, String allowed) {
        return new IllegalArgumentException(key + " is \"" + value + "\", but must be " + allowed + ".");
    }
}
