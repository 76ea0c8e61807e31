package dev.ignis.controlplane.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Generates and hashes bearer secrets (management keys and endpoint keys).
 *
 * <p>Secrets carry 256 random bits, so a single unsalted SHA-256 is enough to make a stolen table
 * useless (there is nothing to brute-force) while keeping a lookup by hash cheap on every request.
 */
public final class Secrets {

    /** Characters of a secret kept in clear to tell keys apart: the kind prefix plus 8 random chars. */
    public static final int VISIBLE_PREFIX = 8;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** A new secret such as {@code ignis_mk_3xQ...}: {@code kind} is {@code mk} (management) or {@code ek}. */
    public static String generate(String kind) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "ignis_" + kind + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The part of a secret that may be shown in listings and logs. */
    public static String prefix(String secret) {
        int kindEnd = secret.indexOf('_', "ignis_".length());
        int start = kindEnd > 0 ? kindEnd + 1 : 0;
        return secret.substring(0, Math.min(secret.length(), start + VISIBLE_PREFIX));
    }
}
