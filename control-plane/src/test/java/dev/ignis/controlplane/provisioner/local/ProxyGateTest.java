package dev.ignis.controlplane.provisioner.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.acl.AllowList;
import dev.ignis.controlplane.auth.Secrets;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyGateTest {

    private static final String KEY = "ignis_ek_first";

    private static ProxyGate gate(boolean requireKey, List<String> cidrs, String... keys) {
        return new ProxyGate(AllowList.parse(cidrs), requireKey,
                java.util.Arrays.stream(keys).map(Secrets::hash).toList());
    }

    @Test
    void bearerKeyMustHashToAnActiveKey() {
        ProxyGate gate = gate(true, List.of(), "ignis_ek_other", KEY);
        assertThat(gate.authorized("Bearer " + KEY)).isTrue();
        assertThat(gate.authorized("bearer " + KEY + " ")).isTrue();
        assertThat(gate.authorized("Bearer ignis_ek_wrong")).isFalse();
        assertThat(gate.authorized(KEY)).isFalse();
        assertThat(gate.authorized(null)).isFalse();
    }

    @Test
    void deploymentThatRequiresAKeyAndHasNoneAdmitsNobody() {
        assertThat(gate(true, List.of()).authorized("Bearer " + KEY)).isFalse();
        assertThat(gate(false, List.of()).authorized(null)).isTrue();
    }

    @Test
    void emptyAllowListAdmitsEveryAddressOtherwiseOnlyItsNetworks() throws Exception {
        assertThat(gate(false, List.of()).allows(InetAddress.getByName("203.0.113.9"))).isTrue();
        ProxyGate gate = gate(false, List.of("127.0.0.2/32", "2001:db8::/32"));
        assertThat(gate.allows(InetAddress.getByName("127.0.0.2"))).isTrue();
        assertThat(gate.allows(InetAddress.getByName("127.0.0.1"))).isFalse();
        assertThat(gate.allows(InetAddress.getByName("2001:db8::1"))).isTrue();
        assertThat(gate.allows(InetAddress.getByName("::ffff:127.0.0.2"))).isTrue();
    }

    @Test
    void specHashesAreHexOfTheKeys() {
        var spec = new dev.ignis.controlplane.provisioner.DeploymentSpec(java.util.UUID.randomUUID(),
                java.util.UUID.randomUUID(), "d", 1, null, "cpu-2x4", 2, 1L << 32, 1, 1, 256, 2, 4, true, false, true,
                List.of("10.0.0.0/8"), List.of(HexFormat.of().formatHex(Secrets.hash(KEY))));
        ProxyGate gate = ProxyGate.of(spec);
        assertThat(gate.authorized("Bearer " + KEY)).isTrue();
        assertThat(gate.allowed().allowsAll()).isFalse();
    }
}
