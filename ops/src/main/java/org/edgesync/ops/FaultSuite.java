package org.edgesync.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.cloud.admin.QuarantineCommand;
import org.edgesync.cloud.mapping.ChangeTransformer;
import org.edgesync.cloud.mapping.TableMapping;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.mapping.TransformException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The fault-injection suite of issue 3: each scenario runs the real pipeline (shop SQLite file, edge JVM with its
 * broker journal, fault proxy, cloud JVM(s), PostgreSQL), injects its faults while a known workload is written,
 * waits for the backlog to drain and reconciles. A scenario passes only with 0 lost and 0 duplicated, tables equal
 * (counts, rows, checksums) and a seq ledger without gaps up to the device's highest seq.
 */
public final class FaultSuite {

    /** Scenarios in issue order; {@code quick} ones also run in {@code mvn verify} (FaultQuickIT). */
    public static final List<String> SCENARIOS = List.of(
            "edge-kill-random", "edge-halt-points", "cloud-outage", "lost-reply",
            "postgres-restart", "cloud-kill-mid-upsert", "two-cloud-nodes", "poison", "disk-pressure");

    /** The edge's sharp crash points (edge fault hook {@code edgesync.fault.halt-at}). */
    public static final List<String> EDGE_HALT_POINTS = List.of("after-read", "after-publish", "during-jms-commit", "after-cloud-ack");

    /**
     * @param quick        small workloads and compressed outages (minutes, not an hour)
     * @param outageSeconds how long the cloud is unreachable in {@code cloud-outage} and {@code disk-pressure};
     *                     0 = the mode's default (quick 15 s, full 600 s)
     */
    public record Options(boolean quick, Path workDir, Path home, long outageSeconds, Duration drainTimeout) {
        long outage() {
            return outageSeconds > 0 ? outageSeconds : quick ? 15 : 600;
        }
    }

    /** One line of the report. */
    public record Result(String scenario, long changesWritten, String faults, Duration drain, long lost,
                         long duplicated, boolean passed, String note) {
        String verdict() {
            return passed ? "PASS" : "FAIL";
        }
    }

    /** Where a scenario's PostgreSQL database comes from (an embedded server, a given server, the test server). */
    @FunctionalInterface
    public interface Databases {
        PostgresTarget newDatabase(String scenario) throws Exception;
    }

    private final Options options;
    private final Databases databases;
    private final PrintStream out;
    private final Random random = new Random(3);

    public FaultSuite(Options options, Databases databases, PrintStream out) {
        this.options = options;
        this.databases = databases;
        this.out = out;
    }

    /** Runs the named scenarios (all when empty) and returns one result per scenario run. */
    public List<Result> run(List<String> scenarios) {
        List<Result> results = new ArrayList<>();
        for (String name : scenarios.isEmpty() ? SCENARIOS : scenarios) {
            out.println("== scenario " + name + (options.quick() ? " (quick)" : ""));
            long start = System.nanoTime();
            try {
                results.addAll(scenario(name));
            } catch (Exception | AssertionError e) {
                results.add(new Result(name, 0, "", Duration.ZERO, -1, -1, false, "error: " + e.getMessage()));
                e.printStackTrace(out);
            }
            for (Result r : results.subList(Math.max(0, results.size() - 4), results.size())) {
                if (r.scenario().startsWith(name)) {
                    out.println("   " + r.scenario() + ": " + r.verdict() + " - " + r.changesWritten() + " changes, faults: "
                            + r.faults() + ", drained in " + seconds(r.drain()) + ", lost " + r.lost() + ", duplicated "
                            + r.duplicated() + (r.note().isEmpty() ? "" : " (" + r.note() + ")"));
                }
            }
            out.println("   scenario took " + seconds(Duration.ofNanos(System.nanoTime() - start)));
        }
        return results;
    }

    private List<Result> scenario(String name) throws Exception {
        return switch (name) {
            case "edge-kill-random" -> List.of(edgeKillRandom());
            case "edge-halt-points" -> edgeHaltPoints();
            case "cloud-outage" -> List.of(cloudOutage());
            case "lost-reply" -> List.of(lostReply());
            case "postgres-restart" -> List.of(postgresRestart());
            case "cloud-kill-mid-upsert" -> List.of(cloudKillMidUpsert());
            case "two-cloud-nodes" -> List.of(twoCloudNodes());
            case "poison" -> List.of(poison());
            case "disk-pressure" -> List.of(diskPressure());
            default -> throw new IllegalArgumentException("unknown scenario '" + name + "' (allowed: " + String.join(", ", SCENARIOS) + ")");
        };
    }

    // ---- 1. kill -9 of the edge ---------------------------------------------------------------------------------

    private Result edgeKillRandom() throws Exception {
        int kills = options.quick() ? 3 : 20;
        long changes = options.quick() ? 10_000 : 100_000;
        try (PostgresTarget pg = databases.newDatabase("edge_kill_random");
             Rig rig = new Rig(work("edge-kill-random"), options.home(), pg, out)) {
            Rig.Cloud cloud = rig.startCloud(Map.of());
            Rig.Device device = rig.device("kill");
            Map<String, String> edgeProps = Map.of("edgesync.poll.batch.size", "200");
            device.startEdge(cloud.url(), edgeProps);
            ShopSimulator shop = new ShopSimulator(device.shopDb, 11);
            CompletableFuture<Void> writing = device.runShop(shop, changes, options.quick() ? 150 : 300);
            for (int k = 1; k <= kills; k++) {
                // a random moment: during boot, while polling, mid-HTTP, mid-commit - wherever it lands
                Thread.sleep(1000 + random.nextInt(6000));
                device.killEdge();
                out.println("   kill -9 #" + k + " of the edge (shop at " + shop.changes() + " changes)");
                device.startEdge(cloud.url(), edgeProps);
            }
            writing.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            Duration drain = device.awaitDrained(timeout());
            return verdict("edge-kill-random", device, shop.changes(), kills + " x kill -9 of the edge at random moments",
                    drain, shop, "");
        }
    }

    private List<Result> edgeHaltPoints() throws Exception {
        List<Result> results = new ArrayList<>();
        long changes = options.quick() ? 1_500 : 10_000;
        try (PostgresTarget pg = databases.newDatabase("edge_halt_points");
             Rig rig = new Rig(work("edge-halt-points"), options.home(), pg, out)) {
            Rig.Cloud cloud = rig.startCloud(Map.of());
            for (String point : EDGE_HALT_POINTS) {
                String scenario = "edge-halt " + point;
                Rig.Device device = rig.device(point);
                Map<String, String> small = Map.of("edgesync.poll.batch.size", "100");
                Map<String, String> armed = new LinkedHashMap<>(small);
                armed.put("edgesync.fault.halt-at", point + ":3");
                device.startEdge(cloud.url(), armed);
                ShopSimulator shop = new ShopSimulator(device.shopDb, point.hashCode());
                CompletableFuture<Void> writing = device.runShop(shop, changes, 400);
                int status = device.edge.awaitExit(Duration.ofSeconds(60));
                String log = Files.readString(device.log(), StandardCharsets.UTF_8);
                boolean halted = status == 137 && log.contains("EDGESYNC-FAULT halt at " + point);
                out.println("   edge " + (halted ? "halted at " + point + " (exit 137)"
                        : "did NOT halt at " + point + " (exit " + status + ")") + ", restarting it unarmed");
                if (status == -1) {
                    device.killEdge();
                }
                device.startEdge(cloud.url(), small);
                writing.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
                Duration drain = device.awaitDrained(timeout());
                Result r = verdict(scenario, device, shop.changes(), halted ? "1 halt at " + point : "hook did not fire",
                        drain, shop, halted ? "" : "edge hook edgesync.fault.halt-at did not fire");
                results.add(halted ? r : fail(r));
                device.stop();
            }
        }
        return results;
    }

    // ---- 2. cloud unreachable, flapping, slow --------------------------------------------------------------------

    private Result cloudOutage() throws Exception {
        long changes = options.quick() ? 3_000 : 50_000;
        long outage = options.outage();
        long flapSeconds = options.quick() ? 6 : 60;
        long slowSeconds = options.quick() ? 8 : 60;
        try (PostgresTarget pg = databases.newDatabase("cloud_outage");
             Rig rig = new Rig(work("cloud-outage"), options.home(), pg, out)) {
            Rig.Cloud cloud = rig.startCloud(Map.of());
            FaultProxy proxy = rig.proxy(cloud);
            Rig.Device device = rig.device("outage");
            device.startEdge(proxy.url(), Map.of());
            ShopSimulator shop = new ShopSimulator(device.shopDb, 21);
            // the shop keeps writing through the whole outage
            int tps = (int) Math.max(20, changes / 2.5 / (outage + flapSeconds + slowSeconds));
            CompletableFuture<Void> writing = device.runShop(shop, changes, tps);
            Thread.sleep(2000);
            long half = outage / 2;
            out.println("   cloud unreachable for " + outage + " s: connection refused, then blackholed");
            proxy.mode(FaultProxy.Mode.refuse());
            Thread.sleep(TimeUnit.SECONDS.toMillis(outage - half));
            proxy.mode(FaultProxy.Mode.blackhole());
            Thread.sleep(TimeUnit.SECONDS.toMillis(half));
            out.println("   link flapping every second for " + flapSeconds + " s (device backlog "
                    + device.backlogAndMaxSeq()[0] + ")");
            proxy.mode(FaultProxy.Mode.flap(1000));
            Thread.sleep(TimeUnit.SECONDS.toMillis(flapSeconds));
            out.println("   500 ms latency each way with 20 % connection resets for " + slowSeconds + " s");
            proxy.mode(FaultProxy.Mode.latency(500).withResets(0.20));
            Thread.sleep(TimeUnit.SECONDS.toMillis(slowSeconds));
            proxy.mode(FaultProxy.Mode.pass());
            writing.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            Duration drain = device.awaitDrained(timeout());
            String faults = "outage " + outage + " s (refuse, blackhole), flap 1 s for " + flapSeconds + " s, 500 ms latency + "
                    + proxy.resets() + " resets for " + slowSeconds + " s";
            return verdict("cloud-outage", device, shop.changes(), faults, drain, shop, "");
        }
    }

    // ---- 3. the cloud commits, its reply never arrives ----------------------------------------------------------

    private Result lostReply() throws Exception {
        long changes = options.quick() ? 3_000 : 30_000;
        try (PostgresTarget pg = databases.newDatabase("lost_reply");
             Rig rig = new Rig(work("lost-reply"), options.home(), pg, out)) {
            Rig.Cloud cloud = rig.startCloud(Map.of());
            FaultProxy proxy = rig.proxy(cloud);
            Rig.Device device = rig.device("lost-reply");
            device.startEdge(proxy.url(), Map.of("edgesync.poll.batch.size", "100"));
            ShopSimulator shop = new ShopSimulator(device.shopDb, 31);
            CompletableFuture<Void> writing = device.runShop(shop, changes, options.quick() ? 250 : 300);
            // The faults must meet requests: wait until the edge forwards (its start takes seconds on a busy machine).
            long forwarding = System.nanoTime() + timeout().toNanos();
            while (proxy.connections() == 0 && System.nanoTime() < forwarding) {
                Thread.sleep(100);
            }
            Thread.sleep(1500);
            proxy.mode(FaultProxy.Mode.cutMidBody());
            Thread.sleep(options.quick() ? 4000 : 20_000);
            proxy.mode(FaultProxy.Mode.dropResponse());
            Thread.sleep(options.quick() ? 5000 : 40_000);
            proxy.mode(FaultProxy.Mode.pass());
            writing.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            Duration drain = device.awaitDrained(timeout());
            long dropped = proxy.droppedResponses();
            String faults = proxy.cutRequests() + " requests cut mid-body, " + dropped + " responses dropped after the cloud committed";
            Result r = verdict("lost-reply", device, shop.changes(), faults, drain, shop, "");
            return dropped == 0 || proxy.cutRequests() == 0 ? fail(r, "a fault did not happen (no request cut or no response dropped)") : r;
        }
    }

    // ---- 4. PostgreSQL restart, cloud killed mid-upsert, two cloud nodes ----------------------------------------

    private Result postgresRestart() throws Exception {
        long changes = options.quick() ? 4_000 : 30_000;
        int restarts = options.quick() ? 1 : 3;
        // always an embedded server of our own: it is stopped and started on the same data directory and port
        try (PostgresTarget pg = PostgresTarget.restartable(work("postgres-restart-db"));
             Rig rig = new Rig(work("postgres-restart"), options.home(), pg, out)) {
            Rig.Cloud cloud = rig.startCloud(Map.of());
            Rig.Device device = rig.device("pg-restart");
            device.startEdge(cloud.url(), Map.of("edgesync.poll.batch.size", "100"));
            ShopSimulator shop = new ShopSimulator(device.shopDb, 41);
            CompletableFuture<Void> writing = device.runShop(shop, changes, 250);
            for (int i = 1; i <= restarts; i++) {
                long loadedBefore = device.loadedThrough();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (device.loadedThrough() <= loadedBefore && System.nanoTime() < deadline) {
                    Thread.sleep(100); // stop it while the loader is at work, not before the first load
                }
                out.println("   stopping PostgreSQL mid-load (loaded through " + device.loadedThrough() + ")");
                pg.stopServer();
                Thread.sleep(options.quick() ? 4000 : 15_000);
                pg.startServer();
                out.println("   PostgreSQL started again on port " + pg.port());
            }
            writing.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            Duration drain = device.awaitDrained(timeout());
            return verdict("postgres-restart", device, shop.changes(), restarts + " PostgreSQL stop/start mid-load", drain, shop, "");
        }
    }

    private Result cloudKillMidUpsert() throws Exception {
        long changes = options.quick() ? 4_000 : 30_000;
        try (PostgresTarget pg = databases.newDatabase("cloud_kill");
             Rig rig = new Rig(work("cloud-kill-mid-upsert"), options.home(), pg, out)) {
            Rig.Cloud cloud = rig.startCloud(Map.of("edgesync.fault.halt-at", "mid-upsert:3"));
            Rig.Device device = rig.device("cloud-kill");
            device.startEdge(cloud.url(), Map.of("edgesync.poll.batch.size", "100"));
            ShopSimulator shop = new ShopSimulator(device.shopDb, 51);
            CompletableFuture<Void> writing = device.runShop(shop, changes, 250);
            int status = cloud.process.awaitExit(Duration.ofSeconds(60));
            boolean halted = status == 137 && Files.readString(cloud.log()).contains("EDGESYNC-FAULT halt at mid-upsert");
            out.println("   cloud " + (halted ? "halted mid-upsert (exit 137)" : "did NOT halt (exit " + status + ")")
                    + ", restarting it unarmed");
            if (status == -1) {
                cloud.kill();
            }
            cloud.start(Map.of());
            writing.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            Duration drain = device.awaitDrained(timeout());
            Result r = verdict("cloud-kill-mid-upsert", device, shop.changes(),
                    halted ? "cloud halted mid-upsert once, restarted" : "hook did not fire", drain, shop, "");
            return halted ? r : fail(r, "cloud hook edgesync.fault.halt-at=mid-upsert did not fire");
        }
    }

    private Result twoCloudNodes() throws Exception {
        long changes = options.quick() ? 3_000 : 30_000;
        try (PostgresTarget pg = databases.newDatabase("two_nodes");
             Rig rig = new Rig(work("two-cloud-nodes"), options.home(), pg, out)) {
            Rig.Cloud first = rig.startCloud(Map.of());
            Rig.Cloud second = rig.startCloud(Map.of());
            // a balancing proxy in front of both nodes, resetting 15 % of requests so the edges reconnect and
            // alternate between the nodes; both nodes' loaders fire every second on the same database
            FaultProxy balancer = rig.proxy(first, second);
            balancer.mode(FaultProxy.Mode.reset(0.15));
            Rig.Device a = rig.device("node-a");
            Rig.Device b = rig.device("node-b");
            a.startEdge(balancer.url(), Map.of("edgesync.poll.batch.size", "100"));
            b.startEdge(balancer.url(), Map.of("edgesync.poll.batch.size", "100"));
            ShopSimulator shopA = new ShopSimulator(a.shopDb, 61);
            ShopSimulator shopB = new ShopSimulator(b.shopDb, 62);
            CompletableFuture<Void> writingA = a.runShop(shopA, changes, 250);
            CompletableFuture<Void> writingB = b.runShop(shopB, changes, 250);
            writingA.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            writingB.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            balancer.mode(FaultProxy.Mode.pass());
            Duration drainA = a.awaitDrained(timeout());
            Duration drainB = b.awaitDrained(timeout());
            Result ra = verdict("two-cloud-nodes", a, shopA.changes(), "", drainA, shopA, "");
            Result rb = verdict("two-cloud-nodes", b, shopB.changes(), "", drainB, shopB, "");
            return new Result("two-cloud-nodes", ra.changesWritten() + rb.changesWritten(),
                    "2 cloud nodes behind a balancer, 2 devices, " + balancer.connections() + " connections, "
                            + balancer.resets() + " resets, concurrent loads", drainA.compareTo(drainB) > 0 ? drainA : drainB,
                    ra.lost() + rb.lost(), ra.duplicated() + rb.duplicated(), ra.passed() && rb.passed(),
                    (ra.note() + " " + rb.note()).trim());
        }
    }

    // ---- 5. poison data ------------------------------------------------------------------------------------------

    private Result poison() throws Exception {
        long changes = options.quick() ? 3_000 : 30_000;
        // 1 % of product writes in the full run; the quick run needs a higher share to get a handful at all
        double ratio = options.quick() ? 0.05 : 0.01;
        try (PostgresTarget pg = databases.newDatabase("poison");
             Rig rig = new Rig(work("poison"), options.home(), pg, out)) {
            Rig.Cloud cloud = rig.startCloud(Map.of());
            Rig.Device device = rig.device("poison");
            device.startEdge(cloud.url(), Map.of("edgesync.poll.batch.size", "100"));
            ShopSimulator shop = new ShopSimulator(device.shopDb, 71).withPoison(ratio);
            device.runShop(shop, changes, 400).get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            Duration drain = device.awaitDrained(timeout());
            Set<String> poisoned = shop.poisonedSkus();
            List<String> problems = new ArrayList<>();

            List<Quarantined> open = openQuarantine(pg, device.id);
            if (open.size() != shop.changesOfPoisonedKeys()) {
                problems.add("quarantine holds " + open.size() + " open changes, expected " + shop.changesOfPoisonedKeys()
                        + " (" + shop.poisonWrites() + " poison writes on " + poisoned.size() + " products and the changes after them)");
            }
            for (Quarantined q : open) {
                if (!"products".equals(q.table) || !poisoned.contains(q.pk.path("sku").asText())) {
                    problems.add("quarantined change of a key that was never poisoned: seq " + q.seq + " " + q.table + " " + q.pk);
                    break;
                }
            }
            Reconciliation before = device.reconcile();
            for (Reconciliation.TableResult t : before.tables()) {
                long off = t.absent() + t.different() + t.onlyInCloud() + t.untransformable();
                if (!"products".equals(t.sourceTable()) && !t.equal()) {
                    problems.add(t.sourceTable() + " not loaded completely before the replay");
                } else if (off > poisoned.size()) {
                    problems.add("products: " + off + " rows off before the replay, only " + poisoned.size() + " keys poisoned");
                }
            }
            out.println("   after the drain: " + shop.poisonWrites() + " poison writes on " + poisoned.size() + " products, "
                    + open.size() + " changes in quarantine (poison + held behind), other keys loaded"
                    + (problems.isEmpty() ? "" : "; PROBLEMS: " + problems));

            // the operator: discard the poison versions (the shop repaired those rows later), replay what was held
            TableMappings mappings = TableMappings.load(rig.mappingsFile());
            int discarded = 0;
            for (Quarantined q : open) {
                if (q.row != null && !transforms(mappings, q, device)) {
                    quarantineCommand(rig, pg, List.of("discard", "--device", device.id, "--seq", String.valueOf(q.seq),
                            "--note", "fault suite: bad updated_at from the shop, row repaired by a later update"));
                    discarded++;
                }
            }
            quarantineCommand(rig, pg, List.of("replay", "--device", device.id));
            out.println("   operator discarded " + discarded + " poison changes and replayed the rest");
            long stillOpen = openQuarantine(pg, device.id).size();
            if (stillOpen != 0) {
                problems.add(stillOpen + " changes still in quarantine after the replay");
            }
            Result r = verdict("poison", device, shop.changes(), shop.poisonWrites() + " unparseable timestamps on "
                    + poisoned.size() + " products; " + discarded + " discarded, " + (open.size() - discarded) + " replayed",
                    drain, shop, "");
            return problems.isEmpty() ? r : fail(r, String.join("; ", problems));
        }
    }

    private record Quarantined(long seq, String table, String op, ObjectNode pk, ObjectNode row) {
    }

    private static List<Quarantined> openQuarantine(PostgresTarget pg, String deviceId) throws SQLException, IOException {
        ObjectMapper json = new ObjectMapper();
        List<Quarantined> rows = new ArrayList<>();
        try (Connection c = pg.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT seq, table_name, op, pk::text, \"row\"::text FROM edgesync.quarantine "
                        + "WHERE device_id = ? AND status = 'open' ORDER BY seq")) {
            ps.setString(1, deviceId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String row = rs.getString(5);
                    rows.add(new Quarantined(rs.getLong(1), rs.getString(2), rs.getString(3),
                            (ObjectNode) json.readTree(rs.getString(4)), row == null ? null : (ObjectNode) json.readTree(row)));
                }
            }
        }
        return rows;
    }

    private static boolean transforms(TableMappings mappings, Quarantined q, Rig.Device device) {
        TableMapping mapping = mappings.mapping(q.table).orElse(null);
        if (mapping == null) {
            return false;
        }
        ObjectNode row = q.row.deepCopy();
        q.pk.fields().forEachRemaining(e -> row.set(e.getKey(), e.getValue()));
        try {
            ChangeTransformer.transform(mapping, row, device.id, device.store);
            return true;
        } catch (TransformException e) {
            return false;
        }
    }

    /**
     * What an operator does with {@code ops/quarantine}: the same command class, run in this JVM with the scenario's
     * database as overrides (saves a JVM start per discarded change).
     */
    private void quarantineCommand(Rig rig, PostgresTarget pg, List<String> args) {
        List<String> argv = new ArrayList<>(List.of(
                "-Dedgesync.config.dir=" + rig.home().resolve("route-config"),
                "-Dedgesync.db.url=" + pg.jdbcUrl(), "-Dedgesync.db.user=" + pg.user(),
                "-Dedgesync.db.password=" + (pg.password() == null ? "" : pg.password())));
        argv.addAll(args);
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        PrintStream capture = new PrintStream(text, true, StandardCharsets.UTF_8);
        int status = QuarantineCommand.run(argv.toArray(String[]::new), capture, capture);
        if (status != QuarantineCommand.OK) {
            throw new IllegalStateException("ops/quarantine " + String.join(" ", args) + " exited " + status + ": "
                    + text.toString(StandardCharsets.UTF_8).strip());
        }
    }

    // ---- 6. edge disk pressure -----------------------------------------------------------------------------------

    private Result diskPressure() throws Exception {
        long changes = options.quick() ? 8_000 : 60_000;
        long outage = options.outageSeconds() > 0 ? options.outageSeconds() : options.quick() ? 20 : 120;
        try (PostgresTarget pg = databases.newDatabase("disk_pressure");
             Rig rig = new Rig(work("disk-pressure"), options.home(), pg, out)) {
            Rig.Cloud cloud = rig.startCloud(Map.of());
            FaultProxy proxy = rig.proxy(cloud);
            proxy.mode(FaultProxy.Mode.refuse());
            Rig.Device device = rig.device("disk");
            // the smallest queue the edge allows: a few hundred batches fill it
            device.startEdge(proxy.url(), Map.of("edgesync.broker.max.queued.bytes", "262144",
                    "edgesync.poll.batch.size", "50"));
            ShopSimulator shop = new ShopSimulator(device.shopDb, 81);
            CompletableFuture<Void> writing = device.runShop(shop, changes, (int) Math.max(50, changes / 2.5 / outage));
            long peakBacklog = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(outage);
            while (System.nanoTime() < until) {
                peakBacklog = Math.max(peakBacklog, device.backlogAndMaxSeq()[0]);
                Thread.sleep(500);
            }
            long refusals = countOccurrences(device.log(), "the broker refuses new batches");
            out.println("   cloud away " + outage + " s with a 256 KiB broker limit: change table backlog peaked at "
                    + peakBacklog + ", " + refusals + " polls refused by the full broker");
            proxy.mode(FaultProxy.Mode.pass());
            writing.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            Duration drain = device.awaitDrained(timeout());
            Result r = verdict("disk-pressure", device, shop.changes(), "cloud away " + outage + " s, broker queue limit 256 KiB: "
                    + refusals + " polls refused, change-table backlog peak " + String.format("%,d", peakBacklog), drain, shop, "");
            return refusals == 0 || peakBacklog < 500 ? fail(r, "the broker never filled: the change table did not grow") : r;
        }
    }

    private static long countOccurrences(Path file, String text) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8).toLowerCase();
        long n = 0;
        for (int i = content.indexOf(text); i >= 0; i = content.indexOf(text, i + 1)) {
            n++;
        }
        return n;
    }

    // ---- verdicts and report -------------------------------------------------------------------------------------

    private Result verdict(String scenario, Rig.Device device, long written, String faults, Duration drain,
                           ShopSimulator shop, String note) throws SQLException {
        Reconciliation reconciliation = device.reconcile();
        reconciliation.print(out);
        out.println("   " + reconciliation.verdict());
        boolean equal = reconciliation.equal() && reconciliation.lost() == 0 && reconciliation.duplicated() == 0;
        String notes = note;
        if (shop.lockErrors() > 0) {
            notes = (notes + " shop saw " + shop.lockErrors() + " 'database is locked'").trim();
        }
        if (written != reconciliation.ledger().deviceMaxSeq()) {
            notes = (notes + " shop wrote " + written + " changes, device numbered " + reconciliation.ledger().deviceMaxSeq()).trim();
        }
        return new Result(scenario, written, faults, drain, reconciliation.lost(), reconciliation.duplicated(),
                equal && written == reconciliation.ledger().deviceMaxSeq(), notes);
    }

    private static Result fail(Result r) {
        return new Result(r.scenario(), r.changesWritten(), r.faults(), r.drain(), r.lost(), r.duplicated(), false, r.note());
    }

    private static Result fail(Result r, String why) {
        return new Result(r.scenario(), r.changesWritten(), r.faults(), r.drain(), r.lost(), r.duplicated(), false,
                (r.note() + " " + why).trim());
    }

    private Path work(String name) {
        return options.workDir().resolve(name).toAbsolutePath();
    }

    private Duration timeout() {
        return options.drainTimeout();
    }

    private static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    /** The report as a Markdown table, for the README. */
    public static String markdown(List<Result> results, boolean quick) {
        StringBuilder md = new StringBuilder();
        md.append("| scenario | changes written | faults injected | time to drain | lost | duplicated | verdict |\n");
        md.append("|---|---:|---|---:|---:|---:|---|\n");
        for (Result r : results) {
            md.append("| ").append(r.scenario()).append(" | ").append(String.format("%,d", r.changesWritten()))
                    .append(" | ").append(r.faults().replace("|", "/")).append(" | ").append(seconds(r.drain()))
                    .append(" | ").append(r.lost()).append(" | ").append(r.duplicated()).append(" | ")
                    .append(r.verdict()).append(r.note().isEmpty() ? "" : " (" + r.note().replace("|", "/") + ")")
                    .append(" |\n");
        }
        md.append("\n").append(quick ? "Quick subset" : "Full suite").append(", ")
                .append(results.stream().filter(Result::passed).count()).append(" of ").append(results.size())
                .append(" passed.\n");
        return md.toString();
    }
}
