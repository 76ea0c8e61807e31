package dev.ignis.engine.generate;

import dev.ignis.engine.model.KvCache;
import dev.ignis.engine.model.Llama;
import dev.ignis.engine.sampling.Greedy;
import dev.ignis.engine.sampling.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Runs a prompt through the model and continues it greedily, one position at a time: while the prompt
 * lasts its next token is forced, after that the model's choice is taken.
 */
public final class Generator {

    private final Llama model;

    public Generator(Llama model) {
        this.model = model;
    }

    /** What one step saw: the position, the logits there and the token that follows. */
    public interface StepListener {
        void step(int pos, float[] logits, int next, boolean generated);
    }

    /**
     * @param prompt   token ids, starting with BOS when the model expects one; not empty
     * @param steps    total positions to run, prompt included (llama2.c's convention)
     * @param stop     ends generation early when a generated token matches (e.g. EOS)
     * @return the tokens after the first prompt token: the rest of the prompt, then the generated ones
     */
    public List<Integer> greedy(List<Integer> prompt, int steps, IntPredicate stop, StepListener listener) {
        return run(prompt, steps, stop, listener, null);
    }

    /** Like {@link #greedy}, but the generated tokens are drawn by {@code sampler}. */
    public List<Integer> sample(List<Integer> prompt, int steps, IntPredicate stop, Sampler sampler) {
        return run(prompt, steps, stop, null, sampler);
    }

    /** Like {@link #sample}, telling {@code listener} each step's logits as the model produced them. */
    public List<Integer> sample(List<Integer> prompt, int steps, IntPredicate stop, Sampler sampler,
                                StepListener listener) {
        return run(prompt, steps, stop, listener, sampler);
    }

    private List<Integer> run(List<Integer> prompt, int steps, IntPredicate stop, StepListener listener,
                              Sampler sampler) {
        if (prompt.isEmpty()) {
            throw new IllegalArgumentException("the prompt needs at least one token (BOS)");
        }
        int context = Math.min(steps, model.config().contextLength());
        KvCache cache = model.newCache(context);
        Llama.State state = new Llama.State(model.config(), context);
        List<Integer> out = new ArrayList<>();
        List<Integer> history = new ArrayList<>(prompt);
        int token = prompt.getFirst();
        for (int pos = 0; pos < context; pos++) {
            float[] logits = model.forward(token, pos, cache, state);
            // The sampler may rewrite the logits in place (penalties, temperature): a listener sees them raw.
            float[] seen = listener != null && sampler != null ? logits.clone() : logits;
            boolean generated = pos + 1 >= prompt.size();
            int next;
            if (!generated) {
                next = prompt.get(pos + 1);
            } else {
                next = sampler == null ? Greedy.argmax(logits) : sampler.sample(logits, history);
                history.add(next);
            }
            if (listener != null) {
                listener.step(pos, seen, next, generated);
            }
            if (generated && stop.test(next)) {
                break;
            }
            out.add(next);
            token = next;
        }
        return out;
    }
}
