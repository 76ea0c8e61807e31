package dev.ignis.runtime.bench;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Room for the benchmark's clients: 4 slots and a queue that holds every other client's request. */
public class LoadBenchProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("ignis.runtime.slots", "4", "ignis.runtime.queue-size", "16");
    }
}
