package org.edgesync.ops;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A point-of-sale application writing to its own SQLite database the way a till does: small
 * transactions (one sale with its lines, one price change), a catalogue that changes now and then,
 * voided sales deleted. It knows nothing about EdgeSync and uses sqlite-jdbc's default settings,
 * so any "database is locked" it meets is one EdgeSync caused.
 */
public final class ShopSimulator {

    /** The shop's schema: a text key, an integer key and a composite key. */
    public static final List<String> SCHEMA = List.of(
            "CREATE TABLE IF NOT EXISTS products (sku TEXT PRIMARY KEY, name TEXT NOT NULL, "
                    + "price_cents INTEGER NOT NULL, updated_at TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS sales (id INTEGER PRIMARY KEY, receipt_no TEXT NOT NULL, "
                    + "total_cents INTEGER NOT NULL, sold_at INTEGER NOT NULL, cashier TEXT, note TEXT)",
            "CREATE TABLE IF NOT EXISTS sale_lines (sale_id INTEGER NOT NULL, line_no INTEGER NOT NULL, "
                    + "sku TEXT NOT NULL, qty INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL, "
                    + "PRIMARY KEY (sale_id, line_no))");

    private static final String[] CASHIERS = {"Ana", "Björn", "Chloé", "Dmitri", "Eșref", null};
    private static final String[] NOTES = {"loyalty card", "paid by card", "gift wrap", "返品なし", "🧾 reprint", null};
    private static final String[] WORDS = {"Bread", "Milk", "Coffee", "Apples", "Cheese", "Tea", "Soap", "Pasta"};

    private final Path database;
    private final Random random;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong lockErrors = new AtomicLong();
    private final List<String> skus = new ArrayList<>();
    private final List<Long> recentSales = new ArrayList<>();
    private long nextSaleId = 1;
    private int nextSku = 1;
    private double poisonRatio;
    private final java.util.Set<String> poisonedSkus = new java.util.LinkedHashSet<>();
    private final AtomicLong poisonWrites = new AtomicLong();
    private final AtomicLong changesOfPoisonedKeys = new AtomicLong();

    public ShopSimulator(Path database, long seed) {
        this.database = database;
        this.random = new Random(seed);
    }

    public static void createSchema(Path database) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
             Statement s = c.createStatement()) {
            for (String ddl : SCHEMA) {
                s.execute(ddl);
            }
        }
    }

    /**
     * Makes this share of product writes (new products and price changes) store an {@code updated_at} that is not
     * an ISO timestamp, as an old POS release might; the cloud's iso-timestamp mapping refuses it. Before
     * {@link #run} returns, every product that got such a value is repaired with a good update.
     */
    public ShopSimulator withPoison(double ratio) {
        this.poisonRatio = ratio;
        return this;
    }

    /** Products that got an unparseable timestamp at least once. */
    public java.util.Set<String> poisonedSkus() {
        synchronized (poisonedSkus) {
            return java.util.Set.copyOf(poisonedSkus);
        }
    }

    /** Product writes that stored an unparseable timestamp. */
    public long poisonWrites() {
        return poisonWrites.get();
    }

    /**
     * Changes of poisoned products from their first poison write on (the poison itself, later poison writes,
     * good updates, deletes): what the cloud should quarantine or hold back.
     */
    public long changesOfPoisonedKeys() {
        return changesOfPoisonedKeys.get();
    }

    /** Changes written so far: each inserted, updated or deleted row of a shop table is one. */
    public long changes() {
        return changes.get();
    }

    public long transactions() {
        return transactions.get();
    }

    /** "database is locked" / SQLITE_BUSY errors the shop met; EdgeSync promises zero. */
    public long lockErrors() {
        return lockErrors.get();
    }

    /**
     * Writes until at least {@code targetChanges} changes are committed.
     *
     * @param transactionsPerSecond pacing like a busy store; 0 writes as fast as SQLite allows
     */
    public void run(long targetChanges, int transactionsPerSecond) throws SQLException {
        long interval = transactionsPerSecond > 0 ? 1_000_000_000L / transactionsPerSecond : 0;
        long next = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database)) {
            c.setAutoCommit(false);
            while (changes.get() < targetChanges) {
                try {
                    changes.addAndGet(oneTransaction(c));
                    c.commit();
                    transactions.incrementAndGet();
                } catch (SQLException e) {
                    c.rollback();
                    if (isLockError(e)) {
                        lockErrors.incrementAndGet();
                    } else {
                        throw e;
                    }
                }
                if (interval > 0) {
                    next += interval;
                    LockSupport.parkNanos(next - System.nanoTime());
                }
            }
            repairPoison(c);
        }
    }

    /** The shop's fix for its bad timestamps: a good update of every poisoned product that still exists. */
    private void repairPoison(Connection c) throws SQLException {
        List<String> repair;
        synchronized (poisonedSkus) {
            repair = poisonedSkus.stream().filter(skus::contains).toList();
        }
        for (String sku : repair) {
            while (true) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE products SET updated_at = ? WHERE sku = ?")) {
                    ps.setString(1, Instant.now().toString());
                    ps.setString(2, sku);
                    int n = ps.executeUpdate();
                    c.commit();
                    changes.addAndGet(n);
                    changesOfPoisonedKeys.addAndGet(n);
                    transactions.incrementAndGet();
                    break;
                } catch (SQLException e) {
                    c.rollback();
                    if (!isLockError(e)) {
                        throw e;
                    }
                    lockErrors.incrementAndGet();
                }
            }
        }
    }

    /** An updated_at for a product write: now, or, for the poison share, text no ISO parser accepts. */
    private String productTimestamp(String sku) {
        if (poisonRatio > 0 && random.nextDouble() < poisonRatio) {
            poisonWrites.incrementAndGet();
            synchronized (poisonedSkus) {
                poisonedSkus.add(sku);
            }
            return "not-a-time " + Instant.now().toEpochMilli();
        }
        return Instant.now().toString();
    }

    /** Counts a change of a product for the poison bookkeeping (after the write decided whether it is poison). */
    private void countProductChange(String sku, int changed) {
        boolean poisoned;
        synchronized (poisonedSkus) {
            poisoned = poisonedSkus.contains(sku);
        }
        if (poisoned) {
            changesOfPoisonedKeys.addAndGet(changed);
        }
    }

    static boolean isLockError(SQLException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("SQLITE_BUSY") || message.contains("database is locked") || message.contains("SQLITE_LOCKED");
    }

    private int oneTransaction(Connection c) throws SQLException {
        if (skus.size() < 20) {
            return newProduct(c);
        }
        int dice = random.nextInt(100);
        if (dice < 70) {
            return sale(c);
        } else if (dice < 80) {
            return priceChange(c);
        } else if (dice < 85) {
            return newProduct(c);
        } else if (dice < 88) {
            return discontinue(c);
        } else if (dice < 94) {
            return voidSale(c);
        }
        return annotateSale(c);
    }

    private int newProduct(Connection c) throws SQLException {
        String sku = "SKU-" + String.format("%05d", nextSku++);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO products (sku, name, price_cents, updated_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, sku);
            ps.setString(2, WORDS[random.nextInt(WORDS.length)] + " " + sku.substring(4) + (random.nextInt(10) == 0 ? " – édition spéciale" : ""));
            ps.setLong(3, 49 + random.nextInt(5000));
            ps.setString(4, productTimestamp(sku));
            ps.executeUpdate();
        }
        skus.add(sku);
        countProductChange(sku, 1);
        return 1;
    }

    private int priceChange(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE products SET price_cents = ?, updated_at = ? WHERE sku = ?")) {
            String sku = skus.get(random.nextInt(skus.size()));
            ps.setLong(1, 49 + random.nextInt(5000));
            ps.setString(2, productTimestamp(sku));
            ps.setString(3, sku);
            int changed = ps.executeUpdate();
            countProductChange(sku, changed);
            return changed;
        }
    }

    private int discontinue(Connection c) throws SQLException {
        String sku = skus.remove(random.nextInt(skus.size()));
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM products WHERE sku = ?")) {
            ps.setString(1, sku);
            int changed = ps.executeUpdate();
            countProductChange(sku, changed);
            return changed;
        }
    }

    private int sale(Connection c) throws SQLException {
        long id = nextSaleId++;
        int lines = 1 + random.nextInt(4);
        long total = 0;
        try (PreparedStatement line = c.prepareStatement(
                "INSERT INTO sale_lines (sale_id, line_no, sku, qty, unit_price_cents) "
                        + "SELECT ?, ?, sku, ?, price_cents FROM products WHERE sku = ?")) {
            for (int n = 1; n <= lines; n++) {
                String sku = skus.get(random.nextInt(skus.size()));
                int qty = 1 + random.nextInt(3);
                line.setLong(1, id);
                line.setInt(2, n);
                line.setInt(3, qty);
                line.setString(4, sku);
                line.addBatch();
            }
            line.executeBatch();
        }
        try (PreparedStatement sum = c.prepareStatement(
                "SELECT COALESCE(SUM(qty * unit_price_cents), 0) FROM sale_lines WHERE sale_id = ?")) {
            sum.setLong(1, id);
            try (ResultSet rs = sum.executeQuery()) {
                rs.next();
                total = rs.getLong(1);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO sales (id, receipt_no, total_cents, sold_at, cashier, note) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, id);
            ps.setString(2, "R-" + id);
            ps.setLong(3, total);
            ps.setLong(4, System.currentTimeMillis());
            ps.setString(5, CASHIERS[random.nextInt(CASHIERS.length)]);
            ps.setString(6, null);
            ps.executeUpdate();
        }
        recentSales.add(id);
        if (recentSales.size() > 50) {
            recentSales.remove(0);
        }
        return 1 + lines;
    }

    private int voidSale(Connection c) throws SQLException {
        if (recentSales.isEmpty()) {
            return sale(c);
        }
        long id = recentSales.remove(random.nextInt(recentSales.size()));
        int changed;
        try (PreparedStatement lines = c.prepareStatement("DELETE FROM sale_lines WHERE sale_id = ?");
             PreparedStatement sale = c.prepareStatement("DELETE FROM sales WHERE id = ?")) {
            lines.setLong(1, id);
            changed = lines.executeUpdate();
            sale.setLong(1, id);
            changed += sale.executeUpdate();
        }
        return changed;
    }

    private int annotateSale(Connection c) throws SQLException {
        if (recentSales.isEmpty()) {
            return sale(c);
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE sales SET note = ? WHERE id = ?")) {
            ps.setString(1, NOTES[random.nextInt(NOTES.length)]);
            ps.setLong(2, recentSales.get(random.nextInt(recentSales.size())));
            return ps.executeUpdate();
        }
    }
}
