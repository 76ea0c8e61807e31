package dev.ignis.controlplane.docs;

import dev.ignis.testing.docs.DocScript;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.SQLException;

/**
 * The PostgreSQL a page's {@code psql} and servers talk to: the one on 127.0.0.1:5432 when it answers, otherwise
 * an embedded one started for the walker (its port then put into the page's commands, as a reader with another
 * server would). The database the page creates is dropped on {@link #close}, and the embedded server stopped.
 */
final class PagePostgres implements AutoCloseable {

    private final EmbeddedPostgres embedded;
    private final int port;
    private String database;

    private PagePostgres(EmbeddedPostgres embedded, int port) {
        this.embedded = embedded;
        this.port = port;
    }

    /** The server for {@code walker}'s page, its commands rewritten when it is not on 5432. */
    static PagePostgres forPage(String walker, DocScript doc) throws IOException {
        if (Walks.answers(5432)) {
            return new PagePostgres(null, 5432);
        }
        EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
        int port = embedded.getPort();
        System.out.println(walker + ": no PostgreSQL on 127.0.0.1:5432; an embedded one on port " + port
                + " stands for it");
        doc.rewrite("psql -h 127.0.0.1 ", "psql -h 127.0.0.1 -p " + port + " ")
                .rewrite("127.0.0.1:5432", "127.0.0.1:" + port);
        return new PagePostgres(embedded, port);
    }

    /** From now on, {@code name} is dropped on {@link #close}: call it before the page creates the database. */
    void dropsOnClose(String name) {
        database = name;
    }

    /** SQL as the superuser. */
    void sql(String sql) throws SQLException {
        Walks.sql(port, sql);
    }

    @Override
    public void close() throws SQLException {
        try {
            if (database != null) {
                sql("drop database if exists " + database + " with (force)");
            }
        } finally {
            if (embedded != null) {
                try {
                    embedded.close();
                } catch (IOException e) {
                    throw new IllegalStateException("the embedded PostgreSQL did not stop", e);
                }
            }
        }
    }
}
