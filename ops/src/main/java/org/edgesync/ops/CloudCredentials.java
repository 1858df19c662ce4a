package org.edgesync.ops;

import org.edgesync.cloud.admin.DeviceCommand;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The secrets of a throwaway cloud (demo, fault suite, tests): a fresh random master key, and device keys issued
 * through the cloud's own enrolment command, exactly as an operator gets them from {@code ops/devices enrol}.
 * Secrets travel to the child JVMs as environment variables, never on a command line that {@code ps} shows.
 */
final class CloudCredentials {

    private static final String KEY_LINE = "EDGESYNC_DEVICE_KEY=";

    private final String masterKey;

    private CloudCredentials(String masterKey) {
        this.masterKey = masterKey;
    }

    static CloudCredentials generate() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new CloudCredentials(Base64.getEncoder().encodeToString(key));
    }

    /** Environment of a cloud node: the master key and the database password. */
    Map<String, String> cloudEnvironment(PostgresTarget pg) {
        Map<String, String> env = new HashMap<>();
        env.put("EDGESYNC_AUTH_MASTER_KEY", masterKey);
        env.put("EDGESYNC_DB_PASSWORD", pg.password() == null ? "" : pg.password());
        return env;
    }

    /**
     * Enrols a device with {@code DeviceCommand enrol} (which also migrates the schema when the cloud has not
     * started yet) and returns the device key it printed.
     */
    String enrol(PostgresTarget pg, Path configDir, String deviceId, String storeId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = cloudEnvironment(pg);
        int status = DeviceCommand.run(List.of(
                        "-Dedgesync.config.dir=" + configDir,
                        "-Dedgesync.db.url=" + pg.jdbcUrl(),
                        "-Dedgesync.db.user=" + pg.user(),
                        "enrol", "--device", deviceId, "--store", storeId).toArray(String[]::new),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env::get);
        if (status != 0) {
            throw new IllegalStateException("enrolling " + deviceId + " failed: " + err.toString(StandardCharsets.UTF_8).trim());
        }
        return out.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.startsWith(KEY_LINE))
                .map(line -> line.substring(KEY_LINE.length()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the enrolment of " + deviceId + " printed no key"));
    }
}
