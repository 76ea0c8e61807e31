package dev.ignis.runtime.security;

import dev.ignis.acl.AllowList;
import dev.ignis.runtime.config.RuntimeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The runtime's own checks, a second line of defence behind the load balancer: the client address must be
 * in the allowed list (the X-Forwarded-For address counts only when the peer is a trusted proxy), and the
 * bearer key's SHA-256 must equal one of the configured hashes, compared in constant time.
 */
@ApplicationScoped
public class EndpointGuard {

    private static final Logger LOG = Logger.getLogger(EndpointGuard.class);

    private final AllowList allowed;
    private final AllowList trustedProxies;
    private final List<byte[]> keyHashes = new ArrayList<>();

    public EndpointGuard(RuntimeConfig config) {
        try {
            allowed = AllowList.parse(config.allowedIps().orElse(List.of()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ignis.runtime.allowed-ips: " + e.getMessage(), e);
        }
        try {
            trustedProxies = config.trustedProxies().map(AllowList::parse).orElse(new AllowList(List.of()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ignis.runtime.trusted-proxies: " + e.getMessage(), e);
        }
        config.apiKeys().orElse(List.of()).forEach(k -> keyHashes.add(sha256(k)));
        for (String hex : config.apiKeySha256().orElse(List.of())) {
            if (!hex.matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException("ignis.runtime.api-key-sha256: '" + hex
                        + "' is not 64 hexadecimal characters");
            }
            keyHashes.add(HexFormat.of().parseHex(hex));
        }
        if (keyHashes.isEmpty()) {
            LOG.warn("No endpoint keys configured (ignis.runtime.api-keys / api-key-sha256): the API is open to"
                    + " every client the allowed IPs admit");
        }
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
        return allowed.allows(client);
    }

    public boolean open() {
        return keyHashes.isEmpty();
    }

    /** Whether the Authorization header carries a configured key. Every hash is compared, match or not. */
    public boolean authorized(String authorization) {
        if (keyHashes.isEmpty()) {
            return true;
        }
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
