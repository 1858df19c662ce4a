package org.edgesync.ops;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/** Entry point of the operations tools: {@code demo}, {@code reconcile} and {@code faults}. */
public final class OpsMain {

    private static final String USAGE = """
            usage: ops/demo [options]
              --changes N            changes the simulated shop writes (default 10000)
              --tx-per-second N      shop transactions per second, 0 = as fast as possible (default 300)
              --cloud-outage-s N     start the cloud N seconds after the shop starts writing (default 0)
              --pg-url JDBC_URL      load into this PostgreSQL instead of an embedded one
              --pg-user USER         user for --pg-url (default postgres; password from EDGESYNC_DB_PASSWORD)
              --work-dir DIR         where the SQLite file, broker journal and logs go (default demo-data)
              --timeout-s N          give up when not drained after N seconds (default 300)
              --keep-running         leave edge, cloud and PostgreSQL up after the comparison

            usage: ops/reconcile --sqlite FILE --pg-url JDBC_URL --device ID --store ID [--pg-user USER]

            usage: ops/faults [options]
              --quick                small workloads, compressed outages (a few minutes)
              --scenario NAME        run only this scenario (repeatable); default all:
                                     edge-kill-random, edge-halt-points, cloud-outage, lost-reply, postgres-restart,
                                     cloud-kill-mid-upsert, two-cloud-nodes, poison, disk-pressure
              --report FILE          write the results as a Markdown table
              --pg-url JDBC_URL      an admin database of a PostgreSQL server; each scenario creates its own
                                     database there (default: an embedded PostgreSQL 15)
              --pg-user USER         user for --pg-url (default postgres; password from EDGESYNC_DB_PASSWORD)
              --outage-s N           how long the cloud is unreachable (default quick 15, full 600)
              --work-dir DIR         scenario directories and logs (default fault-data)
              --timeout-s N          give up a drain after N seconds (default quick 180, full 1800)

            usage: ops/bench [--quick] [--json FILE] [--devices N] [--pg-url JDBC_URL] [--pg-user USER] [--work-dir DIR]
            """;

    private OpsMain() {
    }

    public static void main(String[] args) throws Exception {
        Deque<String> rest = new ArrayDeque<>(Arrays.asList(args));
        String command = rest.isEmpty() ? "demo" : rest.pop();
        try {
            int status = switch (command) {
                case "demo" -> demo(rest);
                case "reconcile" -> reconcile(rest);
                case "faults" -> faults(rest);
                case "bench" -> org.edgesync.ops.bench.BenchCommand.run(rest);
                default -> throw new IllegalArgumentException("unknown command '" + command + "' (allowed: demo, reconcile, faults)");
            };
            System.exit(status);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
    }

    private static int demo(Deque<String> args) throws Exception {
        Path home = Path.of(System.getProperty("edgesync.home", "."));
        long changes = 10_000;
        int tps = 300;
        long outage = 0;
        long timeout = 300;
        String pgUrl = null;
        String pgUser = "postgres";
        Path work = home.resolve("demo-data");
        boolean keep = false;
        while (!args.isEmpty()) {
            String option = args.pop();
            switch (option) {
                case "--changes" -> changes = positive(option, value(option, args));
                case "--tx-per-second" -> tps = (int) nonNegative(option, value(option, args));
                case "--cloud-outage-s" -> outage = nonNegative(option, value(option, args));
                case "--timeout-s" -> timeout = positive(option, value(option, args));
                case "--pg-url" -> pgUrl = value(option, args);
                case "--pg-user" -> pgUser = value(option, args);
                case "--work-dir" -> work = Path.of(value(option, args));
                case "--keep-running" -> keep = true;
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return 0;
                }
                default -> throw new IllegalArgumentException("unknown option '" + option + "'");
            }
        }
        Demo.Options options = new Demo.Options(changes, tps, pgUrl, pgUser, System.getenv("EDGESYNC_DB_PASSWORD"),
                work, home, Duration.ofSeconds(timeout), Duration.ofSeconds(outage), keep);
        Demo.Outcome outcome = new Demo(options, System.out).run();
        return outcome.success() ? 0 : 1;
    }

    private static int faults(Deque<String> args) throws Exception {
        Path home = Path.of(System.getProperty("edgesync.home", "."));
        boolean quick = false;
        java.util.List<String> scenarios = new java.util.ArrayList<>();
        Path report = null;
        String pgUrl = null;
        String pgUser = "postgres";
        long outage = 0;
        Long timeout = null;
        Path work = home.resolve("fault-data");
        while (!args.isEmpty()) {
            String option = args.pop();
            switch (option) {
                case "--quick" -> quick = true;
                case "--scenario" -> {
                    String name = value(option, args);
                    if (!FaultSuite.SCENARIOS.contains(name)) {
                        throw new IllegalArgumentException("--scenario must be one of " + FaultSuite.SCENARIOS + " but was '" + name + "'");
                    }
                    scenarios.add(name);
                }
                case "--report" -> report = Path.of(value(option, args));
                case "--pg-url" -> pgUrl = value(option, args);
                case "--pg-user" -> pgUser = value(option, args);
                case "--outage-s" -> outage = positive(option, value(option, args));
                case "--timeout-s" -> timeout = positive(option, value(option, args));
                case "--work-dir" -> work = Path.of(value(option, args));
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return 0;
                }
                default -> throw new IllegalArgumentException("unknown option '" + option + "'");
            }
        }
        FaultSuite.Options options = new FaultSuite.Options(quick, work, home, outage,
                Duration.ofSeconds(timeout != null ? timeout : quick ? 180 : 1800));
        java.nio.file.Files.createDirectories(work);
        try (PostgresTarget server = pgUrl == null
                ? PostgresTarget.embedded(work.toAbsolutePath().resolve("postgres"))
                : PostgresTarget.existing(pgUrl, pgUser, System.getenv("EDGESYNC_DB_PASSWORD"))) {
            System.out.println("EdgeSync fault suite" + (quick ? " (quick)" : "") + ", PostgreSQL " + server.jdbcUrl());
            java.util.List<FaultSuite.Result> results = new FaultSuite(options,
                    scenario -> server.newDatabase("edgesync_fault_" + scenario), System.out).run(scenarios);
            String markdown = FaultSuite.markdown(results, quick);
            System.out.println();
            System.out.print(markdown);
            if (report != null) {
                java.nio.file.Files.writeString(report, markdown);
                System.out.println("report written to " + report.toAbsolutePath());
            }
            return results.stream().allMatch(FaultSuite.Result::passed) ? 0 : 1;
        }
    }

    private static int reconcile(Deque<String> args) throws Exception {
        Path home = Path.of(System.getProperty("edgesync.home", "."));
        String sqlite = null;
        String pgUrl = null;
        String pgUser = "postgres";
        String device = null;
        String store = null;
        Path mappings = home.resolve("route-config/cloud/mappings.yaml");
        while (!args.isEmpty()) {
            String option = args.pop();
            switch (option) {
                case "--sqlite" -> sqlite = value(option, args);
                case "--pg-url" -> pgUrl = value(option, args);
                case "--pg-user" -> pgUser = value(option, args);
                case "--device" -> device = value(option, args);
                case "--store" -> store = value(option, args);
                case "--mappings" -> mappings = Path.of(value(option, args));
                default -> throw new IllegalArgumentException("unknown option '" + option + "'");
            }
        }
        if (sqlite == null || pgUrl == null || device == null || store == null) {
            throw new IllegalArgumentException("reconcile needs --sqlite, --pg-url, --device and --store");
        }
        Reconciliation result = new Reconciler(mappings).reconcile(Path.of(sqlite),
                PostgresTarget.existing(pgUrl, pgUser, System.getenv("EDGESYNC_DB_PASSWORD")), device, store);
        result.print(System.out);
        System.out.println(result.verdict());
        return result.equal() ? 0 : 1;
    }

    private static String value(String option, Deque<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.pop();
    }

    private static long positive(String option, String value) {
        long n = number(option, value);
        if (n <= 0) {
            throw new IllegalArgumentException(option + " must be a positive whole number but was '" + value + "'");
        }
        return n;
    }

    private static long nonNegative(String option, String value) {
        long n = number(option, value);
        if (n < 0) {
            throw new IllegalArgumentException(option + " must be zero or a positive whole number but was '" + value + "'");
        }
        return n;
    }

    private static long number(String option, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a whole number but was '" + value + "'");
        }
    }
}
