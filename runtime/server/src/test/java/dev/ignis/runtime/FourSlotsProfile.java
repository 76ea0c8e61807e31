package dev.ignis.runtime;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Four slots, and a queue that holds what several concurrent clients send beyond them. */
public class FourSlotsProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("ignis.runtime.slots", "4", "ignis.runtime.queue-size", "16");
    }
}
