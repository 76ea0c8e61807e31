package dev.ignis.runtime.security;

import dev.ignis.acl.AllowList;
import dev.ignis.runtime.config.RuntimeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.HexFormat;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The runtime's own checks, a second line of defence behind the load balancer: the client address must be
 * in the allowed list (the X-Forwarded-For address counts only when the peer is a trusted proxy), and the
 * bearer key's SHA-256 must equal one of the configured hashes, compared in constant time.
 */
@ApplicationScoped
@Startup // settings are checked when the runtime starts, not at the first request
public class EndpointGuard {

    private static final Logger LOG = Logger.getLogger(EndpointGuard.class);
    /** How often the access files are read again (Kubernetes swaps mounted Secrets and ConfigMaps atomically). */
    static final Duration RELOAD_INTERVAL = Duration.ofSeconds(2);

    private final AllowList trustedProxies;
    private final Optional<Path> allowedIpsFile;
    private final Optional<Path> keysFile;
    /** The allowed list and the key hashes, swapped together when a file changes. */
    private volatile Access access;
    private volatile String allowedIpsText;
    private volatile String keysText;
    private final ScheduledExecutorService reloader;

    /** What one check reads: never half of an old list and half of a new one. */
    private record Access(AllowList allowed, List<byte[]> keyHashes, boolean keysRequired) {
    }

    public EndpointGuard(RuntimeConfig config) {
        try {
            trustedProxies = config.trustedProxies().map(AllowList::parse).orElse(new AllowList(List.of()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ignis.runtime.trusted-proxies: " + e.getMessage(), e);
        }
        allowedIpsFile = config.allowedIpsFile().map(Path::of);
        keysFile = config.apiKeySha256File().map(Path::of);
        if (allowedIpsFile.isPresent() && config.allowedIps().isPresent()) {
            throw new IllegalArgumentException("ignis.runtime.allowed-ips and ignis.runtime.allowed-ips-file are"
                    + " exclusive: set one");
        }
        if (keysFile.isPresent() && (config.apiKeys().isPresent() || config.apiKeySha256().isPresent())) {
            throw new IllegalArgumentException("ignis.runtime.api-key-sha256-file excludes ignis.runtime.api-keys and"
                    + " ignis.runtime.api-key-sha256: set one");
        }
        AllowList allowed;
        if (allowedIpsFile.isPresent()) {
            allowedIpsText = read(allowedIpsFile.get(), "ignis.runtime.allowed-ips-file");
            allowed = parseAllowed(allowedIpsText, "ignis.runtime.allowed-ips-file");
        } else {
            allowed = parseAllowed(String.join(",", config.allowedIps().orElse(List.of())), "ignis.runtime.allowed-ips");
        }
        List<byte[]> keys = new ArrayList<>();
        boolean required;
        if (keysFile.isPresent()) {
            keysText = read(keysFile.get(), "ignis.runtime.api-key-sha256-file");
            keys.addAll(parseHashes(keysText, "ignis.runtime.api-key-sha256-file"));
            required = true; // a keys file that lists none admits nobody, never everybody
        } else {
            config.apiKeys().orElse(List.of()).forEach(k -> keys.add(sha256(k)));
            keys.addAll(parseHashes(String.join(",", config.apiKeySha256().orElse(List.of())),
                    "ignis.runtime.api-key-sha256"));
            required = !keys.isEmpty();
        }
        access = new Access(allowed, List.copyOf(keys), required);
        if (!required) {
            LOG.warn("No endpoint keys configured (ignis.runtime.api-keys / api-key-sha256 / api-key-sha256-file):"
                    + " the API is open to every client the allowed IPs admit");
        }
        if (allowedIpsFile.isPresent() || keysFile.isPresent()) {
            reloader = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ignis-access-files");
                t.setDaemon(true);
                return t;
            });
            reloader.scheduleWithFixedDelay(this::reload, RELOAD_INTERVAL.toMillis(), RELOAD_INTERVAL.toMillis(),
                    TimeUnit.MILLISECONDS);
        } else {
            reloader = null;
        }
    }

    /**
     * Reads the access files again and swaps in what changed. A file that cannot be read or does not parse
     * leaves the current lists in force (an error is logged): a broken update never opens the endpoint.
     */
    void reload() {
        try {
            AllowList allowed = access.allowed();
            List<byte[]> keys = access.keyHashes();
            boolean changed = false;
            if (allowedIpsFile.isPresent()) {
                String text = read(allowedIpsFile.get(), "ignis.runtime.allowed-ips-file");
                if (!text.equals(allowedIpsText)) {
                    allowed = parseAllowed(text, "ignis.runtime.allowed-ips-file");
                    allowedIpsText = text;
                    changed = true;
                }
            }
            if (keysFile.isPresent()) {
                String text = read(keysFile.get(), "ignis.runtime.api-key-sha256-file");
                if (!text.equals(keysText)) {
                    keys = List.copyOf(parseHashes(text, "ignis.runtime.api-key-sha256-file"));
                    keysText = text;
                    changed = true;
                }
            }
            if (changed) {
                access = new Access(allowed, keys, access.keysRequired());
                LOG.infof("Access files reloaded: %s, %d endpoint key(s)", allowed.allowsAll() ? "every address"
                        : "allowed list replaced", keys.size());
            }
        } catch (RuntimeException e) {
            LOG.errorf("Access files not reloaded, the previous lists stay in force: %s", e.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }

    private static String read(Path file, String setting) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException(setting + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static AllowList parseAllowed(String text, String setting) {
        try {
            return AllowList.parse(split(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": " + e.getMessage(), e);
        }
    }

    private static List<byte[]> parseHashes(String text, String setting) {
        List<byte[]> hashes = new ArrayList<>();
        for (String hex : split(text)) {
            if (!hex.matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException(setting + ": '" + hex + "' is not 64 hexadecimal characters");
            }
            hashes.add(HexFormat.of().parseHex(hex));
        }
        return hashes;
    }

    /** Entries separated by commas, whitespace or new lines. */
    private static List<String> split(String text) {
        return Arrays.stream(text.split("[,\\s]+")).map(String::strip).filter(e -> !e.isEmpty()).toList();
    }

    /** The address the checks apply to: the peer, or the forwarded client when the peer is a trusted proxy. */
    public InetAddress clientAddress(String peer, String forwardedFor) throws UnknownHostException {
        InetAddress address = InetAddress.getByName(peer);
        if (forwardedFor == null || trustedProxies.allowsAll() || !trustedProxies.allows(address)) {
            return address;
        }
        // The right-most address not added by a trusted proxy is the client.
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].strip();
            if (!hop.matches("[0-9a-fA-F:.]+")) {
                return address; // not an address literal: never resolve names from a header
            }
            InetAddress candidate = InetAddress.getByName(hop);
            if (!trustedProxies.allows(candidate)) {
                return candidate;
            }
        }
        return address;
    }

    public boolean allowed(InetAddress client) {
        return access.allowed().allows(client);
    }

    public boolean open() {
        return !access.keysRequired();
    }

    /** Whether the Authorization header carries a configured key. Every hash is compared, match or not. */
    public boolean authorized(String authorization) {
        Access current = access;
        if (!current.keysRequired()) {
            return true;
        }
        List<byte[]> keyHashes = current.keyHashes();
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] hash = sha256(authorization.substring(7).strip());
        boolean match = false;
        for (byte[] key : keyHashes) {
            match |= MessageDigest.isEqual(key, hash);
        }
        return match;
    }

    static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
