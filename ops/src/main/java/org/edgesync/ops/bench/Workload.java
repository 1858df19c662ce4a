package org.edgesync.ops.bench;

import org.edgesync.edge.capture.CaptureInstaller;
import org.edgesync.ops.ShopSimulator;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The benchmark's shop: a deterministic stream of changes to the demo schema (products, sales with their lines,
 * price changes, voided sales), written as fast as SQLite allows. The same seed gives the same changes, so the
 * raw baseline, the end-to-end run and the capture-overhead runs work on the same workload. Bulk mode commits
 * about {@code changesPerTransaction} changes at a time (a shop importing a day of sales); the single-row mode
 * commits every row on its own, the way a till writes.
 */
final class Workload {

    static final List<String> TABLES = List.of("products", "sales", "sale_lines");

    private static final String[] WORDS = {"Bread", "Milk", "Coffee", "Apples", "Cheese", "Tea", "Soap", "Pasta"};
    private static final String[] CASHIERS = {"Ana", "Björn", "Chloé", "Dmitri", "Eșref", null};

    private final Random random;
    private final List<String> skus = new ArrayList<>();
    private final List<Long> recentSales = new ArrayList<>();
    private int nextSku = 1;
    private long nextSale = 1;
    private long lockErrors;

    Workload(long seed) {
        this.random = new Random(seed);
    }

    long lockErrors() {
        return lockErrors;
    }

    /** The shop schema in WAL mode, as on a device where the edge has run once. */
    static void createShop(Path db) throws SQLException {
        ShopSimulator.createSchema(db);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
        }
    }

    /** Installs the edge's own capture triggers (the code the edge runs at start) without starting an edge. */
    static void installCapture(Path db) throws SQLException {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + db);
        new CaptureInstaller(ds, db.toString()).install(TABLES);
    }

    static Connection shopConnection(Path db) throws SQLException {
        // sqlite-jdbc defaults, like the shop application (ShopSimulator): busy timeout 3 s, synchronous FULL
        return DriverManager.getConnection("jdbc:sqlite:" + db);
    }

    /**
     * Writes at least {@code changes} changes in transactions of about {@code changesPerTransaction}.
     *
     * @return changes written
     */
    long writeBulk(Path db, long changes, int changesPerTransaction) throws SQLException {
        long written = 0;
        try (Connection c = shopConnection(db)) {
            c.setAutoCommit(false);
            try (Statements st = new Statements(c)) {
                while (written < changes) {
                    List<Object[]> tx = new ArrayList<>();
                    int inTx = 0;
                    while (inTx < changesPerTransaction && written + inTx < changes) {
                        inTx += nextOperation(tx);
                    }
                    while (true) {
                        try {
                            for (Object[] op : tx) {
                                st.apply(op);
                            }
                            c.commit();
                            break;
                        } catch (SQLException e) {
                            c.rollback();
                            if (!isLockError(e)) {
                                throw e;
                            }
                            lockErrors++;
                        }
                    }
                    written += inTx;
                }
            }
        }
        return written;
    }

    /**
     * Inserts {@code rows} products, one transaction each (autocommit), and returns each commit's duration in ns.
     * A lock error counts and the row is tried again.
     */
    long[] writeSingleRows(Path db, int rows, String prefix) throws SQLException {
        long[] nanos = new long[rows];
        try (Connection c = shopConnection(db);
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO products (sku, name, price_cents, updated_at) VALUES (?, ?, ?, ?)")) {
            for (int i = 0; i < rows; i++) {
                String sku = prefix + "-" + i;
                long start = System.nanoTime();
                while (true) {
                    try {
                        ps.setString(1, sku);
                        ps.setString(2, WORDS[random.nextInt(WORDS.length)] + " " + i);
                        ps.setLong(3, 49 + random.nextInt(5000));
                        ps.setString(4, Instant.now().toString());
                        ps.executeUpdate();
                        break;
                    } catch (SQLException e) {
                        if (!isLockError(e)) {
                            throw e;
                        }
                        lockErrors++;
                    }
                }
                nanos[i] = System.nanoTime() - start;
            }
        }
        return nanos;
    }

    static boolean isLockError(SQLException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("SQLITE_BUSY") || message.contains("database is locked") || message.contains("SQLITE_LOCKED");
    }

    /** Appends the statements of one shop action; returns how many row changes it makes. */
    private int nextOperation(List<Object[]> tx) {
        if (skus.size() < 200) {
            return newProduct(tx);
        }
        int dice = random.nextInt(100);
        if (dice < 80) {
            return sale(tx);
        } else if (dice < 92) {
            String sku = skus.get(random.nextInt(skus.size()));
            tx.add(new Object[] {"price", 49L + random.nextInt(5000), Instant.now().toString(), sku});
            return 1;
        } else if (dice < 96 && !recentSales.isEmpty()) {
            long id = recentSales.remove(random.nextInt(recentSales.size()));
            tx.add(new Object[] {"void", id});
            return 1 + (int) (id >>> 48); // lines are encoded in the id's top bits, see sale()
        }
        return newProduct(tx);
    }

    private int newProduct(List<Object[]> tx) {
        String sku = "SKU-" + String.format("%06d", nextSku++);
        String name = WORDS[random.nextInt(WORDS.length)] + " " + sku.substring(4) + (random.nextInt(10) == 0 ? " – édition spéciale" : "");
        tx.add(new Object[] {"product", sku, name, 49L + random.nextInt(5000), Instant.now().toString()});
        skus.add(sku);
        return 1;
    }

    private int sale(List<Object[]> tx) {
        long id = nextSale++;
        int lines = 1 + random.nextInt(4);
        long total = 0;
        for (int n = 1; n <= lines; n++) {
            String sku = skus.get(random.nextInt(skus.size()));
            int qty = 1 + random.nextInt(3);
            long price = 49 + random.nextInt(5000);
            total += qty * price;
            tx.add(new Object[] {"line", id, (long) n, sku, (long) qty, price});
        }
        tx.add(new Object[] {"sale", id, "R-" + id, total, System.currentTimeMillis(), CASHIERS[random.nextInt(CASHIERS.length)]});
        recentSales.add(id | ((long) lines << 48));
        if (recentSales.size() > 200) {
            recentSales.remove(0);
        }
        return 1 + lines;
    }

    /** The prepared statements of one connection. */
    private static final class Statements implements AutoCloseable {
        private final PreparedStatement product;
        private final PreparedStatement price;
        private final PreparedStatement line;
        private final PreparedStatement sale;
        private final PreparedStatement voidLines;
        private final PreparedStatement voidSale;

        Statements(Connection c) throws SQLException {
            product = c.prepareStatement("INSERT INTO products (sku, name, price_cents, updated_at) VALUES (?, ?, ?, ?)");
            price = c.prepareStatement("UPDATE products SET price_cents = ?, updated_at = ? WHERE sku = ?");
            line = c.prepareStatement("INSERT INTO sale_lines (sale_id, line_no, sku, qty, unit_price_cents) VALUES (?, ?, ?, ?, ?)");
            sale = c.prepareStatement("INSERT INTO sales (id, receipt_no, total_cents, sold_at, cashier, note) VALUES (?, ?, ?, ?, ?, NULL)");
            voidLines = c.prepareStatement("DELETE FROM sale_lines WHERE sale_id = ?");
            voidSale = c.prepareStatement("DELETE FROM sales WHERE id = ?");
        }

        void apply(Object[] op) throws SQLException {
            switch ((String) op[0]) {
                case "product" -> run(product, op);
                case "price" -> run(price, op);
                case "line" -> run(line, op);
                case "sale" -> run(sale, op);
                case "void" -> {
                    long id = ((Long) op[1]) & 0xffff_ffff_ffffL;
                    voidLines.setLong(1, id);
                    voidLines.executeUpdate();
                    voidSale.setLong(1, id);
                    voidSale.executeUpdate();
                }
                default -> throw new IllegalStateException("unknown workload step " + op[0]);
            }
        }

        private static void run(PreparedStatement ps, Object[] op) throws SQLException {
            for (int i = 1; i < op.length; i++) {
                ps.setObject(i, op[i]);
            }
            ps.executeUpdate();
        }

        @Override
        public void close() throws SQLException {
            for (PreparedStatement ps : List.of(product, price, line, sale, voidLines, voidSale)) {
                ps.close();
            }
        }
    }
}
