package dev.ignis.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every vectorized kernel agrees with its scalar twin on random data, and dequantization is exact. */
class KernelTwinsTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final SplittableRandom random = new SplittableRandom(7);

    private float[] randomVector(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Test
    void f32DotVectorEqualsScalar() {
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : new int[] {1, 7, 16, 64, 100, 257}) {
                int rows = 5;
                MemorySegment data = arena.allocate((long) rows * cols * 4);
                for (long i = 0; i < (long) rows * cols; i++) {
                    data.set(F32, i * 4, (float) (random.nextDouble() * 2 - 1));
                }
                F32Matrix m = new F32Matrix(data, rows, cols);
                float[] x = randomVector(cols);
                float[] row = new float[cols];
                for (int r = 0; r < rows; r++) {
                    m.row(r, row);
                    assertThat(m.dot(r, x)).isCloseTo(m.dotScalar(r, x), within(1e-4f));
                    assertThat(m.dotScalar(r, x)).isCloseTo(Kernels.dotScalar(row, 0, x, 0, cols), within(1e-6f));
                    assertThat(Kernels.dot(row, 0, x, 0, cols)).isCloseTo(Kernels.dotScalar(row, 0, x, 0, cols),
                            within(1e-4f));
                }
            }
        }
    }

    @Test
    void q8_0DotVectorEqualsScalarAndDequantizesKnownBlocks() {
        int rows = 4;
        int cols = 96;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate((long) rows * (cols / 32) * 34);
            for (int r = 0; r < rows; r++) {
                for (int b = 0; b < cols / 32; b++) {
                    long block = ((long) r * (cols / 32) + b) * 34;
                    data.set(I16, block, Float.floatToFloat16(0.5f * (b + 1)));
                    for (int j = 0; j < 32; j++) {
                        data.set(ValueLayout.JAVA_BYTE, block + 2 + j, (byte) (random.nextInt(256) - 128));
                    }
                }
            }
            Q8_0Matrix m = new Q8_0Matrix(data, rows, cols);
            float[] x = randomVector(cols);
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                assertThat(m.dot(r, x)).isCloseTo(m.dotScalar(r, x), within(1e-3f));
                m.row(r, row);
                for (int i = 0; i < cols; i++) {
                    long block = ((long) r * (cols / 32) + i / 32) * 34;
                    assertThat(row[i]).isEqualTo(0.5f * (i / 32 + 1) * data.get(ValueLayout.JAVA_BYTE, block + 2 + i % 32));
                }
                assertThat(m.dotScalar(r, x)).isCloseTo(Kernels.dotScalar(row, 0, x, 0, cols), within(1e-3f));
            }
        }
    }

    @Test
    void f16RowsDequantizeExactly() {
        int cols = 10;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(cols * 2L);
            float[] values = {0f, 1f, -2f, 0.5f, 65504f, -0.25f, 3.140625f, 1e-3f, 7f, -7f};
            for (int i = 0; i < cols; i++) {
                data.set(I16, i * 2L, Float.floatToFloat16(values[i]));
            }
            float[] row = new float[cols];
            F16Matrix m = new F16Matrix(data, 1, cols);
            m.row(0, row);
            for (int i = 0; i < cols; i++) {
                assertThat(row[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(values[i])));
            }
            float[] x = randomVector(cols);
            assertThat(m.dot(0, x)).isCloseTo(Kernels.dotScalar(row, 0, x, 0, cols), within(1e-4f));
        }
    }

    @Test
    void parallelMatVecEqualsRowByRow() {
        int rows = 700;
        int cols = 512;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate((long) rows * cols * 4);
            for (long i = 0; i < (long) rows * cols; i++) {
                data.set(F32, i * 4, (float) random.nextGaussian());
            }
            F32Matrix m = new F32Matrix(data, rows, cols);
            float[] x = randomVector(cols);
            float[] out = new float[rows];
            m.matVec(x, out);
            for (int r = 0; r < rows; r++) {
                assertThat(out[r]).isEqualTo(m.dot(r, x));
            }
        }
    }
}
