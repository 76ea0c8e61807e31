package dev.ignis.controlplane;

import dev.ignis.controlplane.database.EmbeddedDatabase;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;

/**
 * Entry point. With no database configured ({@code IGNIS_DB_URL} / {@code ignis.db.url}), starts an
 * embedded real PostgreSQL under {@code IGNIS_HOME} first, so that the control plane runs on a fresh
 * machine with nothing installed.
 */
@QuarkusMain
public final class IgnisControlPlane {

    private IgnisControlPlane() {
    }

    public static void main(String... args) throws Exception {
        if (configured("IGNIS_DB_URL", "ignis.db.url") == null) {
            Path home = Path.of(firstNonNull(configured("IGNIS_HOME", "ignis.home"),
                    System.getProperty("user.home") + "/.ignis"));
            System.out.println("Ignis: no IGNIS_DB_URL set; starting the embedded PostgreSQL under " + home);
            try (EmbeddedDatabase db = EmbeddedDatabase.start(home)) {
                System.setProperty("ignis.db.url", db.jdbcUrl());
                System.setProperty("ignis.db.user", db.user());
                System.setProperty("ignis.db.password", "");
                Quarkus.run(args);
            }
        } else {
            Quarkus.run(args);
        }
    }

    private static String configured(String env, String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? null : value;
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }
}
