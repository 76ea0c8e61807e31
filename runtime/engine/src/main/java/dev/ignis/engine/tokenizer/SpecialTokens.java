package dev.ignis.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokens matched in the raw text before the tokenizer proper runs: user-defined tokens always, control
 * tokens ({@code <|im_start|>}, {@code <s>}, ...) only when the caller asks for special tokens to be
 * parsed, as for a rendered chat template. Longer tokens win over their prefixes.
 */
final class SpecialTokens {

    /** GGUF token types. */
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;

    private final List<String> userDefined;   // longest first
    private final List<String> all;           // control and user-defined, longest first
    private final Map<String, Integer> ids = new HashMap<>();

    SpecialTokens(String[] tokens, int[] types) {
        List<String> user = new ArrayList<>();
        List<String> any = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].isEmpty() || (types[i] != CONTROL && types[i] != USER_DEFINED)) {
                continue;
            }
            ids.putIfAbsent(tokens[i], i);
            any.add(tokens[i]);
            if (types[i] == USER_DEFINED) {
                user.add(tokens[i]);
            }
        }
        Comparator<String> longestFirst = Comparator.comparingInt(String::length).reversed();
        user.sort(longestFirst);
        any.sort(longestFirst);
        this.userDefined = List.copyOf(user);
        this.all = List.copyOf(any);
    }

    /** The text cut into raw strings and token ids (Integer), in order. */
    List<Object> partition(String text, boolean parseSpecial) {
        List<Object> fragments = new ArrayList<>(List.of(text));
        for (String special : parseSpecial ? all : userDefined) {
            List<Object> next = new ArrayList<>();
            for (Object fragment : fragments) {
                if (!(fragment instanceof String raw)) {
                    next.add(fragment);
                    continue;
                }
                int from = 0;
                for (int at = raw.indexOf(special); at >= 0; at = raw.indexOf(special, from)) {
                    if (at > from) {
                        next.add(raw.substring(from, at));
                    }
                    next.add(ids.get(special));
                    from = at + special.length();
                }
                if (from < raw.length()) {
                    next.add(raw.substring(from));
                }
            }
            fragments = next;
        }
        return fragments;
    }
}
