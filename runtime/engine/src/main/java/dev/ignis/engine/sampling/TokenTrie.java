package dev.ignis.engine.sampling;

import dev.ignis.engine.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * Every token's bytes, computed once per vocabulary, and a trie over them: tokens that share a prefix
 * share its path, so masking the vocabulary walks each distinct prefix through the grammar once instead
 * of every token's bytes one by one, and a refused byte prunes every token below it. Tokens without bytes
 * (control tokens such as BOS and EOS) are not in the trie. Immutable; shared by every sequence.
 */
public final class TokenTrie {

    private final byte[][] tokenBytes;  // (vocab) each token's bytes; empty for control tokens
    private final int eos;
    // Nodes: node 0 is the root; children form a linked list through nextSibling.
    private int[] firstChild;   // (nodes) first child, or -1
    private int[] nextSibling;  // (nodes) next child of the same parent, or -1
    private byte[] edge;        // (nodes) the byte leading to this node
    private int[] firstToken;   // (nodes) a token whose bytes end here, or -1
    private final int[] nextToken; // (vocab) another token with the same bytes, or -1
    private int nodes;

    public TokenTrie(Tokenizer tokenizer) {
        int vocab = tokenizer.vocabularySize();
        this.tokenBytes = new byte[vocab][];
        this.eos = tokenizer.eos();
        this.nextToken = new int[vocab];
        int capacity = 1024;
        firstChild = new int[capacity];
        nextSibling = new int[capacity];
        edge = new byte[capacity];
        firstToken = new int[capacity];
        nodes = 1;
        firstChild[0] = -1;
        nextSibling[0] = -1;
        firstToken[0] = -1;
        for (int token = 0; token < vocab; token++) {
            byte[] bytes = tokenizer.tokenBytes(token);
            tokenBytes[token] = bytes;
            nextToken[token] = -1;
            if (bytes.length == 0) {
                continue;
            }
            int node = 0;
            for (byte b : bytes) {
                node = child(node, b);
            }
            nextToken[token] = firstToken[node];
            firstToken[node] = token;
        }
    }

    private int child(int node, byte b) {
        for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
            if (edge[c] == b) {
                return c;
            }
        }
        if (nodes == firstChild.length) {
            int capacity = nodes * 2;
            firstChild = Arrays.copyOf(firstChild, capacity);
            nextSibling = Arrays.copyOf(nextSibling, capacity);
            edge = Arrays.copyOf(edge, capacity);
            firstToken = Arrays.copyOf(firstToken, capacity);
        }
        int c = nodes++;
        edge[c] = b;
        firstChild[c] = -1;
        firstToken[c] = -1;
        nextSibling[c] = firstChild[node];
        firstChild[node] = c;
        return c;
    }

    public int vocabularySize() {
        return tokenBytes.length;
    }

    public int eos() {
        return eos;
    }

    /** Nodes in the trie (for measurements). */
    public int nodeCount() {
        return nodes;
    }

    byte[] bytes(int token) {
        return tokenBytes[token];
    }

    /**
     * Marks in {@code allowed} every token whose bytes the grammar accepts from {@code state}; returns how
     * many. Tokens not accepted are left as they were (the caller clears the array first).
     */
    int allowed(JsonGrammar grammar, JsonGrammar.State state, boolean[] allowed) {
        return walk(grammar, state, 0, allowed);
    }

    private int walk(JsonGrammar grammar, JsonGrammar.State state, int node, boolean[] allowed) {
        int count = 0;
        for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
            JsonGrammar.State next = grammar.step(state, edge[c]);
            if (next == null) {
                continue;
            }
            for (int t = firstToken[c]; t >= 0; t = nextToken[t]) {
                allowed[t] = true;
                count++;
            }
            count += walk(grammar, next, c, allowed);
        }
        return count;
    }
}
