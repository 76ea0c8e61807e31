package dev.ignis.acl;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network in CIDR notation. Parsing never resolves names: only address literals are
 * accepted. A bare address means a single host ({@code /32} or {@code /128}). Host bits set below the
 * prefix are rejected rather than masked, so that a typo such as {@code 10.0.0.1/8} is caught instead of
 * silently widening to a different network. IPv6 is written in the canonical form of RFC 5952.
 */
public record Cidr(byte[] network, int prefix) {

    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    /** Parses and normalises; the error message says what is wrong, for the field it came from. */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("must be an IPv4 or IPv6 address or CIDR");
        }
        String s = text.strip();
        int slash = s.indexOf('/');
        String addressPart = slash < 0 ? s : s.substring(0, slash);
        byte[] address = literal(addressPart).orElseThrow(() -> new IllegalArgumentException(
                "'" + text + "' is not an IPv4 or IPv6 address or CIDR"));
        int maxPrefix = address.length * 8;
        int prefix = maxPrefix;
        if (slash >= 0) {
            String prefixPart = s.substring(slash + 1);
            if (!prefixPart.matches("(0|[1-9][0-9]{0,2})")) {
                throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
            }
            prefix = Integer.parseInt(prefixPart);
            if (prefix > maxPrefix) {
                throw new IllegalArgumentException("'" + text + "': the prefix length of an "
                        + (address.length == 4 ? "IPv4" : "IPv6") + " network is at most " + maxPrefix);
            }
        }
        byte[] masked = mask(address, prefix);
        Cidr cidr = new Cidr(masked, prefix);
        if (!java.util.Arrays.equals(masked, address)) {
            throw new IllegalArgumentException("'" + text + "' has host bits set below /" + prefix
                    + "; did you mean " + cidr + "?");
        }
        return cidr;
    }

    public boolean ipv6() {
        return network.length == 16;
    }

    /** Whether an address (4 or 16 bytes) lies in this network. */
    public boolean contains(byte[] address) {
        return address.length == network.length && java.util.Arrays.equals(mask(address, prefix), network);
    }

    @Override
    public String toString() {
        return (ipv6() ? formatIpv6(network) : formatIpv4(network)) + "/" + prefix;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr other && other.prefix == prefix && java.util.Arrays.equals(other.network, network);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(network) * 31 + prefix;
    }

    private static Optional<byte[]> literal(String s) {
        try {
            if (IPV4.matcher(s).matches()) {
                for (String part : s.split("\\.")) {
                    if (Integer.parseInt(part) > 255) {
                        return Optional.empty();
                    }
                }
                return Optional.of(InetAddress.getByName(s).getAddress());
            }
            if (s.indexOf(':') >= 0 && IPV6.matcher(s).matches()) {
                // A literal with ':' is parsed, never looked up. IPv4-mapped forms come back as IPv4.
                InetAddress parsed = InetAddress.getByName(s);
                if (parsed instanceof Inet6Address || parsed instanceof Inet4Address) {
                    return Optional.of(parsed.getAddress());
                }
            }
        } catch (UnknownHostException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static byte[] mask(byte[] address, int prefix) {
        BigInteger value = new BigInteger(1, address);
        int bits = address.length * 8;
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
        BigInteger masked = value.andNot(hostMask);
        byte[] raw = masked.toByteArray();
        byte[] out = new byte[address.length];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        return out;
    }

    private static String formatIpv4(byte[] a) {
        return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
    }

    /** RFC 5952: lower case, no leading zeros, the longest run (2+ groups) of zero groups as '::'. */
    static String formatIpv6(byte[] a) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        if (bestLength < 2) {
            bestStart = -1;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
