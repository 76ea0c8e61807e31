package dev.ignis.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.TemplateCommand;
import dev.ignis.helm.StubKubernetesApi;
import dev.ignis.testing.docs.DocScript;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every {@code helm install} command of the docs, run as written with {@code --dry-run=client} added (no
 * cluster here): the chart takes exactly those flags and values, passes its schema and prints its notes,
 * and {@code helm template} with the same flags renders the operator and the control plane. A flag this test does not know fails it, so a command the docs add is a command this test runs.
 */
class HelmDocsCommandsTest {

    @Test
    void everyHelmInstallInTheDocsRendersWithItsValues() throws IOException {
        StubKubernetesApi.start(); // helm's lookup asks localhost:8080 when there is no kubeconfig
        int run = 0;
        for (DocsCommandsTest.Command c : DocsCommandsTest.commands()) {
            if (!c.text().startsWith("helm install ")) {
                continue;
            }
            List<String> words = DocScript.words(c.text());
            Helm chart = new Helm(DocsCommandsTest.ROOT.resolve(words.get(3)));
            InstallCommand install = chart.install().withName(words.get(2)).dryRun().withDryRunOption(DryRun.CLIENT)
                    .clientOnly();
            TemplateCommand template = chart.template().withName(words.get(2));
            String namespace = "default";
            for (int i = 4; i < words.size(); i++) {
                String flag = words.get(i);
                switch (flag) {
                    case "--namespace", "-n" -> {
                        namespace = words.get(++i);
                        install = install.withNamespace(namespace);
                        template = template.withNamespace(namespace);
                    }
                    case "--create-namespace" -> install = install.createNamespace();
                    case "--set" -> {
                        String[] kv = words.get(++i).split("=", 2);
                        // helm's {a,b} list syntax; helm-java passes values as plain strings, so the list goes
                        // element by element, which is what helm makes of it.
                        List<String> keys = new ArrayList<>(List.of(kv[0]));
                        List<String> values = new ArrayList<>(List.of(kv[1]));
                        if (kv[1].startsWith("{") && kv[1].endsWith("}")) {
                            keys.clear();
                            values = List.of(kv[1].substring(1, kv[1].length() - 1).split(","));
                            for (int e = 0; e < values.size(); e++) {
                                keys.add(kv[0] + "[" + e + "]");
                            }
                        }
                        for (int e = 0; e < keys.size(); e++) {
                            install = install.set(keys.get(e), values.get(e));
                            template = template.set(keys.get(e), values.get(e));
                        }
                    }
                    default -> throw new AssertionError(c.doc() + ": this test does not know " + flag + " in `"
                            + c.text() + "`");
                }
            }
            String output = install.call().getOutput();
            assertThat(output).as("%s: `%s`", c.doc(), c.text())
                    .contains("STATUS: pending-install", "NAMESPACE: " + namespace, "NOTES:");
            // The objects that install would create (helm template, the same flags).
            assertThat(template.call()).as("%s: `%s`", c.doc(), c.text())
                    .contains("kind: Deployment", "name: ignis-operator", "name: ignis-control-plane")
                    .contains("namespace: " + namespace);
            run++;
        }
        assertThat(run).as("helm install commands in the docs").isGreaterThanOrEqualTo(4);
    }

}
