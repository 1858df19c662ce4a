package org.edgesync.cloud.admin;

import com.zaxxer.hikari.HikariDataSource;
import org.edgesync.cloud.support.Database;
import org.edgesync.cloud.support.InvalidSettingException;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.support.Settings;
import org.flywaydb.core.api.FlywayException;
import org.quartz.SchedulerException;

import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * {@code ops/jobs}: the operator's control of the cloud's scheduled jobs (the loader and the housekeeping jobs).
 * <pre>
 * list          every job with its cron, next and previous fire time and state (NORMAL, PAUSED, BLOCKED = running)
 * trigger JOB   run the job once now, on whichever cloud node acquires it first
 * pause JOB     stop firing it, on every node, until resume (kept in the database across restarts)
 * resume JOB    fire it on its schedule again
 * </pre>
 * Acts on the clustered Quartz job store in PostgreSQL (see {@link ScheduledJobs}), so it works the same with one
 * node or many, and with no node running (the change takes effect when one starts). Reads the cloud node's
 * configuration like {@link DeviceCommand} (database, camel.main.name). Exit codes: 0 done; 2 usage (an unknown job
 * too), configuration or database error, with one sentence on stderr.
 */
public final class JobsCommand {

    public static final int OK = 0;
    public static final int ERROR = 2;

    private static final String USAGE = "usage: ops/jobs list | trigger JOB | pause JOB | resume JOB";

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> overrides;
    private final UnaryOperator<String> env;

    private JobsCommand(PrintStream out, PrintStream err, Map<String, String> overrides, UnaryOperator<String> env) {
        this.out = out;
        this.err = err;
        this.overrides = overrides;
        this.env = env;
    }

    public static void main(String[] args) {
        CommandSettings.quietLibraryLogging();
        // Quartz announces its scheduler at INFO; the operator wants the command's own output
        if (System.getProperty("org.slf4j.simpleLogger.log.org.quartz") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.org.quartz", "warn");
        }
        System.exit(run(args, System.out, System.err, System::getenv));
    }

    /** Runs one command; {@code -Dkey=value} arguments before the subcommand override configuration keys. */
    public static int run(String[] args, PrintStream out, PrintStream err, UnaryOperator<String> env) {
        CommandSettings.Arguments arguments = CommandSettings.Arguments.split(args);
        return new JobsCommand(out, err, arguments.overrides(), env).execute(arguments.rest());
    }

    private int execute(List<String> args) {
        try {
            if (args.isEmpty()) {
                throw new UsageException("Say what to do: list, trigger JOB, pause JOB or resume JOB.");
            }
            String command = args.get(0);
            if (List.of("help", "--help", "-h").contains(command)) {
                out.println(USAGE);
                return OK;
            }
            if (!List.of("list", "trigger", "pause", "resume").contains(command)) {
                throw new UsageException("Unknown command '" + command + "'; use list, trigger, pause or resume.");
            }
            int expected = command.equals("list") ? 1 : 2;
            if (args.size() != expected) {
                throw new UsageException(command + (expected == 1 ? " takes no arguments" : " takes exactly one job name")
                        + "; " + USAGE + ".");
            }
            return withJobs(jobs -> switch (command) {
                case "list" -> list(jobs);
                case "trigger" -> {
                    jobs.trigger(args.get(1));
                    out.println("Asked cluster '" + jobs.clusterName() + "' to run " + args.get(1)
                            + " once now; the next cloud node to acquire it runs it." + nodesNote(jobs));
                    yield OK;
                }
                case "pause" -> {
                    jobs.pause(args.get(1));
                    out.println("Paused " + args.get(1) + " on every node of cluster '" + jobs.clusterName()
                            + "' until ops/jobs resume " + args.get(1) + "; a run in progress finishes.");
                    yield OK;
                }
                default -> {
                    jobs.resume(args.get(1));
                    out.println("Resumed " + args.get(1) + " in cluster '" + jobs.clusterName() + "'." + nodesNote(jobs));
                    yield OK;
                }
            });
        } catch (UsageException | InvalidSettingException e) {
            err.println(e.getMessage());
            return ERROR;
        } catch (FlywayException e) {
            err.println("The database schema cannot be migrated: " + CommandSettings.firstLine(e.getMessage()));
            return ERROR;
        } catch (SQLException e) {
            err.println("PostgreSQL failed: " + CommandSettings.firstLine(e.getMessage()));
            return ERROR;
        } catch (SchedulerException e) {
            err.println("The Quartz job store failed: " + CommandSettings.firstLine(e.getMessage()));
            return ERROR;
        }
    }

    private int list(ScheduledJobs jobs) throws SchedulerException, SQLException {
        List<ScheduledJobs.Job> all = jobs.list();
        Instant now = Instant.now();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"JOB", "STATE", "CRON", "NEXT_FIRE", "PREVIOUS_FIRE", "RUN_NOW_PENDING"});
        for (ScheduledJobs.Job job : all) {
            rows.add(new String[]{job.name(), job.state(), job.cron(), when(job.nextFire(), now),
                    when(job.previousFire(), now), String.valueOf(job.pendingRuns())});
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
        int nodes = jobs.nodesUp();
        out.println(all.size() + " job" + (all.size() == 1 ? "" : "s") + " in cluster '" + jobs.clusterName() + "', "
                + nodes + " node" + (nodes == 1 ? "" : "s") + " up");
        return OK;
    }

    private static String nodesNote(ScheduledJobs jobs) throws SQLException {
        return jobs.nodesUp() > 0 ? "" : " No cloud node of the cluster is up: it runs when one starts.";
    }

    /** An instant in UTC to the second, with how far away it is. */
    static String when(Instant at, Instant now) {
        if (at == null) {
            return "-";
        }
        long s = Math.abs(now.getEpochSecond() - at.getEpochSecond());
        String distance = StatusCommand.duration(s * 1000);
        return at.truncatedTo(ChronoUnit.SECONDS) + (at.isAfter(now) ? " (in " + distance + ")" : " (" + distance + " ago)");
    }

    @FunctionalInterface
    private interface Action {
        int run(ScheduledJobs jobs) throws SchedulerException, SQLException;
    }

    private int withJobs(Action action) throws SQLException, SchedulerException {
        CommandSettings settings = CommandSettings.load(overrides, env);
        String url = Settings.postgresUrl("edgesync.db.url", settings.get("edgesync.db.url"));
        String user = Settings.required("edgesync.db.user", settings.get("edgesync.db.user"));
        String cluster = Settings.required("camel.main.name", settings.get("camel.main.name"));
        String password = settings.get("edgesync.db.password");
        try (HikariDataSource pool = Database.openPool("edgesync-jobs", url, user, password == null ? "" : password, 2)) {
            Migrations.migrate(pool, settings.configDir().resolve("cloud").resolve("sql"));
            try (ScheduledJobs jobs = ScheduledJobs.open(pool, cluster)) {
                return action.run(jobs);
            }
        }
    }
}
