package org.edgesync.ops;

import org.edgesync.cloud.admin.DemoCertificates;
import org.edgesync.edge.EdgeJvm;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The end-to-end demo: a simulated shop writes to SQLite while the real edge runtime (its own JVM,
 * embedded Artemis with a journal on disk) forwards to the real cloud runtime (its own JVM) that
 * loads PostgreSQL. It waits until the cloud has loaded every change the device captured, then
 * reconciles device state against cloud state.
 */
public final class Demo {

    /** Options of one demo run; see {@link OpsMain} for their command-line names and defaults. */
    public record Options(long changes, int transactionsPerSecond, String pgUrl, String pgUser, String pgPassword,
                          Path workDir, Path home, Duration timeout, Duration cloudDelay, boolean keepRunning) {
    }

    /** What a run ended with. */
    public record Outcome(Reconciliation reconciliation, long shopChanges, long shopLockErrors, long deviceMaxSeq,
                          Duration elapsed) {
        public boolean success() {
            return reconciliation != null && reconciliation.equal() && shopLockErrors == 0;
        }
    }

    private final Options options;
    private final PrintStream out;

    public Demo(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public Outcome run() throws Exception {
        long started = System.nanoTime();
        Path work = options.workDir().toAbsolutePath();
        deleteRecursively(work);
        Files.createDirectories(work.resolve("logs"));
        Path shopDb = work.resolve("shop.db");
        String deviceId = "store-001-pos-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
        String storeId = "store-001";

        out.println("EdgeSync demo");
        out.println("  device       " + deviceId + " (store " + storeId + ")");
        out.println("  SQLite file  " + shopDb);
        out.println("  broker data  " + work.resolve("broker"));
        out.println("  logs         " + work.resolve("logs"));

        try (PostgresTarget pg = options.pgUrl() == null
                ? PostgresTarget.embedded(work.resolve("postgres"))
                : PostgresTarget.existing(options.pgUrl(), options.pgUser(), options.pgPassword())) {
            out.println("  PostgreSQL   " + pg.jdbcUrl() + " (user " + pg.user() + ")"
                    + (pg.isEmbedded() ? ", embedded, stops when the demo ends" : ""));
            ShopSimulator.createSchema(shopDb);

            int httpPort = freePort();
            int managementPort = freePort();
            Path home = options.home().toAbsolutePath();
            String configDir = home.resolve("route-config").toString();
            // A throwaway CA and server certificate: the edge trusts this CA and nothing else.
            Path tls = work.resolve("tls");
            String keystorePassword = newSecret();
            DemoCertificates.generate(tls, keystorePassword);
            CloudCredentials credentials = CloudCredentials.generate();
            String deviceKey = credentials.enrol(pg, Path.of(configDir), deviceId, storeId);
            out.println("device enrolled (ops/devices enrol), TLS certificates in " + tls);
            ManagedProcess cloud = null;
            ManagedProcess edge = null;
            try {
                edge = ManagedProcess.start("edge", home.resolve("edge-routes/target/edgesync-edge.jar"),
                        EdgeJvm.OPTIONS,
                        Map.of("edgesync.config.dir", configDir,
                                "edgesync.sqlite.path", shopDb.toString(),
                                "edgesync.broker.data.dir", work.resolve("broker").toString(),
                                "edgesync.cloud.url", "https://localhost:" + httpPort,
                                "edgesync.cloud.truststore.file", tls.resolve(DemoCertificates.TRUSTSTORE).toString(),
                                "edgesync.device.id", deviceId,
                                "camel.management.port", String.valueOf(freePort())),
                        Map.of("EDGESYNC_DEVICE_KEY", deviceKey,
                                "EDGESYNC_CLOUD_TRUSTSTORE_PASSWORD", DemoCertificates.TRUSTSTORE_PASSWORD,
                                "MALLOC_ARENA_MAX", EdgeJvm.ENVIRONMENT.get("MALLOC_ARENA_MAX")),
                        work.resolve("logs/edge.log"));
                awaitCaptureInstalled(shopDb, edge);
                out.println("edge started (pid " + edge.pid() + "), capture triggers installed");

                ShopSimulator shop = new ShopSimulator(shopDb, 42);
                CompletableFuture<Void> shopRun = CompletableFuture.runAsync(() -> {
                    try {
                        shop.run(options.changes(), options.transactionsPerSecond());
                    } catch (SQLException e) {
                        throw new IllegalStateException("the simulated shop failed: " + e.getMessage(), e);
                    }
                });
                out.println("shop writing " + options.changes() + " changes to products, sales, sale_lines");

                long deadline = System.nanoTime() + options.timeout().toNanos();
                long cloudAt = System.nanoTime() + options.cloudDelay().toNanos();
                if (!options.cloudDelay().isZero()) {
                    out.println("cloud stays away for " + options.cloudDelay().toSeconds() + " s: the edge stores and forwards");
                }
                Progress progress = null;
                while (System.nanoTime() < deadline) {
                    if (cloud == null && System.nanoTime() >= cloudAt) {
                        cloud = startCloud(pg, configDir, home, httpPort, managementPort, work, credentials,
                                tls.resolve(DemoCertificates.KEYSTORE), keystorePassword);
                        awaitPort(httpPort, cloud);
                        out.println("cloud started (pid " + cloud.pid() + ") on https://localhost:" + httpPort);
                    }
                    if (!edge.isAlive()) {
                        throw new IllegalStateException("the edge process stopped; see " + edge.log());
                    }
                    if (cloud != null && !cloud.isAlive()) {
                        throw new IllegalStateException("the cloud process stopped; see " + cloud.log());
                    }
                    progress = progress(shopDb, pg, deviceId, shop, cloud != null);
                    out.println(progress.line());
                    if (shopRun.isDone() && progress.drained()) {
                        break;
                    }
                    if (shopRun.isCompletedExceptionally()) {
                        shopRun.join();
                    }
                    sleepQuietly(Duration.ofSeconds(1), shopRun);
                }
                shopRun.join();
                if (progress == null || !progress.drained()) {
                    throw new IllegalStateException("not drained within " + options.timeout().toSeconds() + " s; last: "
                            + (progress == null ? "no progress" : progress.line()));
                }
                Reconciliation reconciliation = new Reconciler(home.resolve("route-config/cloud/mappings.yaml"))
                        .reconcile(shopDb, pg, deviceId, storeId);
                reconciliation.print(out);
                out.println("shop lock errors: " + shop.lockErrors());
                Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
                Outcome outcome = new Outcome(reconciliation, shop.changes(), shop.lockErrors(), progress.deviceMaxSeq(), elapsed);
                out.println(outcome.success()
                        ? "RESULT: device state == cloud state (" + shop.changes() + " changes in " + elapsed.toSeconds() + " s)"
                        : "RESULT: DIFFERENCE between device and cloud, see above");
                if (options.keepRunning()) {
                    out.println("keeping edge, cloud and PostgreSQL running; press Ctrl-C to stop");
                    Thread.currentThread().join();
                }
                return outcome;
            } finally {
                if (edge != null) {
                    edge.close();
                }
                if (cloud != null) {
                    cloud.close();
                }
            }
        }
    }

    private ManagedProcess startCloud(PostgresTarget pg, String configDir, Path home, int httpPort, int managementPort,
                                      Path work, CloudCredentials credentials, Path keystore, String keystorePassword)
            throws IOException {
        Map<String, String> env = credentials.cloudEnvironment(pg);
        env.put("EDGESYNC_TLS_KEYSTORE_PASSWORD", keystorePassword);
        return ManagedProcess.start("cloud", home.resolve("cloud-routes/target/edgesync-cloud.jar"),
                List.of("-Xmx256m"),
                Map.of("edgesync.config.dir", configDir,
                        "edgesync.db.url", pg.jdbcUrl(),
                        "edgesync.db.user", pg.user(),
                        "edgesync.tls.keystore.file", keystore.toString(),
                        // the demo opens no console port; see ops/README.md for Jolokia and Hawtio
                        "edgesync.jolokia.enabled", "false",
                        "camel.server.port", String.valueOf(httpPort),
                        "camel.management.port", String.valueOf(managementPort)),
                env,
                work.resolve("logs/cloud.log"));
    }

    /** One progress reading: what the shop wrote, what waits on the device, what the cloud loaded. */
    record Progress(long shopChanges, long deviceBacklog, long deviceMaxSeq, long staged, long loadedThrough,
                    boolean cloudUp) {
        boolean drained() {
            return deviceBacklog == 0 && deviceMaxSeq > 0 && loadedThrough >= deviceMaxSeq;
        }

        String line() {
            int width = 30;
            int filled = deviceMaxSeq == 0 ? 0 : (int) Math.min(width, width * loadedThrough / deviceMaxSeq);
            return String.format("[%s%s] shop %,d changes | device backlog %,d | cloud %s staged %,d, loaded %,d of %,d",
                    "#".repeat(filled), ".".repeat(width - filled), shopChanges, deviceBacklog,
                    cloudUp ? "up," : "DOWN,", staged, loadedThrough, deviceMaxSeq);
        }
    }

    private static Progress progress(Path shopDb, PostgresTarget pg, String deviceId, ShopSimulator shop, boolean cloudUp)
            throws SQLException {
        long backlog;
        long maxSeq;
        try (Connection c = sqlite(shopDb); Statement s = c.createStatement()) {
            backlog = single(s, "SELECT count(*) FROM _edgesync_changes");
            maxSeq = single(s, "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = '_edgesync_changes'");
        }
        long staged = 0;
        long loaded = 0;
        if (cloudUp) {
            try (Connection c = pg.connect()) {
                staged = single(c, "SELECT count(*) FROM edgesync.staged_change WHERE device_id = ?", deviceId);
                loaded = single(c, "SELECT COALESCE(MAX(loaded_through_seq), 0) FROM edgesync.load_progress WHERE device_id = ?", deviceId);
            }
        }
        return new Progress(shop.changes(), backlog, maxSeq, staged, loaded, cloudUp);
    }

    private static void awaitCaptureInstalled(Path shopDb, ManagedProcess edge) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!edge.isAlive()) {
                throw new IllegalStateException("the edge process stopped during start; see " + edge.log());
            }
            try (Connection c = sqlite(shopDb); Statement s = c.createStatement()) {
                if (single(s, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '\\_edgesync%' ESCAPE '\\'") >= 9) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the edge did not install its capture triggers within 60 s; see " + edge.log());
    }

    private static void awaitPort(int port, ManagedProcess process) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the " + process.name() + " process stopped during start; see " + process.log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the " + process.name() + " did not listen on port " + port + " within 90 s; see " + process.log());
    }

    private static String newSecret() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static Connection sqlite(Path db) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
        }
        return c;
    }

    private static long single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static long single(Connection c, String sql, String parameter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, parameter);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // the cloud has not run its migrations yet
            }
            throw e;
        }
    }

    /** Waits one progress tick, or less when the shop finishes during it. */
    private static void sleepQuietly(Duration duration, CompletableFuture<?> wakeOn) {
        try {
            if (wakeOn.isDone()) {
                Thread.sleep(duration.toMillis());
                return;
            }
            wakeOn.get(duration.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException ignored) {
            // a failed shop surfaces at join(); a timeout is the normal tick
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.delete(p);
            }
        }
    }
}
