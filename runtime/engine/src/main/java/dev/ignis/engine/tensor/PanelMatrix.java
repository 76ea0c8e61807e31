package dev.ignis.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A block-quantized matrix (Q8_0, Q4_0: blocks of 32 values with an F16 scale {@code d}) repacked at load
 * into panels of {@value #PANEL} rows in native memory ({@link NativeMemory}), so that one vector load reads
 * the same column of sixteen rows. Panel {@code p} holds rows {@code [16p, 16p + 16)}: first {@code blocks}
 * × 16 F16 scales (block {@code b}'s sixteen rows at {@code 2 * (16b + i)}), then the quantized values
 * column by column, each column's (or pair of columns') sixteen rows next to each other, in the layout of
 * the subclass. The panels take the file's bytes per value; rows past the last are zeros, up to a multiple
 * of four panels. When the source was a mapped file its pages are let go after the copy ({@link
 * MemorySegment#unload}), so the weights are not resident twice.
 *
 * <p><b>Rounding.</b> Every row's product with a vector is the sequential fused sum {@code acc = fma(w[k],
 * x[k], acc)} for {@code k = 0 .. cols - 1} from {@code acc = 0}, where {@code w[k]} (a small integer times
 * an F16 value) is exact in float: the sum {@link Gemm#reference} gives on the dequantized row. The vector
 * kernels compute it for a lane group of rows at once (one lane per row, so no horizontal sum): the
 * single-vector product four groups at a time ({@code vec4}), several vectors in tiles of two groups by
 * eight or four vectors ({@code tile8x2}, {@code tile4x2}: each weight vector decoded once for every vector
 * of the tile, each broadcast of {@code x[s][k]} used for both groups). So a row's result is the same bits
 * alone, batched, or in a prompt chunk, and equals {@link #dotScalar}. See docs/internals/engine.md, "Q8_0
 * and Q4_0 in panels".
 */
public abstract sealed class PanelMatrix implements Matrix permits Q8_0Matrix, Q4_0Matrix {

    static final int BLOCK = 32;
    /** Rows per panel. */
    static final int PANEL = 16;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Lanes per vector (rows per lane group): 16 with 512-bit vectors, 8 with 256-bit; 0 runs the scalar twin. */
    static final int LANES = !Kernels.VECTORIZE ? 0 : Kernels.F.length() >= 16 ? 16 : Kernels.F.length() == 8 ? 8 : 0;
    static final VectorSpecies<Float> F = LANES == 8 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_512;
    /** One byte per lane. */
    static final VectorSpecies<Byte> B = LANES == 8 ? ByteVector.SPECIES_64 : ByteVector.SPECIES_128;
    /** Lane groups per panel. */
    private static final int GROUPS_PER_PANEL = LANES == 8 ? 2 : 1;
    /** Vectors per tile: eight with 16 lanes (2 × 8 accumulators of AVX-512's 32 registers), four with 8 (AVX2's 16). */
    private static final int TOKENS = LANES == 8 ? 4 : 8;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    /**
     * From this many vectors on (a prompt chunk, or sixteen sequences decoding), a unit's weights are decoded into floats once, a block of
     * {@link #KC} columns at a time, for all chunks of vectors ({@link #tileF8x2}), instead of once per chunk.
     */
    static final int DECODE_ONCE = 16;
    /** Columns decoded at a time: two groups' {@code KC} columns of floats (32 KB with 16 lanes) stay in L1. */
    private static final int KC = 256;

    final MemorySegment panels;
    final int rows;
    final int cols;
    final int blocks;
    final int panelCount;
    final long panelBytes;
    /** Where a panel's quantized values start: after its scales. */
    final long quantOffset;

    /**
     * Rows of a matrix in the GGUF layout of its type, {@code blockBytes} per block of 32 values, written on
     * request: from a file's bytes, or encoded from another matrix as they are needed. Called from the
     * shared team's threads at once, for different rows.
     */
    @FunctionalInterface
    interface Rows {
        /** Writes rows {@code [first, first + count)} to {@code dst} from index 0, one after the other. */
        void write(int first, int count, byte[] dst);
    }

    /**
     * {@code source} ({@code rows} × {@code cols} values of the named type in the GGUF layout, {@code
     * blockBytes} per block of 32) repacked into panels of native memory; {@code source} is not read again,
     * and when it is a mapped file its pages are let go (they stay in the page cache), so the weights are not
     * resident twice.
     */
    PanelMatrix(MemorySegment source, int rows, int cols, int blockBytes, String type) {
        this(rows, cols, blockBytes, type, fromSegment(source, rows, cols, blockBytes, type));
        if (source.isMapped()) {
            source.unload();
        }
    }

    private static Rows fromSegment(MemorySegment source, int rows, int cols, int blockBytes, String type) {
        checkColumns(cols, type);
        long rowBytes = (long) (cols / BLOCK) * blockBytes;
        if (source.byteSize() != rows * rowBytes) {
            throw new IllegalArgumentException(type + " matrix " + rows + "x" + cols + " has the wrong byte size "
                    + source.byteSize());
        }
        return (first, count, dst) -> MemorySegment.copy(source, ValueLayout.JAVA_BYTE, first * rowBytes, dst, 0,
                (int) (count * rowBytes));
    }

    private static void checkColumns(int cols, String type) {
        if (cols % BLOCK != 0) {
            throw new IllegalArgumentException(type + " rows must be a multiple of 32 values, got " + cols);
        }
    }

    /**
     * The panels of a {@code rows} × {@code cols} matrix of the named type filled from {@code source}, a
     * panel's rows at a time over the shared team's threads, so that no other copy of the whole matrix is
     * ever made (a conversion at load encodes each panel's rows just before they are repacked).
     */
    PanelMatrix(int rows, int cols, int blockBytes, String type, Rows source) {
        checkColumns(cols, type);
        this.rows = rows;
        this.cols = cols;
        this.blocks = cols / BLOCK;
        this.panelCount = (rows + 4 * PANEL - 1) / (4 * PANEL) * 4;
        this.panelBytes = (long) blocks * PANEL * blockBytes;
        this.quantOffset = (long) blocks * PANEL * Short.BYTES;
        this.panels = NativeMemory.allocate(panelCount * panelBytes, type + " weights");
        repack(source, blockBytes);
    }

    /** Fills the panels from {@code source}, a panel at a time ({@link #repack(byte[], byte[])}) over the shared team's threads. */
    private void repack(Rows source, int blockBytes) {
        long rowBytes = (long) blocks * blockBytes;
        int filled = (rows + PANEL - 1) / PANEL;
        int perTask = Workers.perTask(filled, panelBytes);
        Workers.common().forEach((filled + perTask - 1) / perTask, task -> {
            byte[] src = new byte[Math.toIntExact(PANEL * rowBytes)];
            byte[] dst = new byte[Math.toIntExact(panelBytes)];
            for (int p = task * perTask; p < Math.min(filled, (task + 1) * perTask); p++) {
                int count = Math.min(PANEL, rows - p * PANEL);
                source.write(p * PANEL, count, src);
                Arrays.fill(src, (int) (count * rowBytes), src.length, (byte) 0);
                repack(src, dst);
                MemorySegment.copy(dst, 0, panels, ValueLayout.JAVA_BYTE, p * panelBytes, dst.length);
            }
        });
    }

    /**
     * One panel: its sixteen rows as in the file ({@code src}, zeros past the last row) into {@code dst}. Runs
     * from the constructor, so it may only read this class's fields (the subclasses have none).
     */
    abstract void repack(byte[] src, byte[] dst);

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    /**
     * One row alone: its products form one dependent chain whichever way they are loaded, so this is the
     * scalar twin; the products that matter go through {@link #matVec} and {@link #matMul}, which give the
     * same bits.
     */
    @Override
    public final float dot(int row, float[] x) {
        return dotScalar(row, x);
    }

    /** Lane groups of {@link #LANES} rows: group {@code g} holds rows {@code [g * LANES, (g + 1) * LANES)}. */
    private int groups() {
        return panelCount * GROUPS_PER_PANEL;
    }

    @Override
    public final void matVec(float[] x, float[] out, Workers workers) {
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
    public final void dotRange(int from, int to, float[] x, float[] out) {
        if (LANES == 0) {
            Matrix.super.dotRange(from, to, x, out);
            return;
        }
        if (from < to) {
            vecUnits(from / (4 * LANES), (to + 4 * LANES - 1) / (4 * LANES), x, out, from, to);
        }
    }

    @Override
    public final void matMul(float[][] x, float[][] out, int n, Workers workers) {
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
    public final void matMulPrompt(float[][] x, float[][] out, int n, Workers workers) {
        matMul(x, out, n, workers);
    }

    @Override
    public final void dotRows(int from, int to, float[][] x, float[][] out, int n) {
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
        float[] xp = SCRATCH.get().packed(chunks * cols * TOKENS);
        for (int c = 0; c < chunks; c++) {
            int w = width(n, c);
            int base = c * cols * TOKENS;
            for (int t = 0; t < w; t++) {
                int s = c * TOKENS + t;
                float[] xs = s < n ? x[s] : null;
                for (int k = 0; k < cols; k++) {
                    xp[base + k * w + t] = xs == null ? 0f : xs[k];
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
        if (n >= DECODE_ONCE) {
            decodedUnits(u0, u1, xp, n, out, lo, hi);
            return;
        }
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

    /**
     * {@link #tileUnits} for many vectors: per unit, each block of {@link #KC} columns of its two groups is
     * decoded into floats once ({@link #decode}, the same exact values the tiles compute), then every chunk of
     * vectors passes over it ({@link #tileF8x2}, {@link #tileF4x2}), its accumulators waiting in an array
     * between blocks (a float stored and loaded back, so the same bits).
     */
    private void decodedUnits(int u0, int u1, float[] xp, int n, float[][] out, int lo, int hi) {
        Scratch scratch = SCRATCH.get();
        int perPanel = blocks * PANEL;
        float[] sc = scratch.scales(2 * perPanel);
        float[] w = scratch.decoded(KC * 2 * LANES);
        int chunks = (n + TOKENS - 1) / TOKENS;
        int tile = TOKENS * 2 * LANES;
        float[] acc = scratch.accumulators(chunks * tile);
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
            Arrays.fill(acc, 0, chunks * tile, 0f);
            for (int k0 = 0; k0 < cols; k0 += KC) {
                int k1 = Math.min(cols, k0 + KC);
                decode(q0, q1, sc, s0, s1, k0, k1, w);
                for (int c = 0; c < chunks; c++) {
                    if (width(n, c) == 8) {
                        tileF8x2(w, k1 - k0, xp, c * cols * TOKENS + 8 * k0, acc, c * tile);
                    } else {
                        tileF4x2(w, k1 - k0, xp, c * cols * TOKENS + 4 * k0, acc, c * tile);
                    }
                }
            }
            for (int c = 0; c < chunks; c++) {
                for (int t = 0; t < width(n, c) && c * TOKENS + t < n; t++) {
                    keep(acc, c * tile + t * 2 * LANES, out[c * TOKENS + t], g * LANES, 2 * LANES, lo, hi);
                }
            }
        }
    }

    /**
     * Columns {@code [0, count)} of two groups' decoded weights ({@code w[k * 2 * LANES ..]}: group 0's lanes,
     * then group 1's) with eight vectors packed at {@code xp[xo ..]} ({@code x[t][k]} at {@code xo + 8k + t}),
     * added to the sixteen accumulators at {@code acc[a ..]} (laid out as {@link #tile8x2}'s results).
     */
    private static void tileF8x2(float[] w, int count, float[] xp, int xo, float[] acc, int a) {
        int l = F.length();
        FloatVector c00 = FloatVector.fromArray(F, acc, a);
        FloatVector c10 = FloatVector.fromArray(F, acc, a + l);
        FloatVector c01 = FloatVector.fromArray(F, acc, a + 2 * l);
        FloatVector c11 = FloatVector.fromArray(F, acc, a + 3 * l);
        FloatVector c02 = FloatVector.fromArray(F, acc, a + 4 * l);
        FloatVector c12 = FloatVector.fromArray(F, acc, a + 5 * l);
        FloatVector c03 = FloatVector.fromArray(F, acc, a + 6 * l);
        FloatVector c13 = FloatVector.fromArray(F, acc, a + 7 * l);
        FloatVector c04 = FloatVector.fromArray(F, acc, a + 8 * l);
        FloatVector c14 = FloatVector.fromArray(F, acc, a + 9 * l);
        FloatVector c05 = FloatVector.fromArray(F, acc, a + 10 * l);
        FloatVector c15 = FloatVector.fromArray(F, acc, a + 11 * l);
        FloatVector c06 = FloatVector.fromArray(F, acc, a + 12 * l);
        FloatVector c16 = FloatVector.fromArray(F, acc, a + 13 * l);
        FloatVector c07 = FloatVector.fromArray(F, acc, a + 14 * l);
        FloatVector c17 = FloatVector.fromArray(F, acc, a + 15 * l);
        for (int k = 0; k < count; k++) {
            FloatVector w0 = FloatVector.fromArray(F, w, 2 * l * k);
            FloatVector w1 = FloatVector.fromArray(F, w, 2 * l * k + l);
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
        c00.intoArray(acc, a);
        c10.intoArray(acc, a + l);
        c01.intoArray(acc, a + 2 * l);
        c11.intoArray(acc, a + 3 * l);
        c02.intoArray(acc, a + 4 * l);
        c12.intoArray(acc, a + 5 * l);
        c03.intoArray(acc, a + 6 * l);
        c13.intoArray(acc, a + 7 * l);
        c04.intoArray(acc, a + 8 * l);
        c14.intoArray(acc, a + 9 * l);
        c05.intoArray(acc, a + 10 * l);
        c15.intoArray(acc, a + 11 * l);
        c06.intoArray(acc, a + 12 * l);
        c16.intoArray(acc, a + 13 * l);
        c07.intoArray(acc, a + 14 * l);
        c17.intoArray(acc, a + 15 * l);
    }

    /** {@link #tileF8x2} for four vectors ({@code x[t][k]} at {@code xo + 4k + t}): eight accumulators. */
    private static void tileF4x2(float[] w, int count, float[] xp, int xo, float[] acc, int a) {
        int l = F.length();
        FloatVector c00 = FloatVector.fromArray(F, acc, a);
        FloatVector c10 = FloatVector.fromArray(F, acc, a + l);
        FloatVector c01 = FloatVector.fromArray(F, acc, a + 2 * l);
        FloatVector c11 = FloatVector.fromArray(F, acc, a + 3 * l);
        FloatVector c02 = FloatVector.fromArray(F, acc, a + 4 * l);
        FloatVector c12 = FloatVector.fromArray(F, acc, a + 5 * l);
        FloatVector c03 = FloatVector.fromArray(F, acc, a + 6 * l);
        FloatVector c13 = FloatVector.fromArray(F, acc, a + 7 * l);
        for (int k = 0; k < count; k++) {
            FloatVector w0 = FloatVector.fromArray(F, w, 2 * l * k);
            FloatVector w1 = FloatVector.fromArray(F, w, 2 * l * k + l);
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
        c00.intoArray(acc, a);
        c10.intoArray(acc, a + l);
        c01.intoArray(acc, a + 2 * l);
        c11.intoArray(acc, a + 3 * l);
        c02.intoArray(acc, a + 4 * l);
        c12.intoArray(acc, a + 5 * l);
        c03.intoArray(acc, a + 6 * l);
        c13.intoArray(acc, a + 7 * l);
    }

    /** {@code res[at .. at + count)} into {@code out} from row {@code first}, only the rows in {@code [lo, min(hi, rows))}. */
    private void keep(float[] res, int at, float[] out, int first, int count, int lo, int hi) {
        int from = Math.max(first, lo);
        int to = Math.min(first + count, Math.min(hi, rows));
        if (from < to) {
            System.arraycopy(res, at + from - first, out, from, to - from);
        }
    }

    /** Where group {@code g}'s quantized values start; the subclass's layout says where each column is. */
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

    /** Row {@code row}'s scale of block {@code b}. */
    final float scale(int row, int b) {
        return Float.float16ToFloat(panels.get(SHORT, (long) (row / PANEL) * panelBytes + 2L * (b * PANEL + row % PANEL)));
    }

    /**
     * Four lane groups (values from {@code q0..q3}, block {@code b}'s scales at {@code sc[s + b * PANEL]})
     * with {@code x}, into {@code res[0 .. 4 * LANES)}: four independent chains.
     */
    abstract void vec4(long q0, long q1, long q2, long q3, float[] sc, int s0, int s1, int s2, int s3, float[] x, float[] res);

    /**
     * Two lane groups with a chunk of eight vectors packed at {@code xp[xo ..]} ({@code x[t][k]} at {@code xo
     * + 8k + t}), into {@code res[t * 2 * LANES ..]} (group 0's lanes, then group 1's): per column two weight
     * vectors, eight broadcasts and sixteen FMAs into sixteen accumulators, the weights decoded in the loop.
     */
    abstract void tile8x2(long q0, long q1, float[] sc, int s0, int s1, float[] xp, int xo, float[] res);

    /** {@link #tile8x2} for a chunk of four vectors ({@code x[t][k]} at {@code xo + 4k + t}): eight accumulators. */
    abstract void tile4x2(long q0, long q1, float[] sc, int s0, int s1, float[] xp, int xo, float[] res);

    /**
     * Columns {@code [k0, k1)} ({@code k0} a multiple of 32) of two groups, decoded into floats: column {@code
     * k}'s values of group 0 at {@code w[(k - k0) * 2 * LANES]}, group 1's after them.
     */
    abstract void decode(long q0, long q1, float[] sc, int s0, int s1, int k0, int k1, float[] w);

    /** A thread's buffers for the kernels: packed vectors, converted and raw scales, results, decoded columns. */
    private static final class Scratch {
        private float[] packed = new float[0];
        private float[] scales = new float[0];
        private short[] raw = new short[0];
        private float[] results = new float[0];
        private float[] decoded = new float[0];
        private float[] accumulators = new float[0];

        float[] packed(int size) {
            return packed = atLeast(packed, size);
        }

        float[] scales(int size) {
            return scales = atLeast(scales, size);
        }

        short[] raw(int size) {
            if (raw.length < size) {
                raw = new short[size];
            }
            return raw;
        }

        float[] results(int size) {
            return results = atLeast(results, size);
        }

        float[] decoded(int size) {
            return decoded = atLeast(decoded, size);
        }

        float[] accumulators(int size) {
            return accumulators = atLeast(accumulators, size);
        }

        private static float[] atLeast(float[] a, int size) {
            return a.length < size ? new float[size] : a;
        }
    }
}
