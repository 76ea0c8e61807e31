package dev.ignis.runtime.inference;

import dev.ignis.engine.generate.StopMatcher;
import dev.ignis.engine.generate.Utf8Stream;
import dev.ignis.engine.model.KvCache;
import dev.ignis.engine.sampling.JsonConstraint;
import dev.ignis.engine.sampling.Sampler;
import dev.ignis.engine.sampling.TokenTrie;
import dev.ignis.runtime.inference.InferenceLoop.Handle;
import java.util.ArrayList;
import java.util.List;

/** One sequence's place in the loop: its KV cache and scratch buffers are reused by the next request. */
final class Slot {
    final KvCache cache;
    final int[] ids;      // (context) the token at each position the cache holds; valid below position
    final float[] logits; // (vocab) of the last position processed
    long lastUsed;
    Handle handle;
    int position;         // next position to run
    int advanceTo;        // position after this step's rows
    int generated;
    int cached;           // prompt tokens found in the cache when the request started
    long lastToken;
    List<Integer> history;
    Sampler sampler;
    JsonConstraint json;  // null for free text
    StopMatcher stops;
    Utf8Stream utf8;

    Slot(KvCache cache, int contextSize, float[] logits) {
        this.cache = cache;
        this.ids = new int[contextSize];
        this.logits = logits;
    }

    /** Starts a request whose first {@code reuse} prompt tokens are already in the cache. */
    void start(Handle h, TokenTrie vocabulary, int reuse, long now) {
        handle = h;
        lastUsed = now;
        position = reuse;
        advanceTo = reuse;
        cached = reuse;
        generated = 0;
        history = new ArrayList<>(h.request.prompt());
        sampler = new Sampler(h.request.sampling());
        json = h.request.json() == null ? null : new JsonConstraint(h.request.json(), vocabulary);
        stops = new StopMatcher(h.request.stops());
        utf8 = new Utf8Stream();
    }

    void finish(String reason, String error) {
        Handle h = handle;
        handle = null;
        if (error != null) {
            h.request.listener().failed(error);
        } else {
            h.request.listener().done(reason, h.request.prompt().size(), cached, generated);
        }
    }
}
