package org.edgesync.cloud.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.cloud.ingest.BatchIngestor;
import org.edgesync.cloud.load.StagedChangeLoader;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.edgesync.cloud.testing.Fixtures.ingestSigned;
import static org.edgesync.cloud.testing.Fixtures.ingestor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.change;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.obj;

/**
 * Poison data end to end: a device workload with 1 % unparseable timestamps and a table without a mapping, loaded;
 * only poison and held changes quarantined; then an operator discards the poisons the device repaired, adds the
 * missing mapping and its target table, replays with {@link QuarantineCommand}, and every key equals the device.
 */
class QuarantineIT {

    private static final String DEVICE = "pos-q";
    private static final Duration AT_MOST = Duration.ofSeconds(Long.getLong("edgesync.test.wait.seconds", 30));

    @TempDir
    Path tmp;

    private TestDatabase db;
    private DataSource ds;
    private Path configDir;
    private BatchIngestor ingestor;
    private StagedChangeLoader loader;

    @BeforeEach
    void setUp() throws Exception {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        configDir = tmp.resolve("route-config");
        copyTree(CloudNode.CONFIG_DIR.resolve("cloud"), configDir.resolve("cloud"));
        Migrations.migrate(ds, configDir.resolve("cloud/sql"));
        ingestor = ingestor(ds);
        loader = new StagedChangeLoader(ds, TableMappings.load(configDir.resolve("cloud/mappings.yaml")), 500);
        enrol(ds, DEVICE, "store-q");
    }

    @AfterEach
    void drop() {
        db.close();
    }

    @Test
    void shouldQuarantineOnlyPoisonAndHeldChangesAndReachTheDeviceStateAfterDiscardMappingFixAndReplay() throws Exception {
        Device device = new Device(new Random(42));
        List<Change> changes = device.workload(3000);
        stageInShuffledBatches(changes, 100);
        loadUntilDone(changes.size());

        // only poison + held: from each key's first poison on, every change of that key; all of unmapped customers
        Set<Long> expectedQuarantine = device.quarantineExpectedWithoutCustomerMapping();
        assertThat(quarantinedSeqs()).containsExactlyElementsOf(expectedQuarantine);
        assertThat(device.poisonCount()).isBetween(15, 60);
        assertThat(products()).isEqualTo(device.productsAsLoadedBeforeFix());

        // the operator's fixes: the mapping for customers plus its target table, and discards of repaired poisons
        Files.writeString(configDir.resolve("cloud/mappings.yaml"), """

                  customers:
                    target: retail.customer
                    key: [id]
                    columns:
                      id:     { target: customer_id, type: integer }
                      name:   { type: text }
                      points: { type: integer }
                """, StandardOpenOption.APPEND);
        Files.writeString(configDir.resolve("cloud/sql/V2__customers.sql"), """
                CREATE TABLE retail.customer (
                    device_id   text   NOT NULL,
                    customer_id bigint NOT NULL,
                    name        text   NOT NULL,
                    points      bigint,
                    source_seq  bigint NOT NULL,
                    PRIMARY KEY (device_id, customer_id)
                );
                """);
        int rounds = 0;
        Result replay;
        do {
            for (long poison : openPoisonsOf("products")) {
                assertThat(command("discard", "--device", DEVICE, "--seq", String.valueOf(poison),
                        "--note", "device repaired the row later").exit).isZero();
            }
            replay = command("replay", "--device", DEVICE);
            rounds++;
        } while (replay.exit == QuarantineCommand.STILL_OPEN && rounds < 10);

        assertThat(replay.exit).as(replay.toString()).isZero();
        assertThat(replay.out).contains("0 still open.");
        assertThat(products()).isEqualTo(device.products());
        assertThat(customers()).isEqualTo(device.customers());
        assertThat(count(ds, "SELECT count(*) FROM edgesync.quarantine WHERE status = 'open'")).isZero();
        assertThat(count(ds, "SELECT count(*) FROM edgesync.quarantine WHERE status = 'discarded' AND resolution ="
                + " 'device repaired the row later' AND resolved_at IS NOT NULL")).isGreaterThanOrEqualTo(device.poisonCount());
        assertThat(count(ds, "SELECT max(loaded_through_seq) FROM edgesync.load_progress")).isEqualTo(changes.size());
    }

    @Test
    void shouldKeepHeldChangesBehindAPoisonThatStillFailsAndExitOne() throws Exception {
        stage(List.of(
                product(1, Operation.INSERT, "A", "Apple", 100, "2024-03-01T10:00:00Z"),
                product(2, Operation.UPDATE, "A", "Apple", 110, "tea time"),
                product(3, Operation.UPDATE, "A", "Apple", 120, "2024-03-02T10:00:00Z"),
                product(4, Operation.INSERT, "B", "Bread", 250, "2024-03-01T10:00:00Z")));
        loader.loadAvailable();

        Result replay = command("replay");
        Result list = command("list", "--device", DEVICE);

        assertThat(replay.exit).isEqualTo(QuarantineCommand.STILL_OPEN);
        assertThat(replay.out).contains("pos-q: replayed 0, still open 2 (1 failing, 1 held behind them)");
        assertThat(list.exit).isZero();
        assertThat(list.out.lines().toList()).hasSize(4);
        assertThat(list.out.lines().findFirst().orElseThrow()).matches("DEVICE +SEQ +TABLE +KEY +STATUS +REASON");
        assertThat(list.out).containsPattern("pos-q +2 +products +\\{\"sku\": \"A\"} +open +Table 'products' column 'updated_at'"
                + " has value \"tea time\"");
        assertThat(list.out).containsPattern("pos-q +3 +products +\\{\"sku\": \"A\"} +open +held behind quarantined seq 2");
        assertThat(list.out).endsWith("2 quarantined changes: 2 open" + System.lineSeparator());
        assertThat(products()).containsEntry("A", "Apple 1.00 " + Instant.parse("2024-03-01T10:00:00Z").getEpochSecond() + " seq 1");
    }

    @Test
    void shouldReleaseHeldChangesOfADiscardedPoisonAndApplyThemOnlyWhereTheTargetIsOlder() throws Exception {
        stage(List.of(
                product(1, Operation.INSERT, "A", "Apple", 100, "2024-03-01T10:00:00Z"),
                product(2, Operation.UPDATE, "A", "Apple", 110, "tea time"),
                product(3, Operation.UPDATE, "A", "Apple", 120, "2024-03-02T10:00:00Z")));
        loader.loadAvailable();
        stage(List.of(product(4, Operation.UPDATE, "A", "Green apple", 130, "2024-03-03T10:00:00Z")));
        loader.loadAvailable();

        assertThat(command("discard", "--device", DEVICE, "--seq", "2", "--note", "repaired at seq 3").exit).isZero();
        stage(List.of(product(5, Operation.UPDATE, "A", "Red apple", 140, "2024-03-04T10:00:00Z")));
        loader.loadAvailable();
        assertThat(quarantine().get(5L)).isEqualTo("open 2 held behind quarantined seq 2");
        Result replay = command("replay");

        assertThat(replay.exit).as(replay.toString()).isZero();
        assertThat(products()).containsExactly(
                Map.entry("A", "Red apple 1.40 " + Instant.parse("2024-03-04T10:00:00Z").getEpochSecond() + " seq 5"));
        assertThat(quarantine()).containsExactly(
                Map.entry(2L, "discarded null Table 'products' column 'updated_at' has value \"tea time\" that conversion"
                        + " 'iso-timestamp' cannot turn into a value for retail.product.updated_at (expected ISO-8601"
                        + " date-time text such as 2024-03-01T10:15:30+01:00)"),
                Map.entry(3L, "replayed 2 held behind quarantined seq 2"),
                Map.entry(4L, "replayed 2 held behind quarantined seq 2"),
                Map.entry(5L, "replayed 2 held behind quarantined seq 2"));
    }

    @Test
    void shouldNotOverwriteATargetRowThatAlreadyReflectsANewerChange() throws Exception {
        stage(List.of(
                product(1, Operation.INSERT, "A", "Apple", 100, "2024-03-01T10:00:00Z"),
                product(2, Operation.UPDATE, "A", "Apple", 110, "tea time"),
                product(3, Operation.UPDATE, "A", "Apple", 120, "2024-03-02T10:00:00Z")));
        loader.loadAvailable();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE retail.product SET name = 'Newer', source_seq = 9 WHERE sku = 'A'");
        }

        command("discard", "--device", DEVICE, "--seq", "2", "--note", "obsolete");
        Result replay = command("replay", "--device", DEVICE);

        assertThat(replay.exit).isZero();
        assertThat(products().get("A")).startsWith("Newer ").endsWith(" seq 9");
        assertThat(count(ds, "SELECT count(*) FROM edgesync.quarantine WHERE seq = 3 AND status = 'replayed' AND resolution ="
                + " 'replayed with the current mappings; the target row already reflects a newer change'")).isEqualTo(1);
    }

    @Test
    void shouldWaitForTheLoadLockBeforeReplaying() throws Exception {
        stage(List.of(product(1, Operation.INSERT, "A", "Apple", 100, "now-ish")));
        loader.loadAvailable();
        try (Connection holder = ds.getConnection(); Statement s = holder.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + StagedChangeLoader.LOAD_LOCK_KEY + ")");
            CompletableFuture<Result> replay = CompletableFuture.supplyAsync(() -> command("replay"));

            await("replay waits while a loader holds the lock").during(Duration.ofSeconds(1)).atMost(AT_MOST)
                    .until(() -> !replay.isDone());
            s.execute("SELECT pg_advisory_unlock(" + StagedChangeLoader.LOAD_LOCK_KEY + ")");

            assertThat(replay.get().exit).isEqualTo(QuarantineCommand.STILL_OPEN);
        }
    }

    @Test
    void shouldAnswerUsageMistakesWithExitTwoAndOneSentence() {
        assertThat(command()).isEqualTo(new Result(2, "", "Say what to do: list [--device ID], replay [--device ID],"
                + " or discard --device ID --seq N --note TEXT.\n"));
        assertThat(command("discard", "--device", DEVICE, "--seq", "7").err)
                .isEqualTo("discard needs --note; usage: ops/quarantine list [--device ID] | replay [--device ID]"
                        + " | discard --device ID --seq N --note TEXT.\n");
        assertThat(command("discard", "--device", DEVICE, "--seq", "seven", "--note", "x").err)
                .isEqualTo("--seq is \"seven\" but must be a positive whole number.\n");
        assertThat(command("discard", "--device", DEVICE, "--seq", "7", "--note", "x"))
                .isEqualTo(new Result(2, "", "No quarantined change pos-q#7; see ops/quarantine list --device pos-q.\n"));
        assertThat(command("purge").err).isEqualTo("Unknown command 'purge'; use list, replay or discard.\n");
        assertThat(QuarantineCommand.run(new String[]{"-Dedgesync.config.dir=" + tmp.resolve("nowhere"), "list"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()))).isEqualTo(2);
    }

    // ---------------------------------------------------------------------------------------------------------

    private record Result(int exit, String out, String err) {
    }

    private Result command(String... args) {
        List<String> all = new ArrayList<>(List.of(
                "-Dedgesync.config.dir=" + configDir,
                "-Dedgesync.db.url=" + db.jdbcUrl(),
                "-Dedgesync.db.user=" + db.user(),
                "-Dedgesync.db.password=" + db.password()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = QuarantineCommand.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), name -> null);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private void stage(List<Change> changes) {
        ingestSigned(ingestor, DEVICE, gzip(ChangeBatch.of(DEVICE, changes)));
    }

    private void stageInShuffledBatches(List<Change> changes, int size) throws Exception {
        List<List<Change>> batches = new ArrayList<>();
        for (int i = 0; i < changes.size(); i += size) {
            batches.add(changes.subList(i, Math.min(changes.size(), i + size)));
        }
        Collections.shuffle(batches, new Random(7));
        for (List<Change> batch : batches) {
            stage(batch);
            loader.loadAvailable();
        }
    }

    private void loadUntilDone(long lastSeq) {
        await("all changes loaded or quarantined").atMost(AT_MOST).until(() -> {
            loader.loadAvailable();
            return count(ds, "SELECT coalesce(max(loaded_through_seq), 0) FROM edgesync.load_progress") == lastSeq;
        });
    }

    private Set<Long> quarantinedSeqs() throws Exception {
        Set<Long> seqs = new TreeSet<>();
        query("SELECT seq FROM edgesync.quarantine", rs -> seqs.add(rs.getLong(1)));
        return seqs;
    }

    private List<Long> openPoisonsOf(String table) throws Exception {
        List<Long> seqs = new ArrayList<>();
        query("SELECT seq FROM edgesync.quarantine WHERE status = 'open' AND held_behind_seq IS NULL AND table_name = '"
                + table + "' ORDER BY seq", rs -> seqs.add(rs.getLong(1)));
        return seqs;
    }

    private Map<Long, String> quarantine() throws Exception {
        Map<Long, String> rows = new TreeMap<>();
        query("SELECT seq, status, held_behind_seq, reason FROM edgesync.quarantine",
                rs -> rows.put(rs.getLong(1), rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4)));
        return rows;
    }

    private Map<String, String> products() throws Exception {
        Map<String, String> rows = new TreeMap<>();
        query("SELECT sku, name, price, updated_at, source_seq FROM retail.product WHERE device_id = '" + DEVICE + "'",
                rs -> rows.put(rs.getString(1), rs.getString(2) + " " + rs.getBigDecimal(3) + " "
                        + rs.getObject(4, OffsetDateTime.class).toEpochSecond() + " seq " + rs.getLong(5)));
        return rows;
    }

    private Map<Long, String> customers() throws Exception {
        Map<Long, String> rows = new TreeMap<>();
        query("SELECT customer_id, name, points, source_seq FROM retail.customer WHERE device_id = '" + DEVICE + "'",
                rs -> rows.put(rs.getLong(1), rs.getString(2) + " " + rs.getLong(3) + " seq " + rs.getLong(4)));
        return rows;
    }

    @FunctionalInterface
    private interface RowConsumer {
        void accept(ResultSet rs) throws Exception;
    }

    private void query(String sql, RowConsumer consumer) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                consumer.accept(rs);
            }
        }
    }

    private static Change product(long seq, Operation op, String sku, String name, long cents, String updatedAt) {
        ObjectNode row = op == Operation.DELETE ? null
                : obj().put("sku", sku).put("name", name).put("price_cents", cents).put("updated_at", updatedAt);
        return change(seq, "products", op, obj().put("sku", sku), row);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(source -> {
                Path target = to.resolve(from.relativize(source).toString());
                try {
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /**
     * The device: a products table (mapped) and a customers table (not mapped until the operator adds it), changed
     * at random; 1 % of product writes carry an unparseable timestamp, and every such row is repaired later.
     */
    private static final class Device {
        private final Random random;
        private final List<Change> changes = new ArrayList<>();
        /** sku -> row, as "name cents updated_at" with the timestamp as text */
        private final Map<String, String[]> products = new TreeMap<>();
        private final Map<Long, String[]> customers = new TreeMap<>();
        private final Set<Long> poisons = new TreeSet<>();

        Device(Random random) {
            this.random = random;
        }

        List<Change> workload(int size) {
            while (changes.size() < size) {
                if (random.nextInt(100) < 15) {
                    customer(random.nextLong(40) + 1);
                } else {
                    product("p-" + random.nextInt(250), random.nextInt(100) == 0);
                }
            }
            // the device repairs every row it left with a bad timestamp (an update, or sometimes a delete)
            for (String sku : new ArrayList<>(products.keySet())) {
                if (!validTimestamp(products.get(sku)[2])) {
                    long seq = changes.size() + 1;
                    if (seq % 3 == 0) {
                        products.remove(sku);
                        changes.add(QuarantineIT.product(seq, Operation.DELETE, sku, null, 0, null));
                    } else {
                        write(sku, timestamp(seq), Operation.UPDATE);
                    }
                }
            }
            return changes;
        }

        private void product(String sku, boolean poison) {
            long seq = changes.size() + 1;
            boolean exists = products.containsKey(sku);
            if (exists && random.nextInt(10) == 0) {
                products.remove(sku);
                changes.add(QuarantineIT.product(seq, Operation.DELETE, sku, null, 0, null));
                return;
            }
            if (poison) {
                poisons.add(seq);
            }
            write(sku, poison ? "around noon" : timestamp(seq), exists ? Operation.UPDATE : Operation.INSERT);
        }

        private void write(String sku, String updatedAt, Operation op) {
            long seq = changes.size() + 1;
            String[] row = {"Product " + sku + " v" + seq, String.valueOf(100 + random.nextInt(10_000)), updatedAt};
            products.put(sku, row);
            changes.add(QuarantineIT.product(seq, op, sku, row[0], Long.parseLong(row[1]), updatedAt));
        }

        private void customer(long id) {
            long seq = changes.size() + 1;
            boolean exists = customers.containsKey(id);
            if (exists && random.nextInt(8) == 0) {
                customers.remove(id);
                changes.add(change(seq, "customers", Operation.DELETE, obj().put("id", id), null));
                return;
            }
            String[] row = {"Customer " + id + " v" + seq, String.valueOf(random.nextInt(500))};
            customers.put(id, row);
            changes.add(change(seq, "customers", exists ? Operation.UPDATE : Operation.INSERT, obj().put("id", id),
                    obj().put("id", id).put("name", row[0]).put("points", Long.parseLong(row[1]))));
        }

        int poisonCount() {
            return poisons.size();
        }

        /** Every change of customers; every product change from the key's first poison on. */
        Set<Long> quarantineExpectedWithoutCustomerMapping() {
            Set<Long> expected = new TreeSet<>();
            Set<String> poisoned = new HashSet<>();
            for (Change c : changes) {
                String key = c.pk().toString();
                if (c.table().equals("customers") || poisons.contains(c.seq()) || poisoned.contains(key)) {
                    expected.add(c.seq());
                    if (poisons.contains(c.seq())) {
                        poisoned.add(key);
                    }
                }
            }
            return expected;
        }

        /** Products as the loader must leave them: each key at its last version before its first poison. */
        Map<String, String> productsAsLoadedBeforeFix() {
            Map<String, String> rows = new TreeMap<>();
            Set<String> poisoned = new HashSet<>();
            for (Change c : changes) {
                String sku = c.pk().get("sku") == null ? null : c.pk().get("sku").asText();
                if (!c.table().equals("products") || poisoned.contains(sku)) {
                    continue;
                }
                if (poisons.contains(c.seq())) {
                    poisoned.add(sku);
                } else if (c.op() == Operation.DELETE) {
                    rows.remove(sku);
                } else {
                    rows.put(sku, expected(c.row().get("name").asText(), c.row().get("price_cents").asLong(),
                            c.row().get("updated_at").asText(), c.seq()));
                }
            }
            return rows;
        }

        Map<String, String> products() {
            Map<String, String> rows = new TreeMap<>();
            Map<String, Long> lastSeq = lastSeqByKey("products", "sku");
            products.forEach((sku, row) -> rows.put(sku, expected(row[0], Long.parseLong(row[1]), row[2], lastSeq.get(sku))));
            return rows;
        }

        Map<Long, String> customers() {
            Map<Long, String> rows = new TreeMap<>();
            Map<String, Long> lastSeq = lastSeqByKey("customers", "id");
            customers.forEach((id, row) -> rows.put(id, row[0] + " " + row[1] + " seq " + lastSeq.get(String.valueOf(id))));
            return rows;
        }

        private Map<String, Long> lastSeqByKey(String table, String keyColumn) {
            Map<String, Long> last = new HashMap<>();
            for (Change c : changes) {
                if (c.table().equals(table)) {
                    last.put(c.pk().get(keyColumn).asText(), c.seq());
                }
            }
            return last;
        }

        private static String expected(String name, long cents, String updatedAt, long seq) {
            return name + " " + java.math.BigDecimal.valueOf(cents, 2) + " " + Instant.parse(updatedAt).getEpochSecond()
                    + " seq " + seq;
        }

        private static String timestamp(long seq) {
            return Instant.parse("2024-03-01T00:00:00Z").plusSeconds(seq * 37).toString();
        }

        private static boolean validTimestamp(String text) {
            return text != null && text.startsWith("2024-");
        }
    }
}
