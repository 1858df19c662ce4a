package org.edgesync.hawtio;

import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.Fixtures;
import org.edgesync.cloud.testing.FreePorts;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's view, in a real browser: a real cloud node (PostgreSQL, in this JVM) and a real edge (its jar in its
 * own JVM, with its SQLite file and embedded Artemis), both with Jolokia on and their shipped read-only policies;
 * {@code ops/hawtio} in front of them; headless Chromium driven by {@code src/test/browser/check-console.js}, which
 * must find every route of both runtimes and the edge's batch queue, and saves the screenshots the README shows.
 * Skipped, saying why, where no Chromium is installed.
 */
class HawtioConsoleIT {

    /** Every route the runtimes load, read from their YAML files: a new flow is expected in the console too. */
    static final List<String> EDGE_ROUTES = routeIds("edge");
    static final List<String> CLOUD_ROUTES = routeIds("cloud");
    static final String BATCH_QUEUE = "edgesync.batches";

    private static final Path MODULE = ConsoleProcess.HOME.resolve("ops/hawtio-console");
    private static final Path CHROMIUM = Path.of(System.getProperty("edgesync.chromium", "/usr/bin/chromium"));
    private static final String USER = "ops-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = UUID.randomUUID().toString();
    private static final String DEVICE = "store-001-pos-" + Long.toHexString(System.nanoTime() & 0xffffff);

    @TempDir
    static Path dir;
    private static TestDatabase db;
    private static CloudNode cloud;
    private static Process edge;
    private static ConsoleProcess console;
    private static String skipReason;

    @BeforeAll
    static void startEverything() throws Exception {
        // Checked here but reported by the test itself, so the report counts it as skipped with this reason.
        if (!Files.isExecutable(CHROMIUM)) {
            skipReason = "Chromium not found at " + CHROMIUM + ": the Hawtio browser test is skipped (install it with"
                    + " apt-get install chromium, or name it with -Dedgesync.chromium=PATH).";
        } else if (run(dir, Duration.ofSeconds(30), "node", "--version") != 0) {
            skipReason = "Node.js not found on the PATH: the Hawtio browser test is skipped.";
        }
        if (skipReason != null) {
            System.err.println(skipReason);
            return;
        }
        installBrowserDriver();

        db = TestPostgres.newDatabase();
        int cloudJolokia = FreePorts.next();
        cloud = CloudNode.start(db, Map.of(
                "camel.main.jmxEnabled", "true",
                "edgesync.jolokia.enabled", "true",
                "edgesync.jolokia.port", String.valueOf(cloudJolokia),
                "edgesync.jolokia.user", USER,
                "edgesync.jolokia.password", PASSWORD));
        Fixtures.enrol(db.dataSource(), DEVICE, "store-001");

        int edgeJolokia = FreePorts.next();
        edge = startEdge(edgeJolokia);
        awaitPort(edgeJolokia, edge, Duration.ofSeconds(120));
        // Traffic, so the diagrams and lists have exchange counts to show.
        writeProducts(dir.resolve("shop.db"), 200);
        org.awaitility.Awaitility.await("the edge delivered to the cloud; see " + dir.resolve("edge.log"))
                .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    assertThat(edge.isAlive()).as("edge stopped; see %s", dir.resolve("edge.log")).isTrue();
                    assertThat(Fixtures.count(db.dataSource(), "SELECT count(*) FROM edgesync.staged_change")).isPositive();
                });

        console = ConsoleProcess.start(PASSWORD, dir.resolve("console.log"), "--user", USER,
                "--edge", "http://127.0.0.1:" + edgeJolokia + "/jolokia/",
                "--cloud", "http://127.0.0.1:" + cloudJolokia + "/jolokia/");
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (console != null) {
            console.close();
        }
        if (edge != null) {
            edge.destroy();
            if (!edge.waitFor(60, TimeUnit.SECONDS)) {
                edge.destroyForcibly().waitFor();
            }
        }
        if (cloud != null) {
            cloud.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void shouldShowBothRuntimesRoutesAndTheBatchQueueInABrowser() throws Exception {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        Instant before = Instant.now();
        // Into target/ by default, so a test run leaves the work tree clean; -Dedgesync.screenshots.dir=screenshots
        // refreshes the pictures the README shows.
        Path screenshots = MODULE.resolve(System.getProperty("edgesync.screenshots.dir", "target/screenshots"));
        Files.createDirectories(screenshots);
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, """
                {"console": "%s", "chromium": "%s", "screenshots": "%s", "failures": "%s", "profile": "%s",
                 "connections": [
                   {"name": "edge", "routes": %s, "queues": ["%s"], "diagramRoute": "poll-changes",
                    "screenshot": "hawtio-routes.png", "diagramScreenshot": "hawtio-route-diagram.png",
                    "queueScreenshot": "hawtio-broker-queue.png"},
                   {"name": "cloud", "routes": %s, "diagramRoute": "load-staged-changes",
                    "screenshot": "hawtio-cloud-routes.png"}]}
                """.formatted(console.url(), CHROMIUM, screenshots, browserDir().resolve("failures"), Files.createTempDirectory(dir, "chromium-profile-"),
                json(EDGE_ROUTES), BATCH_QUEUE, json(CLOUD_ROUTES)));
        Path output = dir.resolve("browser.log");

        int status = run(browserDir(), Duration.ofMinutes(5), output, "node", "check-console.js", spec.toString());

        String log = Files.readString(output);
        assertThat(status).as("the browser check failed:%n%s", log).isZero();
        assertThat(EDGE_ROUTES).contains("poll-changes", "forward-batches");
        assertThat(CLOUD_ROUTES).contains("ingest-batches", "load-staged-changes");
        assertThat(log).contains("edge: routes listed: ", "cloud: routes listed: ");
        for (String route : EDGE_ROUTES) {
            assertThat(lineOf(log, "edge: routes listed: ")).as("edge route " + route).contains(route);
        }
        for (String route : CLOUD_ROUTES) {
            assertThat(lineOf(log, "cloud: routes listed: ")).as("cloud route " + route).contains(route);
        }
        assertThat(log).contains("edge: broker queue edgesync.batches shown: org.apache.activemq.artemis:broker=\"edgesync-edge\"",
                "edge: diagram of poll-changes has", "cloud: diagram of load-staged-changes has");
        for (String picture : List.of("hawtio-routes.png", "hawtio-route-diagram.png", "hawtio-broker-queue.png",
                "hawtio-cloud-routes.png")) {
            Path file = screenshots.resolve(picture);
            assertThat(Files.getLastModifiedTime(file)).as(picture).isGreaterThan(FileTime.from(before.minusSeconds(1)));
            assertThat(Files.size(file)).as(picture).isGreaterThan(10_000);
        }
    }

    private static List<String> routeIds(String role) {
        java.util.regex.Pattern routeId = java.util.regex.Pattern.compile("(?m)^- route:\\s*\\n\\s+id:\\s*\"?([a-z0-9-]+)");
        try (var files = Files.list(ConsoleProcess.HOME.resolve("route-config/" + role + "/routes"))) {
            List<String> ids = new java.util.ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList()) {
                routeId.matcher(Files.readString(file)).results().forEach(m -> ids.add(m.group(1)));
            }
            return List.copyOf(ids);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String lineOf(String log, String prefix) {
        return log.lines().filter(line -> line.contains(prefix)).findFirst().orElse("");
    }

    private static String json(List<String> names) {
        return names.stream().map(name -> "\"" + name + "\"").collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    private static Path browserDir() {
        return MODULE.resolve("target/browser");
    }

    /** The pinned playwright-core (no browser download: it drives the machine's Chromium). */
    private static void installBrowserDriver() throws IOException, InterruptedException {
        Path target = browserDir();
        Files.createDirectories(target);
        for (String file : List.of("package.json", "package-lock.json", "check-console.js")) {
            Files.copy(MODULE.resolve("src/test/browser").resolve(file), target.resolve(file),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(target.resolve("node_modules/playwright-core"))) {
            Path log = dir.resolve("npm.log");
            int status = run(target, Duration.ofMinutes(5), log, "npm", "ci", "--no-audit", "--no-fund");
            assertThat(status).as("npm ci of the browser test failed:%n%s", Files.readString(log)).isZero();
        }
    }

    private static Process startEdge(int jolokiaPort) throws Exception {
        Path shop = dir.resolve("shop.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + shop); Statement s = c.createStatement()) {
            // the demo shop's tables, which route-config/edge/edge.properties captures and mappings.yaml maps
            s.execute("CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL,"
                    + " updated_at TEXT NOT NULL)");
            s.execute("CREATE TABLE sales (id INTEGER PRIMARY KEY, receipt_no TEXT NOT NULL, total_cents INTEGER NOT NULL,"
                    + " sold_at INTEGER NOT NULL, cashier TEXT, note TEXT)");
            s.execute("CREATE TABLE sale_lines (sale_id INTEGER NOT NULL, line_no INTEGER NOT NULL, sku TEXT NOT NULL,"
                    + " qty INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL, PRIMARY KEY (sale_id, line_no))");
        }
        URI ingest = cloud.ingestUri(DEVICE);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        Map<String, String> properties = Map.of(
                "edgesync.config.dir", ConsoleProcess.HOME.resolve("route-config").toString(),
                "edgesync.device.id", DEVICE,
                "edgesync.sqlite.path", shop.toString(),
                "edgesync.broker.data.dir", dir.resolve("broker").toString(),
                "edgesync.cloud.url", ingest.getScheme() + "://" + ingest.getAuthority(),
                "edgesync.poll.interval.ms", "250",
                "edgesync.jolokia.port", String.valueOf(jolokiaPort),
                "edgesync.jolokia.user", USER);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", ConsoleProcess.HOME.resolve("edge-routes/target/edgesync-edge.jar").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("edge.log").toFile());
        // Secrets through the environment, as on a device.
        builder.environment().put("EDGESYNC_DEVICE_KEY", RequestSignature.encodeKey(Fixtures.deviceKey(DEVICE, 1)));
        builder.environment().put("EDGESYNC_JOLOKIA_PASSWORD", PASSWORD);
        return builder.start();
    }

    private static void writeProducts(Path shop, int count) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + shop);
             PreparedStatement insert = c.prepareStatement("INSERT INTO products VALUES (?, ?, ?, ?)")) {
            for (int i = 1; i <= count; i++) {
                insert.setString(1, "sku-" + i);
                insert.setString(2, "Product " + i);
                insert.setLong(3, 100L * i);
                insert.setString(4, Instant.now().toString());
                insert.executeUpdate();
            }
        }
    }

    private static void awaitPort(int port, Process process, Duration timeout) {
        org.awaitility.Awaitility.await("edge Jolokia listens on " + port + "; see " + dir.resolve("edge.log"))
                .atMost(timeout).pollInterval(Duration.ofMillis(200))
                .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
                .untilAsserted(() -> {
                    assertThat(process.isAlive()).as("edge stopped during start; see %s", dir.resolve("edge.log")).isTrue();
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                    }
                });
    }

    private static int run(Path workDir, Duration timeout, String... command) throws IOException, InterruptedException {
        return run(workDir, timeout, workDir.resolve("command.log"), command);
    }

    private static int run(Path workDir, Duration timeout, Path log, String... command)
            throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException notInstalled) {
            return -1;
        }
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -2;
        }
        return process.exitValue();
    }
}
