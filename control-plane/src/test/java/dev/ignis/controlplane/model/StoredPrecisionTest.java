package dev.ignis.controlplane.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoredPrecisionTest {

    @Test
    void servingNeverAddsPrecision() {
        assertThat(StoredPrecision.servable("f32")).containsExactly(Quantization.values());
        assertThat(StoredPrecision.servable("f16")).containsExactly(Quantization.values());
        assertThat(StoredPrecision.servable("bf16")).containsExactly(Quantization.values());
        assertThat(StoredPrecision.servable("q8_0")).containsExactly(Quantization.FP8, Quantization.INT8,
                Quantization.INT4);
        assertThat(StoredPrecision.servable("q6_k")).containsExactly(Quantization.INT4);
        assertThat(StoredPrecision.servable("q4_k")).containsExactly(Quantization.INT4);
        assertThat(StoredPrecision.servable("iq4_nl")).containsExactly(Quantization.INT4);
        assertThat(StoredPrecision.servable("q2_k")).isEmpty();
        assertThat(StoredPrecision.servable("mystery")).isEmpty();
    }

    @Test
    void weightBytesFollowTheBlockLayouts() {
        long params = 1_000_000_000L;
        assertThat(Quantization.FP16.weightBytes(params)).isEqualTo(2_000_000_000L);
        assertThat(Quantization.INT8.weightBytes(params)).isEqualTo(1_062_500_000L);
        assertThat(Quantization.FP8.weightBytes(params)).isEqualTo(1_062_500_000L);
        assertThat(Quantization.INT4.weightBytes(params)).isEqualTo(562_500_000L);
    }
}
