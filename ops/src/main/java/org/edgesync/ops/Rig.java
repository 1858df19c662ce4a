package org.edgesync.ops;

import org.edgesync.edge.EdgeJvm;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The real parts of one fault scenario, wired like the demo: a work directory, a PostgreSQL database, cloud
 * JVMs, devices (a shop SQLite file, a broker directory and an edge JVM each) and fault proxies in between.
 * Closing it stops everything it started.
 */
final class Rig implements AutoCloseable {

    private final Path work;
    private final Path home;
    private final PostgresTarget pg;
    private final PrintStream out;
    private final List<Cloud> clouds = new ArrayList<>();
    private final List<Device> devices = new ArrayList<>();
    private final List<FaultProxy> proxies = new ArrayList<>();
    private final CloudCredentials credentials = CloudCredentials.generate();

    Rig(Path work, Path home, PostgresTarget pg, PrintStream out) throws IOException {
        this.work = work.toAbsolutePath();
        this.home = home.toAbsolutePath();
        this.pg = pg;
        this.out = out;
        Demo.deleteRecursively(this.work);
        Files.createDirectories(this.work.resolve("logs"));
    }

    PostgresTarget pg() {
        return pg;
    }

    Path home() {
        return home;
    }

    Path mappingsFile() {
        return home.resolve("route-config/cloud/mappings.yaml");
    }

    /** Starts a cloud node on free ports and waits until it listens. */
    Cloud startCloud(Map<String, String> extraProperties) throws Exception {
        Cloud cloud = new Cloud(clouds.size() + 1, Demo.freePort(), Demo.freePort());
        clouds.add(cloud);
        cloud.start(extraProperties);
        return cloud;
    }

    /** A fault proxy in front of one cloud node, or balancing connections over several. */
    FaultProxy proxy(Cloud... nodes) throws IOException {
        FaultProxy proxy = FaultProxy.start("127.0.0.1", java.util.Arrays.stream(nodes).mapToInt(c -> c.httpPort).toArray());
        proxies.add(proxy);
        return proxy;
    }

    /** A device with its SQLite file and shop schema, enrolled through the cloud's enrolment command. */
    Device device(String name) throws SQLException, IOException {
        String id = name + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        Path dir = work.resolve(name);
        Files.createDirectories(dir);
        String store = "store-" + (devices.size() + 1);
        Device device = new Device(id, store, credentials.enrol(pg, home.resolve("route-config"), id, store), dir);
        ShopSimulator.createSchema(device.shopDb);
        devices.add(device);
        return device;
    }

    @Override
    public void close() throws Exception {
        for (Device device : devices) {
            device.stop();
        }
        for (Cloud cloud : clouds) {
            cloud.stop();
        }
        for (FaultProxy proxy : proxies) {
            proxy.close();
        }
    }

    /** A cloud node (its own JVM); restarts keep its ports, so proxies and edges need not change. */
    final class Cloud {
        final int node;
        final int httpPort;
        final int managementPort;
        ManagedProcess process;

        Cloud(int node, int httpPort, int managementPort) {
            this.node = node;
            this.httpPort = httpPort;
            this.managementPort = managementPort;
        }

        String url() {
            return "http://127.0.0.1:" + httpPort;
        }

        Path log() {
            return work.resolve("logs/cloud-" + node + ".log");
        }

        void start(Map<String, String> extraProperties) throws Exception {
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("edgesync.config.dir", home.resolve("route-config").toString());
            properties.put("edgesync.db.url", pg.jdbcUrl());
            properties.put("edgesync.db.user", pg.user());
            properties.put("camel.server.port", String.valueOf(httpPort));
            properties.put("camel.management.port", String.valueOf(managementPort));
            properties.put("edgesync.load.cron", "* * * * * ?");
            // The fault proxy works on TCP bytes and must see where a request ends and its answer starts, so the
            // suite speaks plain HTTP; requests are still signed. TLS itself is covered by the demo and the ITs.
            properties.put("edgesync.tls.enabled", "false");
            properties.put("edgesync.jolokia.enabled", "false");
            properties.put("edgesync.ingest.rate.batches.per.s", "1000");
            properties.put("edgesync.ingest.rate.burst", "1000");
            properties.putAll(extraProperties);
            process = ManagedProcess.start("cloud-" + node, home.resolve("cloud-routes/target/edgesync-cloud.jar"),
                    List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), properties,
                    credentials.cloudEnvironment(pg), log());
            awaitPort(httpPort, process, Duration.ofSeconds(120));
        }

        void kill() throws InterruptedException {
            process.kill();
        }

        void stop() throws InterruptedException {
            if (process != null) {
                process.close();
            }
        }
    }

    /** One device: the shop's SQLite file, the broker journal and the edge JVM, which can be killed and restarted. */
    final class Device {
        final String id;
        final String store;
        final String key;
        final Path dir;
        final Path shopDb;
        final Path brokerDir;
        ManagedProcess edge;
        int starts;

        Device(String id, String store, String key, Path dir) {
            this.id = id;
            this.store = store;
            this.key = key;
            this.dir = dir;
            this.shopDb = dir.resolve("shop.db");
            this.brokerDir = dir.resolve("broker");
        }

        Path log() {
            return work.resolve("logs/edge-" + dir.getFileName() + ".log");
        }

        /** Starts the edge on the same SQLite file and broker directory as before, and waits for its triggers. */
        void startEdge(String cloudUrl, Map<String, String> extraProperties) throws Exception {
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("edgesync.config.dir", home.resolve("route-config").toString());
            properties.put("edgesync.sqlite.path", shopDb.toString());
            properties.put("edgesync.broker.data.dir", brokerDir.toString());
            properties.put("edgesync.cloud.url", cloudUrl);
            properties.put("edgesync.device.id", id);
            properties.put("edgesync.poll.interval.ms", "250");
            properties.put("edgesync.cloud.connect.timeout.ms", "2000");
            properties.put("edgesync.cloud.response.timeout.ms", "5000");
            // several edges run side by side here: each its own management port (/observe/health, /observe/metrics)
            properties.put("camel.management.port", String.valueOf(Demo.freePort()));
            properties.putAll(extraProperties);
            starts++;
            Files.writeString(log(), "---- edge start " + starts + " " + extraProperties + System.lineSeparator(),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            Map<String, String> environment = new LinkedHashMap<>(EdgeJvm.ENVIRONMENT);
            environment.put("EDGESYNC_DEVICE_KEY", key);
            edge = ManagedProcess.start("edge " + id, home.resolve("edge-routes/target/edgesync-edge.jar"),
                    EdgeJvm.OPTIONS, properties, environment, log());
            awaitTriggers();
        }

        void killEdge() throws InterruptedException {
            edge.kill();
        }

        void stop() throws InterruptedException {
            if (edge != null) {
                edge.close();
            }
        }

        private void awaitTriggers() throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                if (!edge.isAlive()) {
                    return; // an armed edge may halt before we look; the caller checks how it ended
                }
                try (Connection c = Demo.sqlite(shopDb); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                             + "AND name LIKE '\\_edgesync%' ESCAPE '\\'")) {
                    if (rs.next() && rs.getLong(1) >= 9) {
                        return;
                    }
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("edge of " + id + " did not install its triggers within 90 s; see " + log());
        }

        /** Starts the simulated shop on this device's SQLite file in the background. */
        CompletableFuture<Void> runShop(ShopSimulator shop, long changes, int transactionsPerSecond) {
            return CompletableFuture.runAsync(() -> {
                try {
                    shop.run(changes, transactionsPerSecond);
                } catch (SQLException e) {
                    throw new IllegalStateException("the simulated shop of " + id + " failed: " + e.getMessage(), e);
                }
            });
        }

        /** Changes still in the change table, and the highest seq ever given. */
        long[] backlogAndMaxSeq() throws SQLException {
            try (Connection c = Demo.sqlite(shopDb); Statement s = c.createStatement()) {
                long backlog;
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM _edgesync_changes")) {
                    backlog = rs.next() ? rs.getLong(1) : 0;
                }
                try (ResultSet rs = s.executeQuery(
                        "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = '_edgesync_changes'")) {
                    return new long[] {backlog, rs.next() ? rs.getLong(1) : 0};
                }
            }
        }

        long loadedThrough() throws SQLException {
            try (Connection c = pg.connect(); PreparedStatement ps = c.prepareStatement(
                    "SELECT COALESCE(MAX(loaded_through_seq), 0) FROM edgesync.load_progress WHERE device_id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0;
                }
            }
        }

        /**
         * Waits until the change table is empty and the cloud has loaded (or quarantined) every seq the device
         * gave. Fails early when the edge process died.
         *
         * @return how long it took
         */
        Duration awaitDrained(Duration timeout) throws Exception {
            long start = System.nanoTime();
            long deadline = start + timeout.toNanos();
            long lastReport = start;
            String state = "";
            while (System.nanoTime() < deadline) {
                if (edge != null && !edge.isAlive()) {
                    throw new IllegalStateException("edge of " + id + " stopped while draining; see " + log());
                }
                long[] device = backlogAndMaxSeq();
                long loaded;
                try {
                    loaded = loadedThrough();
                } catch (SQLException e) {
                    loaded = -1; // the database may be restarting
                }
                state = "backlog " + device[0] + ", device seq " + device[1] + ", cloud loaded through " + loaded;
                if (device[0] == 0 && device[1] > 0 && loaded >= device[1]) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
                if (System.nanoTime() - lastReport > Duration.ofSeconds(10).toNanos()) {
                    out.println("      draining " + id + ": " + state);
                    lastReport = System.nanoTime();
                }
                Thread.sleep(250);
            }
            throw new IllegalStateException("device " + id + " not drained within " + timeout.toSeconds() + " s: " + state);
        }

        Reconciliation reconcile() throws SQLException {
            return new Reconciler(mappingsFile()).reconcile(shopDb, pg, id, store);
        }
    }

    static void awaitPort(int port, ManagedProcess process, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(process.name() + " stopped during start; see " + process.log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException(process.name() + " did not listen on port " + port + "; see " + process.log());
    }
}
