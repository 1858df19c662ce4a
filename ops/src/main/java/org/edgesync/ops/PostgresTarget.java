package org.edgesync.ops;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The PostgreSQL the demo loads into: an existing server given by URL, or a real PostgreSQL 15
 * started from the binaries Maven brought, with its data directory under the demo folder.
 */
public final class PostgresTarget implements AutoCloseable {

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private volatile EmbeddedPostgres embedded;
    private final Path restartableDirectory;
    private final AutoCloseable onClose;

    private PostgresTarget(String jdbcUrl, String user, String password, EmbeddedPostgres embedded,
                           Path restartableDirectory, AutoCloseable onClose) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.embedded = embedded;
        this.restartableDirectory = restartableDirectory;
        this.onClose = onClose;
    }

    private PostgresTarget(String jdbcUrl, String user, String password, EmbeddedPostgres embedded) {
        this(jdbcUrl, user, password, embedded, null, null);
    }

    public static PostgresTarget existing(String jdbcUrl, String user, String password) {
        return new PostgresTarget(jdbcUrl, user, password, null);
    }

    /** A database someone else created; {@code onClose} drops it (or does nothing). */
    public static PostgresTarget existing(String jdbcUrl, String user, String password, AutoCloseable onClose) {
        return new PostgresTarget(jdbcUrl, user, password, null, null, onClose);
    }

    /**
     * The embedded server's library starts PostgreSQL with fsync and synchronous_commit off (fast throwaway test
     * databases); both on, as in production, a staged batch is acknowledged only once it is on disk, and the
     * benchmark, the demo and the fault suite measure and prove exactly that.
     */
    private static EmbeddedPostgres.Builder durableServer() {
        return EmbeddedPostgres.builder().setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
    }

    /**
     * An embedded PostgreSQL that can be stopped and started again on the same data directory and port, the way
     * an operator restarts the database server under a running cloud.
     */
    public static PostgresTarget restartable(Path dataDirectory) throws IOException, SQLException {
        Demo.deleteRecursively(dataDirectory);
        Files.createDirectories(dataDirectory);
        // not "clean": with a clean data directory the library deletes it on stop, and a restart would be a new server
        EmbeddedPostgres pg = durableServer()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE edgesync");
        }
        return new PostgresTarget("jdbc:postgresql://localhost:" + pg.getPort() + "/edgesync", "postgres", "", pg,
                dataDirectory, null);
    }

    /** Stops the server of a {@link #restartable} target (fast shutdown: open transactions are rolled back). */
    public synchronized void stopServer() throws IOException {
        if (restartableDirectory == null) {
            throw new IllegalStateException("only a restartable embedded PostgreSQL can be stopped");
        }
        if (embedded != null) {
            embedded.close();
            embedded = null;
        }
    }

    /** Starts the server of a {@link #restartable} target again on the same data directory and port. */
    public synchronized void startServer() throws IOException {
        if (restartableDirectory == null) {
            throw new IllegalStateException("only a restartable embedded PostgreSQL can be started");
        }
        if (embedded == null) {
            embedded = durableServer()
                    .setDataDirectory(restartableDirectory)
                    .setCleanDataDirectory(false)
                    .setPort(port())
                    .start();
        }
    }

    /** The port of the JDBC URL. */
    public int port() {
        String rest = jdbcUrl.substring(jdbcUrl.indexOf("//") + 2);
        String hostPort = rest.substring(0, rest.indexOf('/'));
        return hostPort.contains(":") ? Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1)) : 5432;
    }

    /**
     * A new empty database on the same server, for one scenario; the returned target drops it when closed.
     * Needs a user allowed to create databases.
     */
    public PostgresTarget newDatabase(String name) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name);
            s.execute("CREATE DATABASE " + name);
        }
        String url = jdbcUrl.replaceFirst("//([^/]+)/[^?]*", "//$1/" + name);
        PostgresTarget admin = this;
        return new PostgresTarget(url, user, password, null, null, () -> {
            try (Connection c = admin.connect(); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        });
    }

    public static PostgresTarget embedded(Path dataDirectory) throws IOException, SQLException {
        Files.createDirectories(dataDirectory);
        EmbeddedPostgres pg = durableServer()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(true)
                .start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE edgesync");
        }
        return new PostgresTarget("jdbc:postgresql://localhost:" + pg.getPort() + "/edgesync", "postgres", "", pg);
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null && !password.isEmpty()) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection(jdbcUrl, props);
    }

    @Override
    public void close() throws IOException {
        if (onClose != null) {
            try {
                onClose.close();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("could not drop the database of " + jdbcUrl + ": " + e.getMessage(), e);
            }
        }
        if (embedded != null) {
            embedded.close();
        }
    }
}
