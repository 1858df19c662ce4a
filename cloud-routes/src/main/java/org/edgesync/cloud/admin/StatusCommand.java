package org.edgesync.cloud.admin;

import com.zaxxer.hikari.HikariDataSource;
import org.edgesync.cloud.support.Database;
import org.edgesync.cloud.support.InvalidSettingException;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.support.Settings;
import org.flywaydb.core.api.FlywayException;

import java.io.PrintStream;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * {@code ops/status}: the fleet view, from {@code edgesync.fleet_status}.
 * <pre>
 * status                                   one line per device, silent ones flagged, and a summary line
 * status DEVICE                            one device in detail
 * status DEVICE --watch [--interval-s N]   a progress bar of the device's backlog draining, until it is 0
 * </pre>
 * A device is silent when the cloud has not heard from it for {@code edgesync.fleet.silent.after.s} seconds
 * (default 900). Reads the cloud node's configuration like {@link DeviceCommand}. Exit codes: 0 fine; 1 for
 * {@code status} when a device is silent or has gaps (for cron and monitoring), and for a watch that ended
 * (--max-iterations) before the backlog drained; 2 usage, configuration or database error, one sentence on stderr.
 */
public final class StatusCommand {

    public static final int OK = 0;
    public static final int ATTENTION = 1;
    public static final int ERROR = 2;

    static final String SILENT_AFTER_KEY = "edgesync.fleet.silent.after.s";
    private static final long DEFAULT_SILENT_AFTER_S = 900;
    private static final int BAR_WIDTH = 30;
    private static final String USAGE = "usage: ops/status [DEVICE [--watch [--interval-s N] [--max-iterations N]]]";

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> overrides;
    private final UnaryOperator<String> env;
    private final boolean redraw;

    private StatusCommand(PrintStream out, PrintStream err, Map<String, String> overrides, UnaryOperator<String> env,
                          boolean redraw) {
        this.out = out;
        this.err = err;
        this.overrides = overrides;
        this.env = env;
        this.redraw = redraw;
    }

    public static void main(String[] args) {
        CommandSettings.quietLibraryLogging();
        System.exit(run(args, System.out, System.err, System::getenv, System.console() != null));
    }

    /** Runs one command; {@code -Dkey=value} arguments before the device override configuration keys. */
    public static int run(String[] args, PrintStream out, PrintStream err, UnaryOperator<String> env) {
        return run(args, out, err, env, false);
    }

    /** @param redraw redraw the watch's progress bar in place (a terminal), else print one line per refresh */
    public static int run(String[] args, PrintStream out, PrintStream err, UnaryOperator<String> env, boolean redraw) {
        CommandSettings.Arguments arguments = CommandSettings.Arguments.split(args);
        return new StatusCommand(out, err, arguments.overrides(), env, redraw).execute(arguments.rest());
    }

    private int execute(List<String> args) {
        try {
            if (!args.isEmpty() && List.of("help", "--help", "-h").contains(args.get(0))) {
                out.println(USAGE);
                return OK;
            }
            String device = null;
            boolean watch = false;
            long intervalS = 2;
            long maxIterations = Long.MAX_VALUE;
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "--watch" -> watch = true;
                    case "--interval-s" -> intervalS = number(arg, args, ++i, 1, 3600);
                    case "--max-iterations" -> maxIterations = number(arg, args, ++i, 1, Long.MAX_VALUE);
                    default -> {
                        if (arg.startsWith("-") || device != null) {
                            throw new UsageException("Unexpected argument '" + arg + "'; " + USAGE + ".");
                        }
                        device = arg;
                    }
                }
            }
            if (device == null && (watch || maxIterations != Long.MAX_VALUE)) {
                throw new UsageException("--watch follows one device; " + USAGE + ".");
            }
            if (!watch && maxIterations != Long.MAX_VALUE) {
                throw new UsageException("--max-iterations goes with --watch; " + USAGE + ".");
            }
            CommandSettings settings = CommandSettings.load(overrides, env);
            long silentAfter = silentAfter(settings.get(SILENT_AFTER_KEY));
            String url = Settings.postgresUrl("edgesync.db.url", settings.get("edgesync.db.url"));
            String user = Settings.required("edgesync.db.user", settings.get("edgesync.db.user"));
            String password = settings.get("edgesync.db.password");
            try (HikariDataSource pool = Database.openPool("edgesync-status", url, user, password == null ? "" : password, 2)) {
                Migrations.migrate(pool, settings.configDir().resolve("cloud").resolve("sql"));
                FleetStatus fleet = new FleetStatus(pool, silentAfter);
                if (device == null) {
                    return fleet(fleet, silentAfter);
                }
                return watch ? watch(fleet, device, intervalS, maxIterations) : detail(fleet, device);
            }
        } catch (UsageException | InvalidSettingException e) {
            err.println(e.getMessage());
            return ERROR;
        } catch (FlywayException e) {
            err.println("The database schema cannot be migrated: " + CommandSettings.firstLine(e.getMessage()));
            return ERROR;
        } catch (SQLException e) {
            err.println("PostgreSQL failed: " + CommandSettings.firstLine(e.getMessage()));
            return ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ERROR;
        }
    }

    private int fleet(FleetStatus fleet, long silentAfter) throws SQLException {
        List<FleetStatus.Device> devices = fleet.all();
        Instant now = Instant.now();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"DEVICE", "STORE", "STATUS", "LAST_SEEN", "LOADED", "RECEIVED", "GAPS", "BACKLOG",
                "OLDEST", "DLQ", "QUARANTINE", "VERSION", "CONFIG", "FLAGS"});
        for (FleetStatus.Device d : devices) {
            rows.add(new String[]{d.deviceId(), d.storeId(), d.status(), ago(d.lastSeenAt(), now),
                    String.valueOf(d.loadedThroughSeq()), String.valueOf(d.maxSeqReceived()),
                    d.hasGaps() ? d.gaps() : "-", orDash(d.reportedBacklog()),
                    d.oldestUnsentMs() == null ? "-" : duration(d.oldestUnsentMs()), orDash(d.dlqDepth()),
                    String.valueOf(d.openQuarantine()), orDash(d.softwareVersion()), orDash(d.configVersion()),
                    flags(d)});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                line.append(String.format("%-" + widths[i] + "s", row[i])).append("  ");
            }
            out.println(line.toString().stripTrailing());
        }
        long silent = devices.stream().filter(FleetStatus.Device::silent).count();
        long behind = devices.stream().filter(FleetStatus.Device::behind).count();
        long gaps = devices.stream().filter(FleetStatus.Device::hasGaps).count();
        long quarantine = devices.stream().filter(d -> d.openQuarantine() > 0).count();
        out.println(devices.size() + " device" + (devices.size() == 1 ? "" : "s") + ", " + silent + " silent (no request for "
                + duration(silentAfter * 1000) + "), " + behind + " behind, " + gaps + " with gaps, " + quarantine
                + " with quarantine");
        return silent > 0 || gaps > 0 ? ATTENTION : OK;
    }

    private static String flags(FleetStatus.Device d) {
        List<String> flags = new ArrayList<>();
        if (d.silent()) {
            flags.add("SILENT");
        }
        if (d.hasGaps()) {
            flags.add("GAPS");
        }
        if (d.openQuarantine() > 0) {
            flags.add("QUARANTINE");
        }
        if (d.dlqDepth() != null && d.dlqDepth() > 0) {
            flags.add("DLQ");
        }
        if (d.behind()) {
            flags.add("behind");
        }
        return flags.isEmpty() ? "ok" : String.join(",", flags);
    }

    private int detail(FleetStatus fleet, String deviceId) throws SQLException {
        FleetStatus.Device d = required(fleet, deviceId);
        Instant now = Instant.now();
        out.println("device            " + d.deviceId() + " (store " + d.storeId() + ", " + d.status() + ")");
        out.println("last seen         " + ago(d.lastSeenAt(), now) + (d.silent() ? "  SILENT" : ""));
        out.println("loaded (acked)    seq " + d.loadedThroughSeq());
        out.println("received          contiguous through seq " + d.highestContiguousSeq() + ", highest seq "
                + d.maxSeqReceived());
        out.println("gaps              " + (d.hasGaps() ? d.missingCount() + " missing: " + d.gaps() : "none"));
        out.println("device backlog    " + (d.reportedBacklog() == null ? "not reported" : d.reportedBacklog()
                + " changes, oldest unsent " + duration(d.oldestUnsentMs() == null ? 0 : d.oldestUnsentMs())
                + (d.reportedAt() == null ? "" : " (reported " + ago(d.reportedAt(), now) + ")")));
        out.println("device DLQ        " + (d.dlqDepth() == null ? "not reported" : d.dlqDepth() + " batches"));
        out.println("quarantine        " + d.openQuarantine() + " open");
        out.println("software          " + orDash(d.softwareVersion()) + ", config " + orDash(d.configVersion()));
        return OK;
    }

    private int watch(FleetStatus fleet, String deviceId, long intervalS, long maxIterations)
            throws SQLException, InterruptedException {
        for (long i = 1; ; i++) {
            FleetStatus.Device d = required(fleet, deviceId);
            long backlog = d.reportedBacklog() == null ? 0 : d.reportedBacklog();
            String frame = bar(d);
            if (redraw) {
                out.print("\r" + frame);
                out.flush();
            } else {
                out.println(frame);
            }
            if (backlog == 0) {
                if (redraw) {
                    out.println();
                }
                out.println(d.reportedBacklog() == null ? deviceId + " has not reported a backlog."
                        : deviceId + " has no backlog; the cloud loaded through seq " + d.loadedThroughSeq() + ".");
                return OK;
            }
            if (i >= maxIterations) {
                if (redraw) {
                    out.println();
                }
                out.println(deviceId + " still has " + backlog + " changes to send after " + i + " refreshes.");
                return ATTENTION;
            }
            Thread.sleep(Duration.ofSeconds(intervalS).toMillis());
        }
    }

    /** The cloud's loaded seq against everything the device has captured: received by the cloud plus its backlog. */
    static String bar(FleetStatus.Device d) {
        long backlog = d.reportedBacklog() == null ? 0 : d.reportedBacklog();
        long total = d.maxSeqReceived() + backlog;
        double done = total == 0 ? 1 : (double) d.loadedThroughSeq() / total;
        int filled = (int) Math.round(done * BAR_WIDTH);
        int received = (int) Math.round((total == 0 ? 1 : (double) d.maxSeqReceived() / total) * BAR_WIDTH) - filled;
        return "[" + "#".repeat(filled) + "+".repeat(Math.max(0, received))
                + ".".repeat(Math.max(0, BAR_WIDTH - filled - Math.max(0, received))) + "] "
                + String.format("%3d%%", Math.round(done * 100)) + " loaded " + d.loadedThroughSeq() + " · received "
                + d.maxSeqReceived() + " · backlog " + backlog;
    }

    private static FleetStatus.Device required(FleetStatus fleet, String deviceId) throws SQLException {
        FleetStatus.Device d = fleet.one(deviceId);
        if (d == null) {
            throw new UsageException("No device " + deviceId + " is enrolled; see ops/status or ops/devices list.");
        }
        return d;
    }

    private static long silentAfter(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_SILENT_AFTER_S;
        }
        try {
            long seconds = Long.parseLong(value.trim());
            if (seconds >= 1 && seconds <= 31_536_000) {
                return seconds;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidSettingException(SILENT_AFTER_KEY + " is \"" + value + "\" but must be a whole number of seconds"
                + " from 1 to 31536000.");
    }

    private static long number(String option, List<String> args, int index, long min, long max) {
        if (index >= args.size()) {
            throw new UsageException(option + " needs a number; " + USAGE + ".");
        }
        try {
            long n = Long.parseLong(args.get(index));
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(option + " is \"" + args.get(index) + "\" but must be a whole number from " + min
                + (max == Long.MAX_VALUE ? " up" : " to " + max) + ".");
    }

    static String ago(Timestamp at, Instant now) {
        return at == null ? "never" : duration(Math.max(0, now.toEpochMilli() - at.getTime())) + " ago";
    }

    static String duration(long ms) {
        long s = ms / 1000;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
        }
        if (s < 86_400) {
            return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : s % 3600 / 60 + "m");
        }
        return s / 86_400 + "d" + (s % 86_400 / 3600 == 0 ? "" : s % 86_400 / 3600 + "h");
    }

    private static String orDash(Object value) {
        return value == null ? "-" : value.toString();
    }


}
