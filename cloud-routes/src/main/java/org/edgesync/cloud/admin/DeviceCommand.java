package org.edgesync.cloud.admin;

import com.zaxxer.hikari.HikariDataSource;
import org.edgesync.cloud.auth.MasterKey;
import org.edgesync.cloud.support.Database;
import org.edgesync.cloud.support.InvalidSettingException;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.support.Settings;
import org.edgesync.contract.auth.RequestSignature;
import org.flywaydb.core.api.FlywayException;

import java.io.PrintStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * {@code ops/devices}: enrols, revokes and re-keys devices.
 * <pre>
 * enrol  --device ID --store ID   register a device (or re-enrol a revoked one) and print its key once
 * revoke --device ID              refuse every further request of the device
 * rotate --device ID              next key version; the old key stops working at once; print the new key once
 * list                            devices with store, status, key version, enrolment and last request
 * </pre>
 * A device key is derived from the master key ({@link RequestSignature#deriveDeviceKey}); the database holds only the
 * key version, so a key is shown when it is issued and never again. Reads the cloud node's configuration (see
 * {@link CommandSettings}), including the master key from EDGESYNC_AUTH_MASTER_KEY or edgesync.auth.master.key.file.
 * Exit codes: 0 done; 2 usage, configuration or database error, with one sentence on stderr.
 */
public final class DeviceCommand {

    public static final int OK = 0;
    public static final int ERROR = 2;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final String USAGE = "usage: ops/devices enrol --device ID --store ID | revoke --device ID"
            + " | rotate --device ID | list";

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> overrides;
    private final UnaryOperator<String> env;

    private DeviceCommand(PrintStream out, PrintStream err, Map<String, String> overrides, UnaryOperator<String> env) {
        this.out = out;
        this.err = err;
        this.overrides = overrides;
        this.env = env;
    }

    public static void main(String[] args) {
        CommandSettings.quietLibraryLogging();
        System.exit(run(args, System.out, System.err, System::getenv));
    }

    /** Runs one command; {@code -Dkey=value} arguments before the subcommand override configuration keys. */
    public static int run(String[] args, PrintStream out, PrintStream err, UnaryOperator<String> env) {
        CommandSettings.Arguments arguments = CommandSettings.Arguments.split(args);
        return new DeviceCommand(out, err, arguments.overrides(), env).execute(arguments.rest());
    }

    private int execute(List<String> args) {
        try {
            if (args.isEmpty()) {
                throw new UsageException("Say what to do: enrol --device ID --store ID, revoke --device ID,"
                        + " rotate --device ID, or list.");
            }
            String command = args.get(0);
            Map<String, String> options = options(command, args.subList(1, args.size()));
            return switch (command) {
                case "enrol", "enroll" -> {
                    allowOnly(command, options, "--device", "--store");
                    String device = id(command, options, "--device");
                    String store = id(command, options, "--store");
                    yield withRegistry(true, (registry, key) -> enrol(registry, key, device, store));
                }
                case "revoke" -> {
                    allowOnly(command, options, "--device");
                    String device = id(command, options, "--device");
                    yield withRegistry(false, (registry, key) -> revoke(registry, device));
                }
                case "rotate" -> {
                    allowOnly(command, options, "--device");
                    String device = id(command, options, "--device");
                    yield withRegistry(true, (registry, key) -> rotate(registry, key, device));
                }
                case "list" -> {
                    allowOnly(command, options);
                    yield withRegistry(false, (registry, key) -> list(registry));
                }
                case "help", "--help", "-h" -> {
                    out.println(USAGE);
                    yield OK;
                }
                default -> throw new UsageException("Unknown command '" + command + "'; use enrol, revoke, rotate or list.");
            };
        } catch (UsageException | InvalidSettingException e) {
            err.println(e.getMessage());
            return ERROR;
        } catch (FlywayException e) {
            err.println("The database schema cannot be migrated: " + CommandSettings.firstLine(e.getMessage()));
            return ERROR;
        } catch (SQLException e) {
            err.println("PostgreSQL failed: " + CommandSettings.firstLine(e.getMessage()));
            return ERROR;
        }
    }

    private int enrol(DeviceRegistry registry, MasterKey masterKey, String device, String store) throws SQLException {
        int version = registry.enrol(device, store);
        if (version < 0) {
            throw new UsageException("Device " + device + " is enrolled and active already; to issue a new key use"
                    + " ops/devices rotate --device " + device + ".");
        }
        out.println((version == 1 ? "Enrolled" : "Re-enrolled") + " device " + device + " of store " + store
                + " with key version " + version + ".");
        printKey(masterKey, device, version);
        return OK;
    }

    private int revoke(DeviceRegistry registry, String device) throws SQLException {
        Boolean revoked = registry.revoke(device);
        if (revoked == null) {
            throw new UsageException("No device " + device + " is enrolled; see ops/devices list.");
        }
        out.println(revoked ? "Revoked device " + device + ": every further request of it gets 401. Batches it"
                + " already delivered stay and are loaded."
                : "Device " + device + " was revoked already.");
        return OK;
    }

    private int rotate(DeviceRegistry registry, MasterKey masterKey, String device) throws SQLException {
        int version = registry.rotate(device);
        if (version == -1) {
            throw new UsageException("No device " + device + " is enrolled; use ops/devices enrol --device " + device
                    + " --store ID.");
        }
        if (version == -2) {
            throw new UsageException("Device " + device + " is revoked; re-enrol it with ops/devices enrol --device "
                    + device + " --store ID.");
        }
        out.println("Rotated device " + device + " to key version " + version + "; its previous key stops working now"
                + " (the device gets 401 until it has the new one; its batches wait on the device meanwhile).");
        printKey(masterKey, device, version);
        return OK;
    }

    private void printKey(MasterKey masterKey, String device, int version) {
        String key = RequestSignature.encodeKey(masterKey.deviceKey(device, version));
        out.println("The key is shown now and never again (the cloud stores only the key version). Install it on the"
                + " device as environment variables, or put the key alone in a file only the edgesync user can read:");
        out.println("EDGESYNC_DEVICE_ID=" + device);
        out.println("EDGESYNC_DEVICE_KEY_VERSION=" + version);
        out.println("EDGESYNC_DEVICE_KEY=" + key);
    }

    private int list(DeviceRegistry registry) throws SQLException {
        List<DeviceRegistry.Device> devices = registry.list();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"DEVICE", "STORE", "STATUS", "KEY_VERSION", "ENROLLED", "LAST_SEEN"});
        for (DeviceRegistry.Device d : devices) {
            rows.add(new String[]{d.deviceId(), d.storeId(), d.status(), String.valueOf(d.keyVersion()), d.enrolledAt(),
                    d.lastSeenAt()});
        }
        int[] widths = new int[6];
        for (String[] row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                line.append(String.format("%-" + widths[i] + "s", row[i])).append(i < widths.length - 1 ? "  " : "");
            }
            out.println(line.toString().stripTrailing());
        }
        out.println(devices.size() + " device" + (devices.size() == 1 ? "" : "s") + ", "
                + devices.stream().filter(d -> d.status().equals("active")).count() + " active");
        return OK;
    }

    @FunctionalInterface
    private interface Action {
        int run(DeviceRegistry registry, MasterKey masterKey) throws SQLException;
    }

    private int withRegistry(boolean needsMasterKey, Action action) throws SQLException {
        CommandSettings settings = CommandSettings.load(overrides, env);
        MasterKey masterKey = needsMasterKey
                ? MasterKey.load(settings.get(MasterKey.FILE_KEY), settings.get(MasterKey.VALUE_KEY))
                : null;
        String url = Settings.postgresUrl("edgesync.db.url", settings.get("edgesync.db.url"));
        String user = Settings.required("edgesync.db.user", settings.get("edgesync.db.user"));
        String password = settings.get("edgesync.db.password");
        try (HikariDataSource pool = Database.openPool("edgesync-devices", url, user, password == null ? "" : password, 2)) {
            Migrations.migrate(pool, settings.configDir().resolve("cloud").resolve("sql"));
            return action.run(new DeviceRegistry(pool), masterKey);
        }
    }

    private static Map<String, String> options(String command, List<String> args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            String name = args.get(i);
            if (!name.startsWith("--") || i + 1 >= args.size()) {
                throw new UsageException(command + " takes options as --name value, but got '" + name + "'; " + USAGE + ".");
            }
            options.put(name, args.get(i + 1));
        }
        return options;
    }

    private static void allowOnly(String command, Map<String, String> options, String... allowed) {
        for (String name : options.keySet()) {
            if (!List.of(allowed).contains(name)) {
                throw new UsageException(command + (allowed.length == 0 ? " takes no options" : " does not take " + name
                        + "; it takes " + String.join(", ", allowed)) + ".");
            }
        }
    }

    private static String id(String command, Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new UsageException(command + " needs " + name + "; " + USAGE + ".");
        }
        if (!ID.matcher(value).matches()) {
            throw new UsageException(name + " is \"" + value + "\" but must be 1-128 characters of A-Z a-z 0-9 _ . : -.");
        }
        return value;
    }


}
