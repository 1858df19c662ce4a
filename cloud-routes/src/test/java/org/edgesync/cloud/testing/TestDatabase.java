package org.edgesync.cloud.testing;

import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;

/**
 * One throw-away PostgreSQL database for one test (class). Closing it drops the database, so a test
 * run leaves nothing behind on a shared server.
 */
public final class TestDatabase implements AutoCloseable {

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final Runnable dropper;
    private boolean closed;

    TestDatabase(String jdbcUrl, String user, String password, Runnable dropper) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.dropper = dropper;
    }

    /** A database a test manages itself (e.g. on its own embedded server): closing it drops nothing. */
    public static TestDatabase existing(String jdbcUrl, String user, String password) {
        return new TestDatabase(jdbcUrl, user, password, () -> { });
    }

    /** JDBC URL of the fresh database, without credentials. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** A non-pooled data source, for test set-up and assertions. */
    public DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(jdbcUrl);
        ds.setUser(user);
        ds.setPassword(password);
        return ds;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            dropper.run();
        }
    }

    @Override
    public String toString() {
        return jdbcUrl;
    }
}
