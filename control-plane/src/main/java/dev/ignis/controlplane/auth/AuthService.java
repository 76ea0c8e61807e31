package dev.ignis.controlplane.auth;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Resolves bearer secrets to callers. Lookups are by the secret's hash, cached for a short time so that
 * an authenticated read costs no extra database round trip; revoking a key evicts it at once on this
 * replica and within {@code ignis.auth.cache-ttl} on the others.
 */
@ApplicationScoped
public class AuthService {

    private static final int MAX_CACHED = 10_000;

    private final Duration ttl;
    private final ConcurrentHashMap<ByteBuffer, Cached> cache = new ConcurrentHashMap<>();

    AuthService(@ConfigProperty(name = "ignis.auth.cache-ttl", defaultValue = "5s") Duration ttl) {
        this.ttl = ttl;
    }

    public Optional<Caller> authenticate(String secret) {
        if (secret == null || secret.isBlank() || secret.length() > 200) {
            return Optional.empty();
        }
        byte[] hash = Secrets.hash(secret);
        ByteBuffer cacheKey = ByteBuffer.wrap(hash);
        long now = System.nanoTime();
        Cached hit = cache.get(cacheKey);
        if (hit != null && hit.expiresAt - now > 0) {
            return Optional.of(hit.caller);
        }
        Optional<Caller> found = QuarkusTransaction.joiningExisting().call(() -> lookup(hash));
        found.ifPresentOrElse(caller -> {
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
            cache.put(cacheKey, new Cached(caller, now + ttl.toNanos()));
        }, () -> cache.remove(cacheKey));
        return found;
    }

    /** Forget a key at once on this replica (after revocation). */
    public void evict(UUID keyId) {
        cache.values().removeIf(c -> c.caller.keyId().equals(keyId));
    }

    private static Optional<Caller> lookup(byte[] hash) {
        ApiKeyEntity key = ApiKeyEntity.find("secretHash = ?1 and revokedAt is null", (Object) hash).firstResult();
        if (key == null) {
            return Optional.empty();
        }
        return Optional.of(new Caller(key.id, key.name, key.prefix, key.projectId, key.role));
    }

    private record Cached(Caller caller, long expiresAt) {
    }
}
