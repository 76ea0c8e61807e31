package dev.ignis.runtime.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Python string methods chat templates call ({@code content.startswith('<tool_response>')},
 * {@code content.split('</think>')[-1].lstrip('\n')}), which Jinja2 has because its strings are Python's
 * and Jinjava lacks (its strings are Java's). Calls are rewritten to functions, {@code x.strip('\n')} to
 * {@code py_strip(x, '\n')}, with Python's semantics.
 */
public final class PyStrings {

    static final Set<String> METHODS = Set.of("startswith", "endswith", "split", "strip", "lstrip", "rstrip");

    private PyStrings() {
    }

    public static boolean startswith(Object s, Object prefix) {
        return s != null && String.valueOf(s).startsWith(String.valueOf(prefix));
    }

    public static boolean endswith(Object s, Object suffix) {
        return s != null && String.valueOf(s).endsWith(String.valueOf(suffix));
    }

    /** {@code str.split(sep)}: literal separator; without one, runs of whitespace, empty ends dropped. */
    public static List<String> split(Object s, Object separator) {
        String text = s == null ? "" : String.valueOf(s);
        List<String> parts = new ArrayList<>();
        if (separator == null) {
            for (String part : text.strip().split("\\s+")) {
                if (!part.isEmpty()) {
                    parts.add(part);
                }
            }
            return parts;
        }
        String sep = String.valueOf(separator);
        int from = 0;
        for (int at = text.indexOf(sep); at >= 0 && !sep.isEmpty(); at = text.indexOf(sep, from)) {
            parts.add(text.substring(from, at));
            from = at + sep.length();
        }
        parts.add(text.substring(from));
        return parts;
    }

    public static String strip(Object s, Object chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    public static String lstrip(Object s, Object chars) {
        String text = s == null ? "" : String.valueOf(s);
        int start = 0;
        while (start < text.length() && stripped(text.charAt(start), chars)) {
            start++;
        }
        return text.substring(start);
    }

    public static String rstrip(Object s, Object chars) {
        String text = s == null ? "" : String.valueOf(s);
        int end = text.length();
        while (end > 0 && stripped(text.charAt(end - 1), chars)) {
            end--;
        }
        return text.substring(0, end);
    }

    private static boolean stripped(char c, Object chars) {
        return chars == null ? Character.isWhitespace(c) : String.valueOf(chars).indexOf(c) >= 0;
    }

    /** Rewrites {@code receiver.method(args)} to {@code py_method(receiver, args)}, innermost receivers first. */
    static String rewriteCalls(String source) {
        String out = source;
        for (int guard = 0; guard < 10_000; guard++) {
            int dot = -1;
            String method = null;
            for (String m : METHODS) {
                int at = out.indexOf("." + m + "(");
                if (at >= 0 && (dot < 0 || at < dot)) {
                    dot = at;
                    method = m;
                }
            }
            if (dot < 0) {
                return out;
            }
            int start = receiverStart(out, dot);
            int open = dot + method.length() + 1;
            int close = matching(out, open);
            if (start == dot || close < 0) {
                return out; // not a call we understand: left for Jinjava to report
            }
            String args = out.substring(open + 1, close).strip();
            out = out.substring(0, start) + "py_" + method + "(" + out.substring(start, dot) + ", "
                    + (args.isEmpty() ? "none" : args) + ")" + out.substring(close + 1);
        }
        return out;
    }

    /** Where the expression ending just before {@code dot} starts: names, dots, and balanced () and []. */
    private static int receiverStart(String s, int dot) {
        int i = dot;
        while (i > 0) {
            char c = s.charAt(i - 1);
            if (c == ')' || c == ']') {
                int depth = 0;
                int j = i - 1;
                for (; j >= 0; j--) {
                    char d = s.charAt(j);
                    if (d == ')' || d == ']') {
                        depth++;
                    } else if ((d == '(' || d == '[') && --depth == 0) {
                        break;
                    }
                }
                if (j < 0) {
                    return dot;
                }
                i = j;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                i--;
            } else {
                break;
            }
        }
        return i;
    }

    /** The index of the parenthesis closing the one at {@code open}, skipping quoted strings; -1 if none. */
    private static int matching(String s, int open) {
        int depth = 0;
        char quote = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }
}
