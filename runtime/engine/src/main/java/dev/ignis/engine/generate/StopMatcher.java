package dev.ignis.engine.generate;

import java.util.List;

/**
 * Stop strings matched on the generated text, not on token ids: a stop string may span tokens and a token
 * may hold a stop string in its middle. Text is released only once it can no longer be the start of a
 * stop string, so a streaming client never sees part of one.
 */
public final class StopMatcher {

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopMatcher(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds newly decoded text; returns the text that is safe to emit now (possibly empty). */
    public String add(String decoded) {
        if (stopped) {
            return "";
        }
        pending.append(decoded);
        int earliest = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            String out = pending.substring(0, earliest);
            pending.setLength(0);
            return out;
        }
        int hold = 0;
        String text = pending.toString();
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > hold; k--) {
                if (text.regionMatches(text.length() - k, stop, 0, k)) {
                    hold = k;
                    break;
                }
            }
        }
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** Whether a stop string was found: generation should end. */
    public boolean stopped() {
        return stopped;
    }

    /** At the end of generation without a stop: the text held back. */
    public String flush() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }
}
