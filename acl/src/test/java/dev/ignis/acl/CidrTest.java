package dev.ignis.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @ParameterizedTest
    @CsvSource({
            "10.0.0.0/8, 10.0.0.0/8",
            "192.168.1.7, 192.168.1.7/32",
            "0.0.0.0/0, 0.0.0.0/0",
            " 172.16.0.0/12 , 172.16.0.0/12",
            "2001:DB8::/32, 2001:db8::/32",
            "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1/128",
            "::1, ::1/128",
            "::/0, ::/0",
            "2001:db8:0:1:0:0:0:0/64, 2001:db8:0:1::/64",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1/128",
            "::ffff:192.0.2.1, 192.0.2.1/32",
    })
    void normalisesAddressesAndNetworks(String input, String expected) {
        assertThat(Cidr.parse(input)).hasToString(expected);
    }

    @Test
    void hostBitsAreRejectedWithTheNetworkSuggested() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.1/8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host bits").hasMessageContaining("10.0.0.0/8");
        assertThatThrownBy(() -> Cidr.parse("2001:db8::1/64")).hasMessageContaining("2001:db8::/64");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "example.com", "10.0.0", "10.0.0.256", "010.0.0.1", "10.0.0.0/33",
            "10.0.0.0/-1", "10.0.0.0/", "::/129", "2001:db8::g", "1.2.3.4/8/9", "fe80::1%eth0", "10.0.0.0/08"})
    void rejectsWhatIsNotAnAddressLiteral(String input) {
        assertThatThrownBy(() -> Cidr.parse(input)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void containsMatchesOnlyItsNetwork() throws Exception {
        Cidr net = Cidr.parse("192.168.0.0/16");
        assertThat(net.contains(InetAddress.getByName("192.168.44.1").getAddress())).isTrue();
        assertThat(net.contains(InetAddress.getByName("192.169.0.1").getAddress())).isFalse();
        assertThat(net.contains(InetAddress.getByName("::1").getAddress())).isFalse();
        assertThat(Cidr.parse("2001:db8::/32").contains(InetAddress.getByName("2001:db8:ffff::1").getAddress())).isTrue();
    }

    @Test
    void sameNetworkWrittenTwoWaysIsEqual() {
        assertThat(Cidr.parse("10.1.2.3")).isEqualTo(Cidr.parse("10.1.2.3/32"));
        assertThat(Cidr.parse("2001:db8::")).isEqualTo(Cidr.parse("2001:0DB8:0::0/128"));
    }
}
