package dev.ignis.engine.tokenizer;

/**
 * A map from strings to non-negative ints for a vocabulary's pieces and a BPE merge list's ranks: open
 * addressing with linear probing over two parallel arrays, at most three quarters full. A {@code HashMap<String,
 * Integer>} costs ~55 bytes per entry beyond the key (a node, a boxed value above 127, a table slot): 7 MB for
 * Llama 3's 128,256 pieces and 15 MB for its 280,147 merges, which stay on the heap for as long as the model is
 * served. Here an entry costs 11 to 21 bytes (a reference and an int per slot); the keys are the strings the
 * caller already holds.
 */
final class StringIntMap {

    /** What {@link #get} answers for a key that is not in the map. */
    static final int ABSENT = -1;

    private final String[] keys;
    private final int[] values;
    private final int mask;
    private final int shift;
    private final int maxSize;
    private int size;

    /** A map with room for {@code expected} entries. */
    StringIntMap(int expected) {
        // The power of two at or above 4/3 of the entries.
        int slots = (int) Math.min(1 << 30, Math.max(4L, expected) * 4 / 3 + 1);
        int capacity = Integer.highestOneBit(slots - 1) << 1;
        keys = new String[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        shift = Integer.numberOfLeadingZeros(capacity) + 1;
        maxSize = capacity / 4 * 3;
    }

    /** Maps {@code key} to {@code value} unless the key is already there (the first value wins). */
    void putIfAbsent(String key, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("values are non-negative, got " + value);
        }
        int i = slot(key);
        if (keys[i] == null) {
            if (size == maxSize) {
                throw new IllegalStateException("the map was sized for " + maxSize + " entries");
            }
            keys[i] = key;
            values[i] = value;
            size++;
        }
    }

    /** The value of {@code key}, or {@link #ABSENT}. */
    int get(String key) {
        int i = slot(key);
        return keys[i] == null ? ABSENT : values[i];
    }

    int size() {
        return size;
    }

    /** The slot that holds {@code key}, or the empty slot where it would go. */
    private int slot(String key) {
        // Fibonacci hashing: the top bits of the hash times 2^32 / φ, since String.hashCode's low bits vary
        // little between short keys.
        int i = key.hashCode() * 0x9E3779B9 >>> shift;
        while (keys[i] != null && !keys[i].equals(key)) {
            i = (i + 1) & mask;
        }
        return i;
    }
}
