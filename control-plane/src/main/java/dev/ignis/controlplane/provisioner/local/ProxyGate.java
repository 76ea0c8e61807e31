package dev.ignis.controlplane.provisioner.local;

import dev.ignis.acl.AllowList;
import dev.ignis.controlplane.auth.Secrets;
import dev.ignis.controlplane.provisioner.DeploymentSpec;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * What a deployment's proxy checks before forwarding: the client address against the allowed list (empty:
 * every address), then, when the deployment requires a key, the bearer key's SHA-256 against the active
 * endpoint keys' hashes. A deployment that requires a key and has none admits nobody.
 *
 * @param keyHashes SHA-256 of each active endpoint key (32 bytes each)
 */
record ProxyGate(AllowList allowed, boolean requireKey, List<byte[]> keyHashes) {

    ProxyGate {
        keyHashes = List.copyOf(keyHashes);
    }

    static ProxyGate of(DeploymentSpec spec) {
        return new ProxyGate(AllowList.parse(spec.allowedCidrs()), spec.requireKey(),
                spec.endpointKeySha256().stream().map(HexFormat.of()::parseHex).toList());
    }

    boolean allows(InetAddress client) {
        return allowed.allows(client);
    }

    /** Whether the Authorization header carries an active key; every hash is compared, in constant time. */
    boolean authorized(String authorization) {
        if (!requireKey) {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] hash = Secrets.hash(authorization.substring(7).strip());
        boolean match = false;
        for (byte[] key : keyHashes) {
            match |= MessageDigest.isEqual(key, hash);
        }
        return match;
    }
}
