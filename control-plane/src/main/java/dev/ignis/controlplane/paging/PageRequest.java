package dev.ignis.controlplane.paging;

import dev.ignis.controlplane.problem.ProblemException;

/** A validated {@code page} / {@code page_size} pair from the query string (pages start at 1). */
public record PageRequest(int page, int pageSize) {

    public static final int DEFAULT_SIZE = 20;
    public static final int MAX_SIZE = 100;

    public static PageRequest of(String page, String pageSize) {
        int p = parse(page, 1, "page");
        int s = parse(pageSize, DEFAULT_SIZE, "page_size");
        if (p < 1) {
            throw ProblemException.invalid("page", "must be 1 or more");
        }
        if (s < 1 || s > MAX_SIZE) {
            throw ProblemException.invalid("page_size", "must be between 1 and " + MAX_SIZE);
        }
        return new PageRequest(p, s);
    }

    private static int parse(String value, int fallback, String field) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw ProblemException.invalid(field, "must be a whole number");
        }
    }

    public int index() {
        return page - 1;
    }
}
