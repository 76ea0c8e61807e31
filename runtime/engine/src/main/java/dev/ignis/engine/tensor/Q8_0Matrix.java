package dev.ignis.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0: in a GGUF file, blocks of 32 values, 34 bytes each: a little-endian F16 scale {@code d}, then 32
 * signed bytes {@code q[i]}; value {@code i} is {@code d * q[i]}.
 *
 * <p><b>Panels.</b> At load the rows are repacked, byte for byte, into panels of {@value #PANEL} rows in
 * native memory ({@link NativeMemory}; the file's pages are then let go, {@link MemorySegment#unload}), so
 * that one vector load reads the same column of sixteen rows. Panel {@code p} holds rows {@code [16p, 16p +
 * 16)} as {@code blocks} × 16 F16 scales (block {@code b}'s sixteen rows at {@code 2 * (16b + i)}), then
 * {@code cols} × 16 signed bytes (column {@code k}'s sixteen rows at {@code 16k + i}): the same 34 bytes per
 * 32 values as the file. Rows past the last are zeros, up to a multiple of four panels.
 *
 * <p><b>Rounding.</b> Every row's product with a vector is the sequential fused sum {@code acc = fma(q[k] *
 * d, x[k], acc)} for {@code k = 0 .. cols - 1} from {@code acc = 0}, where {@code q[k] * d} (a signed byte
 * times an F16 value) is exact in float: the sum {@link Gemm#reference} gives on the dequantized row. The
 * vector kernels compute it for a lane group of rows at once (one lane per row, no horizontal sum): the
 * single-vector product four groups at a time ({@link #vec4}), several vectors in tiles of two groups by
 * eight or four vectors ({@link #tile8x2}, {@link #tile4x2}), each widened weight vector reused for every
 * vector of the tile and each broadcast of {@code x[s][k]} for both groups. So a row's result is the same
 * bits whether its vector was alone, batched with others, or part of a prompt chunk, and equal to {@link
 * #dotScalar}. On an AMD EPYC (AVX-512, 2026-11-28), one thread, eight vectors: 46 → 82 GFLOP/s against the
 * previous row-major tiles (see docs/internals/engine.md, "Q8_0 in panels").
 */
public final class Q8_0Matrix implements Matrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;
    /** Rows per panel. */
    static final int PANEL = 16;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Lanes per vector (rows per lane group): 16 with 512-bit vectors, 8 with 256-bit; 0 runs the scalar twin. */
    static final int LANES = !Kernels.VECTORIZE ? 0 : Kernels.F.length() >= 16 ? 16 : Kernels.F.length() == 8 ? 8 : 0;
    private static final VectorSpecies<Float> F = LANES == 8 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = LANES == 8 ? ByteVector.SPECIES_64 : ByteVector.SPECIES_128;
    /** Lane groups per panel. */
    private static final int GROUPS_PER_PANEL = LANES == 8 ? 2 : 1;
    /** Vectors per tile: eight with 16 lanes (2 × 8 accumulators of AVX-512's 32 registers), four with 8 (AVX2's 16). */
    private static final int TOKENS = LANES == 8 ? 4 : 8;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final MemorySegment panels;
    private final int rows;
    private final int cols;
    private final int blocks;
    private final int panelCount;
    private final long panelBytes;
    /** Where a panel's signed bytes start: after its scales. */
    private final long quantOffset;

    /** Repacks {@code data} (rows × cols in the GGUF layout) into panels; {@code data} is not read again. */
    public Q8_0Matrix(MemorySegment data, int rows, int cols) {
        if (cols % BLOCK != 0) {
            throw new IllegalArgumentException("Q8_0 rows must be a multiple of 32 values, got " + cols);
        }
        if (data.byteSize() != (long) rows * (cols / BLOCK) * BLOCK_BYTES) {
            throw new IllegalArgumentException("Q8_0 matrix " + rows + "x" + cols + " has the wrong byte size "
                    + data.byteSize());
        }
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / BLOCK;
        this.panelCount = (rows + 4 * PANEL - 1) / (4 * PANEL) * 4;
        this.panelBytes = (long) blocks * PANEL * BLOCK_BYTES;
        this.quantOffset = (long) blocks * PANEL * Short.BYTES;
        this.panels = NativeMemory.allocate(panelCount * panelBytes, "Q8_0 weights");
        repack(data);
        if (data.isMapped()) {
            // The rows now live in the panels: drop the file's pages from this process's resident set (they
            // stay in the page cache), so the weights are not counted twice.
            data.unload();
        }
    }

    private void repack(MemorySegment data) {
        long rowBytes = (long) blocks * BLOCK_BYTES;
        byte[] src = new byte[Math.toIntExact(PANEL * rowBytes)];
        byte[] dst = new byte[Math.toIntExact(panelBytes)];
        int q = (int) quantOffset;
        for (int p = 0; p < panelCount && p * PANEL < rows; p++) {
            int count = Math.min(PANEL, rows - p * PANEL);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, p * PANEL * rowBytes, src, 0, (int) (count * rowBytes));
            Arrays.fill(src, (int) (count * rowBytes), src.length, (byte) 0);
            for (int i = 0; i < PANEL; i++) {
                int s = (int) (i * rowBytes);
                for (int b = 0; b < blocks; b++, s += BLOCK_BYTES) {
                    dst[2 * (b * PANEL + i)] = src[s];
                    dst[2 * (b * PANEL + i) + 1] = src[s + 1];
                    int o = q + b * BLOCK * PANEL + i;
                    for (int j = 0; j < BLOCK; j++) {
                        dst[o + j * PANEL] = src[s + 2 + j];
                    }
                }
            }
            MemorySegment.copy(dst, 0, panels, ValueLayout.JAVA_BYTE, p * panelBytes, dst.length);
        }
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /**
     * One row alone: its products form one dependent chain whichever way they are loaded, so this is the
     * scalar twin; the products that matter go through {@link #matVec} and {@link #matMul}, which give the
     * same bits.
     */
    @Override
    public float dot(int row, float[] x) {
        return dotScalar(row, x);
    }

    /** The sequential fused sum of {@code q[k] * d} (exact) times {@code x[k]}: what every kernel here computes. */
    @Override
    public float dotScalar(int row, float[] x) {
        long base = (long) (row / PANEL) * panelBytes;
        int i = row % PANEL;
        float acc = 0;
        for (int b = 0; b < blocks; b++) {
            float d = Float.float16ToFloat(panels.get(SHORT, base + 2L * (b * PANEL + i)));
            for (int j = 0; j < BLOCK; j++) {
                int k = b * BLOCK + j;
                acc = Math.fma(panels.get(ValueLayout.JAVA_BYTE, base + quantOffset + (long) k * PANEL + i) * d, x[k], acc);
            }
        }
        return acc;
    }

    @Override
    public void row(int row, float[] out, int offset) {
        long base = (long) (row / PANEL) * panelBytes;
        int i = row % PANEL;
        for (int b = 0; b < blocks; b++) {
            float d = Float.float16ToFloat(panels.get(SHORT, base + 2L * (b * PANEL + i)));
            for (int j = 0; j < BLOCK; j++) {
                int k = b * BLOCK + j;
                out[offset + k] = panels.get(ValueLayout.JAVA_BYTE, base + quantOffset + (long) k * PANEL + i) * d;
            }
        }
    }

    /** Lane groups of {@link #LANES} rows: group {@code g} holds rows {@code [g * LANES, (g + 1) * LANES)}. */
    private int groups() {
        return panelCount * GROUPS_PER_PANEL;
    }

    @Override
    public void matVec(float[] x, float[] out, Workers workers) {
        if (LANES == 0) {
            Matrix.super.matVec(x, out, workers);
            return;
        }
        int units = groups() / 4;
        if ((long) rows * cols < PARALLEL_THRESHOLD || workers.threads() == 1) {
            vecUnits(0, units, x, out, 0, rows);
            return;
        }
        int chunk = Math.max(1, units / (workers.threads() * 4));
        workers.forEach((units + chunk - 1) / chunk, c -> vecUnits(c * chunk, Math.min(units, (c + 1) * chunk), x, out, 0, rows));
    }

    /** {@code out[r] = dot(r, x)} for rows {@code [from, to)}: the units of four groups that hold them. */
    @Override
    public void dotRange(int from, int to, float[] x, float[] out) {
        if (LANES == 0) {
            Matrix.super.dotRange(from, to, x, out);
            return;
        }
        if (from < to) {
            vecUnits(from / (4 * LANES), (to + 4 * LANES - 1) / (4 * LANES), x, out, from, to);
        }
    }

    @Override
    public void matMul(float[][] x, float[][] out, int n, Workers workers) {
        if (n == 1) {
            matVec(x[0], out[0], workers);
            return;
        }
        if (LANES == 0) {
            Matrix.super.matMul(x, out, n, workers);
            return;
        }
        float[] xp = pack(x, n);
        int units = groups() / 2;
        if ((long) rows * cols * n < PARALLEL_THRESHOLD || workers.threads() == 1) {
            tileUnits(0, units, xp, n, out, 0, rows);
            return;
        }
        int chunk = Math.max(1, units / (workers.threads() * 4));
        workers.forEach((units + chunk - 1) / chunk, c -> tileUnits(c * chunk, Math.min(units, (c + 1) * chunk), xp, n, out, 0, rows));
    }

    /** A prompt chunk takes {@link #matMul}: its products already are the sequential fused sums {@link Gemm} computes. */
    @Override
    public void matMulPrompt(float[][] x, float[][] out, int n, Workers workers) {
        matMul(x, out, n, workers);
    }

    @Override
    public void dotRows(int from, int to, float[][] x, float[][] out, int n) {
        if (LANES == 0) {
            Matrix.super.dotRows(from, to, x, out, n);
            return;
        }
        if (from < to) {
            tileUnits(from / (2 * LANES), (to + 2 * LANES - 1) / (2 * LANES), pack(x, n), n, out, from, to);
        }
    }

    /**
     * {@code x[0 .. n)} packed for the tiles, into the calling thread's buffer: chunk {@code c} (vectors
     * {@code [c * TOKENS, (c + 1) * TOKENS)}) at {@code c * cols * TOKENS}, with {@code x[s][k]} at {@code +
     * k * w + s % TOKENS}, where {@code w} is the chunk's width ({@link #width}); missing vectors are zeros.
     */
    private float[] pack(float[][] x, int n) {
        int chunks = (n + TOKENS - 1) / TOKENS;
        Scratch scratch = SCRATCH.get();
        float[] xp = scratch.packed(chunks * cols * TOKENS);
        for (int c = 0; c < chunks; c++) {
            int w = width(n, c);
            int base = c * cols * TOKENS;
            for (int t = 0; t < w; t++) {
                int s = c * TOKENS + t;
                if (s < n) {
                    float[] xs = x[s];
                    for (int k = 0; k < cols; k++) {
                        xp[base + k * w + t] = xs[k];
                    }
                } else {
                    for (int k = 0; k < cols; k++) {
                        xp[base + k * w + t] = 0f;
                    }
                }
            }
        }
        return xp;
    }

    /** Chunk {@code c}'s tile width: eight vectors with 16 lanes unless four or fewer are left, else four. */
    private static int width(int n, int c) {
        return TOKENS == 8 && n - c * TOKENS > 4 ? 8 : 4;
    }

    /** The single-vector product for the units of four groups {@code [u0, u1)}, rows kept in {@code [lo, hi)}. */
    private void vecUnits(int u0, int u1, float[] x, float[] out, int lo, int hi) {
        Scratch scratch = SCRATCH.get();
        int perPanel = blocks * PANEL;
        float[] sc = scratch.scales(4 * perPanel);
        float[] res = scratch.results(4 * LANES);
        for (int u = u0; u < u1; u++) {
            int g = 4 * u;
            int firstPanel = g / GROUPS_PER_PANEL;
            for (int p = 0; p < 4 / GROUPS_PER_PANEL; p++) {
                scales(firstPanel + p, scratch, sc, p * perPanel);
            }
            vec4(quants(g), quants(g + 1), quants(g + 2), quants(g + 3), sc, scaleAt(g, firstPanel), scaleAt(g + 1, firstPanel),
                    scaleAt(g + 2, firstPanel), scaleAt(g + 3, firstPanel), x, res);
            keep(res, 0, out, g * LANES, 4 * LANES, lo, hi);
        }
    }

    /** The tiles for the units of two groups {@code [u0, u1)} and every chunk of vectors, rows kept in {@code [lo, hi)}. */
    private void tileUnits(int u0, int u1, float[] xp, int n, float[][] out, int lo, int hi) {
        Scratch scratch = SCRATCH.get();
        int perPanel = blocks * PANEL;
        float[] sc = scratch.scales(2 * perPanel);
        float[] res = scratch.results(TOKENS * 2 * LANES);
        int chunks = (n + TOKENS - 1) / TOKENS;
        for (int u = u0; u < u1; u++) {
            int g = 2 * u;
            int firstPanel = g / GROUPS_PER_PANEL;
            for (int p = 0; p < 2 / GROUPS_PER_PANEL; p++) {
                scales(firstPanel + p, scratch, sc, p * perPanel);
            }
            long q0 = quants(g);
            long q1 = quants(g + 1);
            int s0 = scaleAt(g, firstPanel);
            int s1 = scaleAt(g + 1, firstPanel);
            for (int c = 0; c < chunks; c++) {
                int w = width(n, c);
                if (w == 8) {
                    tile8x2(q0, q1, sc, s0, s1, xp, c * cols * TOKENS, res);
                } else {
                    tile4x2(q0, q1, sc, s0, s1, xp, c * cols * TOKENS, res);
                }
                for (int t = 0; t < w && c * TOKENS + t < n; t++) {
                    keep(res, t * 2 * LANES, out[c * TOKENS + t], g * LANES, 2 * LANES, lo, hi);
                }
            }
        }
    }

    /** {@code res[at .. at + count)} into {@code out} from row {@code first}, only the rows in {@code [lo, min(hi, rows))}. */
    private void keep(float[] res, int at, float[] out, int first, int count, int lo, int hi) {
        int from = Math.max(first, lo);
        int to = Math.min(first + count, Math.min(hi, rows));
        if (from < to) {
            System.arraycopy(res, at + from - first, out, from, to - from);
        }
    }

    /** Where group {@code g}'s signed bytes of column 0 are: column {@code k}'s at {@code + 16k}. */
    private long quants(int g) {
        return (long) (g / GROUPS_PER_PANEL) * panelBytes + quantOffset + (long) (g % GROUPS_PER_PANEL) * LANES;
    }

    /** Where group {@code g}'s scales of block 0 are in the converted scales of the panels from {@code firstPanel}. */
    private int scaleAt(int g, int firstPanel) {
        return (g / GROUPS_PER_PANEL - firstPanel) * blocks * PANEL + (g % GROUPS_PER_PANEL) * LANES;
    }

    /** Panel {@code p}'s scales as floats into {@code sc[at ..]} (a loop C2 turns into vector conversions). */
    private void scales(int p, Scratch scratch, float[] sc, int at) {
        int n = blocks * PANEL;
        short[] raw = scratch.raw(n);
        MemorySegment.copy(panels, SHORT, p * panelBytes, raw, 0, n);
        for (int i = 0; i < n; i++) {
            sc[at + i] = Float.float16ToFloat(raw[i]);
        }
    }

    /** The signed bytes at {@code offset}, one per lane, widened to floats. */
    private FloatVector widen(long offset) {
        return (FloatVector) ByteVector.fromMemorySegment(B, panels, offset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * Four lane groups (signed bytes at {@code q0..q3}, scales at {@code sc[s0..s3]}) with {@code x}, into
     * {@code res[0 .. 4 * LANES)}: per column one broadcast of {@code x[k]}, and per group a load, a widening,
     * the multiplication by the block's scales and one FMA; four independent chains.
     */
    private void vec4(long q0, long q1, long q2, long q3, float[] sc, int s0, int s1, int s2, int s3, float[] x, float[] res) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int b = 0; b < blocks; b++) {
            FloatVector d0 = FloatVector.fromArray(F, sc, s0 + b * PANEL);
            FloatVector d1 = FloatVector.fromArray(F, sc, s1 + b * PANEL);
            FloatVector d2 = FloatVector.fromArray(F, sc, s2 + b * PANEL);
            FloatVector d3 = FloatVector.fromArray(F, sc, s3 + b * PANEL);
            for (int j = 0; j < BLOCK; j++) {
                int k = b * BLOCK + j;
                long o = (long) k * PANEL;
                FloatVector y = FloatVector.broadcast(F, x[k]);
                a0 = widen(q0 + o).mul(d0).fma(y, a0);
                a1 = widen(q1 + o).mul(d1).fma(y, a1);
                a2 = widen(q2 + o).mul(d2).fma(y, a2);
                a3 = widen(q3 + o).mul(d3).fma(y, a3);
            }
        }
        int l = F.length();
        a0.intoArray(res, 0);
        a1.intoArray(res, l);
        a2.intoArray(res, 2 * l);
        a3.intoArray(res, 3 * l);
    }

    /**
     * Two lane groups with a chunk of eight vectors packed at {@code xp[xo ..]} ({@code x[t][k]} at {@code xo
     * + 8k + t}), into {@code res[t * 2 * LANES ..]} (group 0's lanes, then group 1's): per column two weight
     * vectors, eight broadcasts and sixteen FMAs into sixteen accumulators.
     */
    private void tile8x2(long q0, long q1, float[] sc, int s0, int s1, float[] xp, int xo, float[] res) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z;
        FloatVector c01 = z;
        FloatVector c02 = z;
        FloatVector c03 = z;
        FloatVector c04 = z;
        FloatVector c05 = z;
        FloatVector c06 = z;
        FloatVector c07 = z;
        FloatVector c10 = z;
        FloatVector c11 = z;
        FloatVector c12 = z;
        FloatVector c13 = z;
        FloatVector c14 = z;
        FloatVector c15 = z;
        FloatVector c16 = z;
        FloatVector c17 = z;
        for (int b = 0; b < blocks; b++) {
            FloatVector d0 = FloatVector.fromArray(F, sc, s0 + b * PANEL);
            FloatVector d1 = FloatVector.fromArray(F, sc, s1 + b * PANEL);
            for (int j = 0; j < BLOCK; j++) {
                int k = b * BLOCK + j;
                long o = (long) k * PANEL;
                FloatVector w0 = widen(q0 + o).mul(d0);
                FloatVector w1 = widen(q1 + o).mul(d1);
                int at = xo + 8 * k;
                FloatVector y = FloatVector.broadcast(F, xp[at]);
                c00 = w0.fma(y, c00);
                c10 = w1.fma(y, c10);
                y = FloatVector.broadcast(F, xp[at + 1]);
                c01 = w0.fma(y, c01);
                c11 = w1.fma(y, c11);
                y = FloatVector.broadcast(F, xp[at + 2]);
                c02 = w0.fma(y, c02);
                c12 = w1.fma(y, c12);
                y = FloatVector.broadcast(F, xp[at + 3]);
                c03 = w0.fma(y, c03);
                c13 = w1.fma(y, c13);
                y = FloatVector.broadcast(F, xp[at + 4]);
                c04 = w0.fma(y, c04);
                c14 = w1.fma(y, c14);
                y = FloatVector.broadcast(F, xp[at + 5]);
                c05 = w0.fma(y, c05);
                c15 = w1.fma(y, c15);
                y = FloatVector.broadcast(F, xp[at + 6]);
                c06 = w0.fma(y, c06);
                c16 = w1.fma(y, c16);
                y = FloatVector.broadcast(F, xp[at + 7]);
                c07 = w0.fma(y, c07);
                c17 = w1.fma(y, c17);
            }
        }
        int l = F.length();
        c00.intoArray(res, 0);
        c10.intoArray(res, l);
        c01.intoArray(res, 2 * l);
        c11.intoArray(res, 3 * l);
        c02.intoArray(res, 4 * l);
        c12.intoArray(res, 5 * l);
        c03.intoArray(res, 6 * l);
        c13.intoArray(res, 7 * l);
        c04.intoArray(res, 8 * l);
        c14.intoArray(res, 9 * l);
        c05.intoArray(res, 10 * l);
        c15.intoArray(res, 11 * l);
        c06.intoArray(res, 12 * l);
        c16.intoArray(res, 13 * l);
        c07.intoArray(res, 14 * l);
        c17.intoArray(res, 15 * l);
    }

    /** {@link #tile8x2} for a chunk of four vectors ({@code x[t][k]} at {@code xo + 4k + t}): eight accumulators. */
    private void tile4x2(long q0, long q1, float[] sc, int s0, int s1, float[] xp, int xo, float[] res) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z;
        FloatVector c01 = z;
        FloatVector c02 = z;
        FloatVector c03 = z;
        FloatVector c10 = z;
        FloatVector c11 = z;
        FloatVector c12 = z;
        FloatVector c13 = z;
        for (int b = 0; b < blocks; b++) {
            FloatVector d0 = FloatVector.fromArray(F, sc, s0 + b * PANEL);
            FloatVector d1 = FloatVector.fromArray(F, sc, s1 + b * PANEL);
            for (int j = 0; j < BLOCK; j++) {
                int k = b * BLOCK + j;
                long o = (long) k * PANEL;
                FloatVector w0 = widen(q0 + o).mul(d0);
                FloatVector w1 = widen(q1 + o).mul(d1);
                int at = xo + 4 * k;
                FloatVector y = FloatVector.broadcast(F, xp[at]);
                c00 = w0.fma(y, c00);
                c10 = w1.fma(y, c10);
                y = FloatVector.broadcast(F, xp[at + 1]);
                c01 = w0.fma(y, c01);
                c11 = w1.fma(y, c11);
                y = FloatVector.broadcast(F, xp[at + 2]);
                c02 = w0.fma(y, c02);
                c12 = w1.fma(y, c12);
                y = FloatVector.broadcast(F, xp[at + 3]);
                c03 = w0.fma(y, c03);
                c13 = w1.fma(y, c13);
            }
        }
        int l = F.length();
        c00.intoArray(res, 0);
        c10.intoArray(res, l);
        c01.intoArray(res, 2 * l);
        c11.intoArray(res, 3 * l);
        c02.intoArray(res, 4 * l);
        c12.intoArray(res, 5 * l);
        c03.intoArray(res, 6 * l);
        c13.intoArray(res, 7 * l);
    }

    /** A thread's buffers for the kernels: packed vectors, converted scales, raw scales and a tile's results. */
    private static final class Scratch {
        private float[] packed = new float[0];
        private float[] scales = new float[0];
        private short[] raw = new short[0];
        private float[] results = new float[0];

        float[] packed(int size) {
            if (packed.length < size) {
                packed = new float[size];
            }
            return packed;
        }

        float[] scales(int size) {
            if (scales.length < size) {
                scales = new float[size];
            }
            return scales;
        }

        short[] raw(int size) {
            if (raw.length < size) {
                raw = new short[size];
            }
            return raw;
        }

        float[] results(int size) {
            if (results.length < size) {
                results = new float[size];
            }
            return results;
        }
    }
}
