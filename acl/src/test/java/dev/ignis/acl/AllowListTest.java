package dev.ignis.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class AllowListTest {

    @Test
    void emptyAllowsEveryone() throws Exception {
        assertThat(AllowList.parse(List.of()).allows(InetAddress.getByName("203.0.113.9"))).isTrue();
    }

    @Test
    void onlyListedNetworksAreAllowed() throws Exception {
        AllowList list = AllowList.parse(List.of("127.0.0.1", "10.0.0.0/8", "2001:db8::/32"));
        assertThat(list.allows(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(list.allows(InetAddress.getByName("127.0.0.2"))).isFalse();
        assertThat(list.allows(InetAddress.getByName("10.200.1.1"))).isTrue();
        assertThat(list.allows(InetAddress.getByName("2001:db8::5"))).isTrue();
        assertThat(list.allows(InetAddress.getByName("::1"))).isFalse();
        // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d.
        assertThat(list.allows(InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff,
                (byte) 0xff, 127, 0, 0, 1}))).isTrue();
    }

    @Test
    void badEntryIsNamed() {
        assertThatThrownBy(() -> AllowList.parse(List.of("10.0.0.0/8", "nope")))
                .hasMessageContaining("allowed IP entry").hasMessageContaining("nope");
    }
}
