package dev.ignis.controlplane.docs;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.UninstallCommand;
import com.marcnuri.helm.UpgradeCommand;
import dev.ignis.testing.docs.DocScript;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code helm} command lines of the docs, run as written by the helm that helm-java bundles (there is no
 * helm binary here) against the cluster of one kubeconfig: {@code install}, {@code upgrade} and {@code
 * uninstall} with the flags the docs use, each translated to the helm-java call that sets the same option. A
 * subcommand or flag it does not know fails the test, so a command the docs add is a command a test runs.
 */
final class HelmCli {

    private final Path root;
    private final Path kubeconfig;

    HelmCli(Path root, Path kubeconfig) {
        this.root = root;
        this.kubeconfig = kubeconfig;
    }

    /** What helm prints for a release: NAME, NAMESPACE, STATUS, REVISION and the NOTES. */
    record Result(Release release, String output) {
    }

    Result run(String commandLine) {
        List<String> words = DocScript.words(commandLine);
        if (words.size() < 3 || !words.getFirst().equals("helm")) {
            throw new AssertionError("not a helm command: `" + commandLine + "`");
        }
        return switch (words.get(1)) {
            case "install" -> install(words, commandLine);
            case "upgrade" -> upgrade(words, commandLine);
            case "uninstall" -> uninstall(words, commandLine);
            default -> throw new AssertionError("HelmCli does not run helm " + words.get(1) + ": `" + commandLine + "`");
        };
    }

    private Result install(List<String> words, String commandLine) {
        InstallCommand install = new Helm(root.resolve(words.get(3))).install().withName(words.get(2))
                .withKubeConfig(kubeconfig);
        for (int i = 4; i < words.size(); i++) {
            String flag = words.get(i);
            switch (flag) {
                case "--namespace", "-n" -> install = install.withNamespace(words.get(++i));
                case "--create-namespace" -> install = install.createNamespace();
                case "--set" -> {
                    for (String[] kv : sets(words.get(++i))) {
                        install = install.set(kv[0], kv[1]);
                    }
                }
                default -> throw unknown(flag, commandLine);
            }
        }
        Release release = install.call();
        return new Result(release, release.getOutput());
    }

    private Result upgrade(List<String> words, String commandLine) {
        UpgradeCommand upgrade = new Helm(root.resolve(words.get(3))).upgrade().withName(words.get(2))
                .withKubeConfig(kubeconfig);
        for (int i = 4; i < words.size(); i++) {
            String flag = words.get(i);
            switch (flag) {
                case "--namespace", "-n" -> upgrade = upgrade.withNamespace(words.get(++i));
                case "--reuse-values" -> upgrade = upgrade.reuseValues();
                case "--set" -> {
                    for (String[] kv : sets(words.get(++i))) {
                        upgrade = upgrade.set(kv[0], kv[1]);
                    }
                }
                default -> throw unknown(flag, commandLine);
            }
        }
        Release release = upgrade.call();
        return new Result(release, release.getOutput());
    }

    private Result uninstall(List<String> words, String commandLine) {
        UninstallCommand uninstall = Helm.uninstall(words.get(2)).withKubeConfig(kubeconfig);
        for (int i = 3; i < words.size(); i++) {
            String flag = words.get(i);
            switch (flag) {
                case "--namespace", "-n" -> uninstall = uninstall.withNamespace(words.get(++i));
                default -> throw unknown(flag, commandLine);
            }
        }
        return new Result(null, uninstall.call());
    }

    private static AssertionError unknown(String flag, String commandLine) {
        return new AssertionError("HelmCli does not know " + flag + " in `" + commandLine + "`: teach it");
    }

    /**
     * One {@code --set key=value}, as key/value pairs: helm's {@code {a,b}} list syntax goes element by element
     * ({@code key[0]=a}, {@code key[1]=b}), which is what helm makes of it (helm-java passes values as they are).
     */
    static List<String[]> sets(String set) {
        String[] kv = set.split("=", 2);
        if (kv.length != 2) {
            throw new AssertionError("--set " + set + " is not key=value");
        }
        if (!(kv[1].startsWith("{") && kv[1].endsWith("}"))) {
            return List.<String[]>of(kv);
        }
        List<String[]> pairs = new ArrayList<>();
        String[] values = kv[1].substring(1, kv[1].length() - 1).split(",");
        for (int e = 0; e < values.length; e++) {
            pairs.add(new String[] {kv[0] + "[" + e + "]", values[e]});
        }
        return pairs;
    }

}
