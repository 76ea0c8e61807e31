package dev.ignis.controlplane.model;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The messages a model's status shows when its source cannot be read. */
class ModelSourceReaderTest {

    private final ModelSourceReader reader = new ModelSourceReader(Duration.ofSeconds(5));

    @Test
    void aRefusedConnectionNamesTheHost() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        assertThatThrownBy(() -> reader.read("http://127.0.0.1:" + port + "/m.gguf", null))
                .isInstanceOf(ModelSourceReader.SourceException.class)
                .hasMessageStartingWith("cannot read the source: cannot connect to 127.0.0.1")
                .hasMessageNotContaining("null");
    }

    @Test
    void anUnknownHostIsNamed() {
        assertThatThrownBy(() -> reader.read("http://no-such-host.invalid/m.gguf", null))
                .isInstanceOf(ModelSourceReader.SourceException.class)
                .hasMessageMatching("cannot read the source: (unknown host|cannot connect to) no-such-host\\.invalid.*");
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> reader.read("file:///no/such/model.gguf", null))
                .isInstanceOf(ModelSourceReader.SourceException.class)
                .hasMessage("file not found: /no/such/model.gguf");
    }
}
