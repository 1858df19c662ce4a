package org.edgesync.ops.bench;

import java.nio.file.Path;
import java.util.Deque;

/** Command line of {@code ops/bench}: options into {@link Bench.Options}, exit status 0 when every phase ran. */
public final class BenchCommand {

    static final String USAGE = """
            usage: ops/bench [options]
              --quick                small workloads (about 2 minutes): 60,000 e2e changes, a 100,000-change backlog
              --json FILE            also write the figures as JSON (key: number)
              --devices N            simulated devices of the ingest phase (default 100)
              --pg-url JDBC_URL      use this PostgreSQL database instead of an embedded one
              --pg-user USER         user for --pg-url (default postgres; password from EDGESYNC_DB_PASSWORD)
              --edge-jvm "FLAGS"     the edge's JVM flags, space-separated, instead of the shipped ones (EdgeJvm);
                                     the edge always runs with MALLOC_ARENA_MAX=2 as on a device
              --cloud-jvm "FLAGS"    the cloud node's JVM flags, space-separated (default -Xmx256m); for
                                     profiling, e.g. "-Xmx256m -XX:StartFlightRecording=filename=cloud.jfr"
              --work-dir DIR         SQLite files, broker journal, logs (default ops/target/bench-data)
              --only PHASES          comma-separated, of: edge (first poll, lock waits, end to end, backlog
                                     drain, RSS), ingest (simulated devices); capture and raw always run
              --ingest-batches N     batches per simulated device in the ingest phase (default 20, quick 3)
            """;

    private BenchCommand() {
    }

    public static int run(Deque<String> args) throws Exception {
        // the enrolments and the embedded PostgreSQL log every pool and migration check at INFO otherwise
        for (String logger : new String[] {"com.zaxxer.hikari", "org.flywaydb", "io.zonky"}) {
            System.setProperty("org.slf4j.simpleLogger.log." + logger, "warn");
        }
        Path home = Path.of(System.getProperty("edgesync.home", "."));
        boolean quick = false;
        Path json = null;
        int devices = 100;
        String pgUrl = null;
        String pgUser = "postgres";
        Path work = home.resolve("ops/target/bench-data");
        java.util.List<String> edgeJvm = Bench.EDGE_JVM_OPTIONS;
        java.util.List<String> cloudJvm = Bench.CLOUD_JVM_OPTIONS;
        java.util.Set<String> phases = Bench.PHASES;
        int ingestBatches = 0;
        while (!args.isEmpty()) {
            String option = args.pop();
            switch (option) {
                case "--quick" -> quick = true;
                case "--json" -> json = Path.of(value(option, args));
                case "--devices" -> devices = positive(option, value(option, args));
                case "--pg-url" -> pgUrl = value(option, args);
                case "--pg-user" -> pgUser = value(option, args);
                case "--work-dir" -> work = Path.of(value(option, args));
                case "--edge-jvm" -> edgeJvm = java.util.List.of(value(option, args).trim().split("\\s+"));
                case "--cloud-jvm" -> cloudJvm = java.util.List.of(value(option, args).trim().split("\\s+"));
                case "--only" -> phases = phases(value(option, args));
                case "--ingest-batches" -> ingestBatches = positive(option, value(option, args));
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return 0;
                }
                default -> throw new IllegalArgumentException("unknown option '" + option + "'");
            }
        }
        Bench.Options options = new Bench.Options(quick, pgUrl, pgUser, System.getenv("EDGESYNC_DB_PASSWORD"),
                work, home, json, devices, edgeJvm, cloudJvm, phases, ingestBatches);
        new Bench(options, System.out).run();
        return 0;
    }

    private static java.util.Set<String> phases(String list) {
        java.util.Set<String> phases = new java.util.LinkedHashSet<>();
        for (String phase : list.split(",")) {
            if (!Bench.PHASES.contains(phase.trim())) {
                throw new IllegalArgumentException("--only takes phases of " + Bench.PHASES + " but was '" + list + "'");
            }
            phases.add(phase.trim());
        }
        return phases;
    }

    private static String value(String option, Deque<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.pop();
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the message
        }
        throw new IllegalArgumentException(option + " must be a positive whole number but was '" + value + "'");
    }
}
