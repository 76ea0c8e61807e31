package dev.ignis.engine.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes each step's highest logits as JSON, so that the engine's output on a GGUF file can be compared with
 * another engine's on the same file and the same token ids: an array with one object per position,
 * {@code {"pos": 3, "token": 1023, "generated": true, "top": [[1023, 12.5], [88, 11.25], ...]}}, where
 * {@code token} is the token that follows the position and {@code top} the {@code k} best (id, logit) pairs,
 * best first. The raw logits are written, before any sampling step changes them.
 */
final class TopLogitsWriter implements AutoCloseable {

    private final BufferedWriter out;
    private final int k;
    private boolean first = true;

    TopLogitsWriter(Path file, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + k);
        }
        this.k = k;
        try {
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            out.write("[");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    void step(int pos, float[] logits, int next, boolean generated) {
        int[] best = top(logits, Math.min(k, logits.length));
        StringBuilder line = new StringBuilder(first ? "\n" : ",\n");
        first = false;
        line.append(String.format(Locale.ROOT, "{\"pos\": %d, \"token\": %d, \"generated\": %b, \"top\": [", pos, next,
                generated));
        for (int i = 0; i < best.length; i++) {
            line.append(i == 0 ? "" : ", ").append('[').append(best[i]).append(", ")
                    .append(Float.isFinite(logits[best[i]]) ? Float.toString(logits[best[i]]) : "null").append(']');
        }
        line.append("]}");
        try {
            out.write(line.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The indices of the k largest values, largest first (ties: the lower index first). */
    static int[] top(float[] values, int k) {
        int[] best = new int[k];
        int size = 0;
        for (int i = 0; i < values.length; i++) {
            if (size == k && !(values[i] > values[best[k - 1]])) {
                continue;
            }
            int at = size < k ? size++ : k - 1;
            while (at > 0 && values[i] > values[best[at - 1]]) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        return best;
    }

    @Override
    public void close() {
        try {
            out.write("\n]\n");
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
