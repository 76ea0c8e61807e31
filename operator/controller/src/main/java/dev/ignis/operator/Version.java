package dev.ignis.operator;

/** The release this operator belongs to; the runtime image it deploys by default carries the same tag. */
public final class Version {

    public static final String VERSION = version();

    private Version() {
    }

    private static String version() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }
}
