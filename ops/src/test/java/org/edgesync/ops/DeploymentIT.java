package org.edgesync.ops;

import org.edgesync.cloud.admin.DemoCertificates;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The deployment files of ops/deploy, exercised: the systemd units pass systemd's own checks, install.sh stages
 * both roles, and the services started exactly as their installed units say (JVM flags, jar, configuration
 * directory, environment file edited as an operator would) move a shop's changes into PostgreSQL.
 */
class DeploymentIT {

    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> UNITS = List.of("edgesync-edge.service", "edgesync-cloud.service");

    private static TestDatabase database;

    @BeforeAll
    static void createDatabase() throws Exception {
        database = TestPostgres.newDatabase();
    }

    @AfterAll
    static void dropDatabase() {
        if (database != null) {
            database.close();
        }
    }

    @Test
    void unitsPassSystemdVerificationWithoutAWarning() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed: unit verification skipped");
        for (String unit : UNITS) {
            Result verify = run(List.of("systemd-analyze", "verify", HOME.resolve("ops/deploy/" + unit).toString()), Map.of());
            assertThat(verify.status()).as(unit + ": " + verify.output()).isZero();
            assertThat(verify.output()).as("systemd-analyze verify " + unit).isBlank();
        }
    }

    @Test
    void unitsAreSandboxed() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed: sandbox check skipped");
        for (String unit : UNITS) {
            // Exposure 0.0 (locked down) .. 10.0 (unprotected), printed to one decimal; --threshold takes tenths.
            // The units score about 1.5; dropping one sandbox setting or two pushes them past 2.5. A JVM needs
            // W+X memory for its JIT, so 0 is out of reach.
            Result security = run(List.of("systemd-analyze", "security", "--offline=true", "--threshold=25",
                    HOME.resolve("ops/deploy/" + unit).toString()), Map.of());
            assertThat(security.status()).as(unit + " exposure above 2.5:\n" + security.output()).isZero();
        }
    }

    @Test
    void installedServicesSyncAShop() throws Exception {
        // Under target/ rather than a temporary directory: the services' logs stay there for a look after a failure.
        Path work = Path.of("target/deployment-it").toAbsolutePath();
        deleteRecursively(work);
        Path root = work.resolve("root");
        for (String role : List.of("edge", "cloud")) {
            Result install = run(List.of("bash", HOME.resolve("ops/deploy/install.sh").toString(), role,
                    "--sqlite-dir", work.resolve("pos").toString()), Map.of("EDGESYNC_INSTALL_ROOT", root.toString()));
            assertThat(install.status()).as("install.sh " + role + ": " + install.output()).isZero();
            assertThat(root.resolve("opt/edgesync/" + role + "/edgesync-" + role + ".jar")).isRegularFile();
            assertThat(root.resolve("etc/systemd/system/edgesync-" + role + ".service")).isRegularFile();
            assertThat(Files.getPosixFilePermissions(root.resolve("etc/edgesync/" + role + ".env")))
                    .as("the environment file holds secrets").isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
        }
        assertThat(root.resolve("etc/edgesync/route-config/edge/routes")).isDirectory();
        assertThat(root.resolve("etc/systemd/journald.conf.d/edgesync.conf")).isRegularFile();
        assertThat(Files.readString(root.resolve("etc/systemd/system/edgesync-edge.service.d/sqlite.conf")))
                .contains("ReadWritePaths=" + work.resolve("pos"));

        // What the operator does after install.sh: certificates, enrolment, then editing the two env files.
        Path tls = root.resolve("etc/edgesync/tls");
        String keystorePassword = "deployment-test-" + System.nanoTime();
        DemoCertificates.generate(tls, keystorePassword);
        PostgresTarget pg = PostgresTarget.existing(database.jdbcUrl(), database.user(), database.password());
        CloudCredentials credentials = CloudCredentials.generate();
        String deviceId = "store-001-pos-1";
        String deviceKey = credentials.enrol(pg, root.resolve("etc/edgesync/route-config"), deviceId, "store-001");
        int httpPort = Demo.freePort();
        Path shopDb = work.resolve("pos/shop.db");
        Files.createDirectories(shopDb.getParent());
        ShopSimulator.createSchema(shopDb);

        Map<String, String> cloudEnv = new java.util.HashMap<>(credentials.cloudEnvironment(pg));
        cloudEnv.putAll(Map.of(
                "EDGESYNC_DB_URL", database.jdbcUrl(),
                "EDGESYNC_DB_USER", database.user(),
                "EDGESYNC_TLS_KEYSTORE_FILE", tls.resolve(DemoCertificates.KEYSTORE).toString(),
                "EDGESYNC_TLS_KEYSTORE_PASSWORD", keystorePassword,
                "EDGESYNC_JOLOKIA_PORT", String.valueOf(Demo.freePort()),
                "EDGESYNC_HTTP_PORT", String.valueOf(httpPort),
                "EDGESYNC_MANAGEMENT_PORT", String.valueOf(Demo.freePort())));
        edit(root.resolve("etc/edgesync/cloud.env"), cloudEnv);
        edit(root.resolve("etc/edgesync/edge.env"), Map.of(
                "EDGESYNC_DEVICE_ID", deviceId,
                "EDGESYNC_DEVICE_KEY", deviceKey,
                "EDGESYNC_SQLITE_PATH", shopDb.toString(),
                "EDGESYNC_CLOUD_URL", "https://localhost:" + httpPort,
                "EDGESYNC_CLOUD_TRUSTSTORE_FILE", tls.resolve(DemoCertificates.TRUSTSTORE).toString(),
                "EDGESYNC_CLOUD_TRUSTSTORE_PASSWORD", DemoCertificates.TRUSTSTORE_PASSWORD));

        Process cloud = startAsSystemdWould(root, "cloud", work.resolve("cloud.log"));
        Process edge = startAsSystemdWould(root, "edge", work.resolve("edge.log"));
        try {
            // Rows written before the edge installed its triggers are not captured (there is no initial snapshot).
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                assertThat(edge.isAlive()).as("edge alive; log:\n" + tail(work.resolve("edge.log"))).isTrue();
                assertThat(captureTriggers(shopDb)).isEqualTo(9);
            });
            ShopSimulator shop = new ShopSimulator(shopDb, 7);
            shop.run(2_000, 500);
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertThat(edge.isAlive()).as("edge alive; log:\n" + tail(work.resolve("edge.log"))).isTrue();
                assertThat(cloud.isAlive()).as("cloud alive; log:\n" + tail(work.resolve("cloud.log"))).isTrue();
                assertThat(loadedThrough(deviceId)).isEqualTo(maxSeq(shopDb));
            });
            Reconciliation reconciliation = new Reconciler(root.resolve("etc/edgesync/route-config/cloud/mappings.yaml"))
                    .reconcile(shopDb, pg, deviceId, "store-001");
            assertThat(reconciliation.tables()).hasSize(3).allSatisfy(table -> {
                assertThat(table.missing()).as(table.sourceTable() + " missing").isZero();
                assertThat(table.extra()).as(table.sourceTable() + " extra").isZero();
            });
            assertThat(root.resolve("var/lib/edgesync/broker")).as("the journal lives in the unit's data directory")
                    .isDirectoryContaining(path -> path.getFileName().toString().equals("journal"));
        } finally {
            stop(edge);
            stop(cloud);
        }
        // systemd stops with SIGTERM: both close in order, Jolokia (on in the sample cloud.env) included.
        for (String log : List.of("edge.log", "cloud.log")) {
            assertThat(Files.readString(work.resolve(log))).as(log)
                    .doesNotContain("Shutdown in progress").doesNotContain("Error occurred while shutting down");
        }
    }

    private static Process startAsSystemdWould(Path root, String role, Path log) throws IOException {
        SystemdUnit unit = SystemdUnit.read(root.resolve("etc/systemd/system/edgesync-" + role + ".service"), root);
        assertThat(unit.execStart().get(0)).as("ExecStart of " + role).isEqualTo("/usr/bin/java");
        Files.createDirectories(unit.workingDirectory());
        List<String> command = new ArrayList<>(unit.execStart());
        if (!Files.isExecutable(Path.of(command.get(0)))) {
            command.set(0, ProcessHandle.current().info().command().orElse("java"));
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(unit.workingDirectory().toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(unit.environment());
        return builder.start();
    }

    /** Sets KEY=VALUE lines of an environment file in place, as an operator's editor would; new keys are appended. */
    private static void edit(Path envFile, Map<String, String> values) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(envFile));
        Map<String, String> pending = new java.util.LinkedHashMap<>(values);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0 && pending.containsKey(line.substring(0, eq))) {
                String key = line.substring(0, eq);
                lines.set(i, key + "=" + pending.remove(key));
            }
        }
        pending.forEach((key, value) -> lines.add(key + "=" + value));
        Files.write(envFile, lines, StandardCharsets.UTF_8);
    }

    private static long loadedThrough(String deviceId) throws Exception {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(loaded_through_seq), 0) FROM edgesync.load_progress"
                     + " WHERE device_id = '" + deviceId + "'")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (java.sql.SQLException notYetMigrated) {
            return -1;
        }
    }

    private static long captureTriggers(Path shopDb) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + shopDb); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static long maxSeq(Path shopDb) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + shopDb); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = '_edgesync_changes'")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static boolean onPath(String program) {
        return Files.isExecutable(Path.of("/usr/bin", program)) || Files.isExecutable(Path.of("/bin", program));
    }

    private record Result(int status, String output) {
    }

    private static Result run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", command) + " finished").isTrue();
        return new Result(process.exitValue(), output);
    }
}
