package dev.ignis.engine.tensor;

/**
 * A weight matrix of {@code rows} x {@code cols}, each row stored contiguously in some GGUF tensor type
 * (ggml's shape {@code [cols, rows]}). The engine multiplies by vectors and reads single rows (embeddings).
 */
public sealed interface Matrix permits F32Matrix, F16Matrix, Q8_0Matrix, BlockMatrix {

    /** Work below this many multiply-adds runs on the calling thread: splitting costs more than it saves. */
    long PARALLEL_THRESHOLD = 1L << 18;

    int rows();

    int cols();

    /** Dot product of row {@code row} with {@code x[0..cols)}. */
    float dot(int row, float[] x);

    /** The scalar twin of {@link #dot}: the reference the vectorized kernel is tested against. */
    float dotScalar(int row, float[] x);

    /** Row {@code row}, dequantized into {@code out[0..cols)}. */
    void row(int row, float[] out);

    /** {@link #matMul(float[][], float[][], int, Workers)} over the common pool. */
    default void matMul(float[][] x, float[][] out, int n) {
        matMul(x, out, n, Workers.common());
    }

    /**
     * {@code out[s][r] = dot(r, x[s])} for the first {@code n} vectors: each weight row is read from memory
     * once for all of them (it stays in cache across the {@code n} dot products), which is what makes
     * decoding several sequences together cheaper than one after another. Rows are split over the workers.
     */
    default void matMul(float[][] x, float[][] out, int n, Workers workers) {
        if (n == 1) {
            matVec(x[0], out[0], workers);
            return;
        }
        int chunk = Math.max(1, rows() / (workers.threads() * 4));
        java.util.function.IntConsumer rowsOfChunk = c -> {
            int end = Math.min(rows(), (c + 1) * chunk);
            for (int r = c * chunk; r < end; r++) {
                for (int s = 0; s < n; s++) {
                    out[s][r] = dot(r, x[s]);
                }
            }
        };
        int chunks = (rows() + chunk - 1) / chunk;
        if ((long) rows() * cols() * n < PARALLEL_THRESHOLD) {
            for (int c = 0; c < chunks; c++) {
                rowsOfChunk.accept(c);
            }
        } else {
            workers.forEach(chunks, rowsOfChunk);
        }
    }

    /** {@link #matVec(float[], float[], Workers)} over the common pool. */
    default void matVec(float[] x, float[] out) {
        matVec(x, out, Workers.common());
    }

    /** {@code out[r] = dot(r, x)} for every row, over the workers when the matrix is large enough. */
    default void matVec(float[] x, float[] out, Workers workers) {
        if ((long) rows() * cols() < PARALLEL_THRESHOLD) {
            for (int r = 0; r < rows(); r++) {
                out[r] = dot(r, x);
            }
            return;
        }
        int chunk = Math.max(1, rows() / (workers.threads() * 4));
        workers.forEach((rows() + chunk - 1) / chunk, c -> {
            int end = Math.min(rows(), (c + 1) * chunk);
            for (int r = c * chunk; r < end; r++) {
                out[r] = dot(r, x);
            }
        });
    }
}
