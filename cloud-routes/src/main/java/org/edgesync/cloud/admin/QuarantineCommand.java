package org.edgesync.cloud.admin;

import com.zaxxer.hikari.HikariDataSource;
import org.edgesync.cloud.mapping.MappingException;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.support.Database;
import org.edgesync.cloud.support.InvalidSettingException;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.support.Settings;
import org.edgesync.cloud.support.TargetTables;
import org.flywaydb.core.api.FlywayException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * {@code ops/quarantine}: the operator's view of poison changes and their resolution.
 * <pre>
 * list    [--device ID]                        the quarantined changes as a table
 * replay  [--device ID]                        re-apply the open ones with the current mappings
 * discard --device ID --seq N --note TEXT      declare one obsolete; its held changes go at the next replay
 * </pre>
 * Reads the cloud node's configuration (see {@link CommandSettings}) and runs both Flyway migrations first, so a
 * target table added for a new mapping exists before the replay. Exit codes: 0 done; 1 changes are still open
 * after a replay; 2 usage, configuration or database error, with one sentence on stderr.
 */
public final class QuarantineCommand {

    public static final int OK = 0;
    public static final int STILL_OPEN = 1;
    public static final int ERROR = 2;

    private static final String USAGE = "usage: ops/quarantine list [--device ID] | replay [--device ID]"
            + " | discard --device ID --seq N --note TEXT";

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> overrides;
    private final UnaryOperator<String> env;

    QuarantineCommand(PrintStream out, PrintStream err, Map<String, String> overrides, UnaryOperator<String> env) {
        this.out = out;
        this.err = err;
        this.overrides = overrides;
        this.env = env;
    }

    public static void main(String[] args) {
        // Flyway announces every validation at INFO; the operator wants the command's own output
        CommandSettings.quietLibraryLogging();
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; {@code -Dkey=value} arguments before the subcommand override configuration keys. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, System::getenv);
    }

    static int run(String[] args, PrintStream out, PrintStream err, UnaryOperator<String> env) {
        CommandSettings.Arguments arguments = CommandSettings.Arguments.split(args);
        return new QuarantineCommand(out, err, arguments.overrides(), env).execute(arguments.rest());
    }

    private int execute(List<String> args) {
        try {
            if (args.isEmpty()) {
                throw new UsageException("Say what to do: list [--device ID], replay [--device ID], or discard --device ID"
                        + " --seq N --note TEXT.");
            }
            String command = args.get(0);
            Map<String, String> options = options(command, args.subList(1, args.size()));
            return switch (command) {
                case "list" -> {
                    allowOnly(command, options, "--device");
                    yield withDatabase(false, (book, mappings) -> list(book, options.get("--device")));
                }
                case "replay" -> {
                    allowOnly(command, options, "--device");
                    yield withDatabase(true, (book, mappings) -> replay(book, mappings, options.get("--device")));
                }
                case "discard" -> {
                    allowOnly(command, options, "--device", "--seq", "--note");
                    String device = required(command, options, "--device");
                    long seq = seq(required(command, options, "--seq"));
                    String note = required(command, options, "--note");
                    yield withDatabase(false, (book, mappings) -> discard(book, device, seq, note));
                }
                case "help", "--help", "-h" -> {
                    out.println(USAGE);
                    yield OK;
                }
                default -> throw new UsageException("Unknown command '" + command + "'; use list, replay or discard.");
            };
        } catch (UsageException | InvalidSettingException | MappingException e) {
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

    private int list(QuarantineBook book, String device) throws SQLException {
        List<QuarantineBook.Entry> entries = book.list(device);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"DEVICE", "SEQ", "TABLE", "KEY", "STATUS", "REASON"});
        Map<String, Integer> byStatus = new TreeMap<>();
        for (QuarantineBook.Entry e : entries) {
            rows.add(new String[]{e.deviceId(), String.valueOf(e.seq()), e.table(), e.key(), e.status(), e.reason()});
            byStatus.merge(e.status(), 1, Integer::sum);
        }
        int[] widths = new int[5];
        for (String[] row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                line.append(String.format("%-" + widths[i] + "s  ", row[i]));
            }
            out.println(line.append(row[5]));
        }
        out.println(entries.size() + " quarantined change" + (entries.size() == 1 ? "" : "s")
                + (byStatus.isEmpty() ? "" : ": " + byStatus.entrySet().stream()
                        .map(s -> s.getValue() + " " + s.getKey()).reduce((a, b) -> a + ", " + b).orElse("")));
        return OK;
    }

    private int replay(QuarantineBook book, TableMappings mappings, String device) throws SQLException {
        int replayed = 0;
        for (QuarantineBook.Replayed r : book.replay(device, mappings)) {
            out.println(r.deviceId() + ": replayed " + r.replayed() + ", still open " + r.stillOpen() + " (" + r.poison()
                    + " failing, " + r.held() + " held behind them)");
            replayed += r.replayed();
        }
        long open = book.openCount(device);
        out.println("Replayed " + replayed + " change" + (replayed == 1 ? "" : "s") + " with " + mappings.file()
                + "; " + open + " still open.");
        return open == 0 ? OK : STILL_OPEN;
    }

    private int discard(QuarantineBook book, String device, long seq, String note) throws SQLException {
        String outcome = book.discard(device, seq, note);
        if (outcome.isEmpty()) {
            out.println("Discarded " + device + "#" + seq + "; changes held behind it are applied at the next replay.");
            return OK;
        }
        throw new UsageException(outcome.equals("missing")
                ? "No quarantined change " + device + "#" + seq + "; see ops/quarantine list --device " + device + "."
                : "Change " + device + "#" + seq + " is already " + outcome + "; only open changes can be discarded.");
    }

    @FunctionalInterface
    private interface Action {
        int run(QuarantineBook book, TableMappings mappings) throws SQLException;
    }

    private int withDatabase(boolean needsMappings, Action action) throws SQLException {
        CommandSettings settings = CommandSettings.load(overrides, env);
        String url = Settings.postgresUrl("edgesync.db.url", settings.get("edgesync.db.url"));
        String user = Settings.required("edgesync.db.user", settings.get("edgesync.db.user"));
        String password = settings.get("edgesync.db.password");
        TableMappings mappings = needsMappings
                ? TableMappings.load(Settings.readableFile("edgesync.mappings.file", settings.get("edgesync.mappings.file")))
                : null;
        try (HikariDataSource pool = Database.openPool("edgesync-quarantine", url, user, password == null ? "" : password, 2)) {
            Migrations.migrate(pool, settings.configDir().resolve("cloud").resolve("sql"));
            if (mappings != null) {
                TargetTables.check(pool, mappings);
            }
            return action.run(new QuarantineBook(pool), mappings);
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
                throw new UsageException(command + " does not take " + name + "; it takes " + String.join(", ", allowed) + ".");
            }
        }
    }

    private static String required(String command, Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new UsageException(command + " needs " + name + "; " + USAGE + ".");
        }
        return value;
    }

    private static long seq(String text) {
        try {
            long seq = Long.parseLong(text.trim());
            if (seq > 0) {
                return seq;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException("--seq is \"" + text + "\" but must be a positive whole number.");
    }


}
