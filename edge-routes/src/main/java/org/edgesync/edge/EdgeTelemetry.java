package org.edgesync.edge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;
import java.util.stream.Stream;

/**
 * What the device tells the cloud about itself with every batch, in advisory request headers that are not signed
 * (the cloud only displays them, in {@code ops/status}): the age of its oldest unsent change, the depth of its
 * dead-letter queue, its software version, and a short hash of its effective configuration. The backlog itself comes
 * from the poll route's aggregate query. Never fails a delivery: a value that cannot be read is left out (null).
 */
public final class EdgeTelemetry {

    private final LongSupplier dlqDepth;
    private final LongUnaryOperator ageMs;
    private final String softwareVersion;
    private final String configVersion;

    /**
     * @param dlqDepth        messages in edgesync.batches.dlq (the broker's in-memory count)
     * @param softwareVersion the EdgeSync version running
     * @param configVersion   see {@link #hashOf(Path, Object)}
     */
    public EdgeTelemetry(LongSupplier dlqDepth, String softwareVersion, String configVersion) {
        this(dlqDepth, capturedAt -> System.currentTimeMillis() - capturedAt, softwareVersion, configVersion);
    }

    EdgeTelemetry(LongSupplier dlqDepth, LongUnaryOperator ageMs, String softwareVersion, String configVersion) {
        this.dlqDepth = dlqDepth;
        this.ageMs = ageMs;
        this.softwareVersion = softwareVersion;
        this.configVersion = configVersion;
    }

    /**
     * @param oldestCapturedAt captured_at (epoch ms, device clock) of the oldest row in the change table, null when
     *                         it is empty
     * @return its age in ms at this moment, 0 when the table is empty (or the clock went back)
     */
    public long oldestUnsentMs(Long oldestCapturedAt) {
        return oldestCapturedAt == null ? 0 : Math.max(0, ageMs.applyAsLong(oldestCapturedAt));
    }

    /** @return batches in the dead-letter queue, or null when the broker cannot say (for example while stopping) */
    public Long dlqDepth() {
        try {
            return dlqDepth.getAsLong();
        } catch (RuntimeException e) {
            return null;
        }
    }

    public String softwareVersion() {
        return softwareVersion;
    }

    public String configVersion() {
        return configVersion;
    }

    /** The version in the jar's manifest (Implementation-Version), or "dev" when running from classes. */
    public static String versionOf(Class<?> fromJar) {
        String version = fromJar.getPackage() == null ? null : fromJar.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? "dev" : version;
    }

    /**
     * The first 12 hex digits of a SHA-256 over edge/edge.properties and edge/routes/*.camel.yaml of the config
     * directory (by name, in name order) and the effective, validated settings, which include overrides from the
     * environment and -D options. Secrets are not part of it: the settings hold none, and the key comes from a
     * variable or file outside these.
     */
    public static String hashOf(Path configDir, Object effectiveSettings) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Path edge = configDir.resolve("edge");
            List<Path> files;
            Path routes = edge.resolve("routes");
            try (Stream<Path> listing = Files.isDirectory(routes) ? Files.list(routes) : Stream.empty()) {
                files = Stream.concat(Stream.of(edge.resolve("edge.properties")),
                        listing.filter(p -> p.getFileName().toString().endsWith(".camel.yaml")).sorted()).toList();
            }
            for (Path file : files) {
                if (Files.isRegularFile(file)) {
                    sha.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                    sha.update((byte) 0);
                    sha.update(Files.readAllBytes(file));
                    sha.update((byte) 0);
                }
            }
            sha.update(String.valueOf(effectiveSettings).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the configuration in " + configDir + " to hash it", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
