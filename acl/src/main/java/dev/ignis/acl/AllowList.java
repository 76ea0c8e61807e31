package dev.ignis.acl;

import java.net.InetAddress;
import java.util.List;

/**
 * The networks that may connect. An empty list allows every address. IPv4-mapped IPv6 addresses
 * ({@code ::ffff:a.b.c.d}, as dual-stack sockets report IPv4 clients) are matched as the IPv4 address.
 */
public record AllowList(List<Cidr> networks) {

    public AllowList {
        networks = List.copyOf(networks);
    }

    /** Parses every entry; the exception names the entry that is not an address or CIDR. */
    public static AllowList parse(List<String> entries) {
        return new AllowList(entries.stream().filter(e -> !e.isBlank()).map(entry -> {
            try {
                return Cidr.parse(entry);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("allowed IP entry " + e.getMessage(), e);
            }
        }).toList());
    }

    public boolean allowsAll() {
        return networks.isEmpty();
    }

    public boolean allows(InetAddress address) {
        if (networks.isEmpty()) {
            return true;
        }
        byte[] raw = unmapped(address.getAddress());
        for (Cidr network : networks) {
            if (network.contains(raw)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] unmapped(byte[] raw) {
        if (raw.length != 16) {
            return raw;
        }
        for (int i = 0; i < 10; i++) {
            if (raw[i] != 0) {
                return raw;
            }
        }
        if (raw[10] != (byte) 0xff || raw[11] != (byte) 0xff) {
            return raw;
        }
        return new byte[] {raw[12], raw[13], raw[14], raw[15]};
    }
}
