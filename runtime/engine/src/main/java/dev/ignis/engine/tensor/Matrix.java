package dev.ignis.engine.tensor;

/**
 * A weight matrix of {@code rows} x {@code cols}, each row stored contiguously in some GGUF tensor type
 * (ggml's shape {@code [cols, rows]}). The engine multiplies by vectors and reads single rows (embeddings).
 */
public sealed interface Matrix permits F32Matrix, F16Matrix, PanelMatrix, BlockMatrix {

    /** Work below this many multiply-adds runs on the calling thread: splitting costs more than it saves. */
    long PARALLEL_THRESHOLD = 1L << 18;

    int rows();

    int cols();

    /** Dot product of row {@code row} with {@code x[0..cols)}. */
    float dot(int row, float[] x);

    /** The scalar twin of {@link #dot}: the reference the vectorized kernel is tested against. */
    float dotScalar(int row, float[] x);

    /** Row {@code row}, dequantized into {@code out[offset .. offset + cols)}. */
    void row(int row, float[] out, int offset);

    /** {@link #row(int, float[], int)} at the start of {@code out}. */
    default void row(int row, float[] out) {
        row(row, out, 0);
    }

    /**
     * {@code out[s][r] = dot(r, x[s])} for the rows {@code [from, to)} and the first {@code n} vectors, on the
     * calling thread. Every pair must come out bit-identical to {@link #dot}, so that a row's result never
     * depends on what else was in its batch. Types on the hot path override this with a kernel that decodes
     * each block of weights once for a tile of vectors; this default reads the row once per vector.
     */
    default void dotRows(int from, int to, float[][] x, float[][] out, int n) {
        for (int r = from; r < to; r++) {
            for (int s = 0; s < n; s++) {
                out[s][r] = dot(r, x[s]);
            }
        }
    }

    /** {@link #matMul(float[][], float[][], int, Workers)} over the shared team ({@link Workers#common()}). */
    default void matMul(float[][] x, float[][] out, int n) {
        matMul(x, out, n, Workers.common());
    }

    /**
     * {@code out[s][r] = dot(r, x[s])} for the first {@code n} vectors. The weight rows are split over the
     * workers (never the vectors), so each thread streams its own part of the weights from memory once for
     * all {@code n} vectors ({@link #dotRows}). A single vector takes {@link #matVec}'s loop of its own, so
     * the single-sequence path is compiled apart from the tiles.
     */
    default void matMul(float[][] x, float[][] out, int n, Workers workers) {
        if (n == 1) {
            matVec(x[0], out[0], workers);
            return;
        }
        if ((long) rows() * cols() * n < PARALLEL_THRESHOLD || workers.threads() == 1) {
            dotRows(0, rows(), x, out, n);
            return;
        }
        int chunk = Math.max(1, rows() / (workers.threads() * 4));
        workers.forEach((rows() + chunk - 1) / chunk, c -> dotRows(c * chunk, Math.min(rows(), (c + 1) * chunk), x, out, n));
    }

    /**
     * {@link #matMul(float[][], float[][], int, Workers)} for the rows of one sequence's prompt chunk, where
     * the last bits of a row may depend on the chunk: from {@link Gemm#MIN_VECTORS} vectors on (with the
     * Vector API on), the outer-product product {@link Gemm}, whose every pair is the sequential fused sum of
     * its products ({@link Gemm#reference}) instead of {@link #dot}'s order, for 1.2-3.6x the speed on one
     * thread (AVX2); otherwise exactly {@link #matMul}.
     */
    default void matMulPrompt(float[][] x, float[][] out, int n, Workers workers) {
        if (Gemm.applies(n)) {
            Gemm.matMul(this, x, out, n, workers);
            return;
        }
        matMul(x, out, n, workers);
    }

    /** {@link #matVec(float[], float[], Workers)} over the shared team ({@link Workers#common()}). */
    default void matVec(float[] x, float[] out) {
        matVec(x, out, Workers.common());
    }

    /** {@code out[r] = dot(r, x)} for every row, over the workers when the matrix is large enough ({@link #dotRange}). */
    default void matVec(float[] x, float[] out, Workers workers) {
        if ((long) rows() * cols() < PARALLEL_THRESHOLD || workers.threads() == 1) {
            dotRange(0, rows(), x, out);
            return;
        }
        int chunk = Math.max(1, rows() / (workers.threads() * 4));
        workers.forEach((rows() + chunk - 1) / chunk, c -> dotRange(c * chunk, Math.min(rows(), (c + 1) * chunk), x, out));
    }

    /**
     * {@code out[r] = dot(r, x)} for the rows {@code [from, to)}, on the calling thread: one task of
     * {@link #matVec}. Every result bit-identical to {@link #dot}; a type may take several rows at once.
     */
    default void dotRange(int from, int to, float[] x, float[] out) {
        for (int r = from; r < to; r++) {
            out[r] = dot(r, x);
        }
    }
}
