package dev.ignis.runtime.model;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.interpret.RenderResult;
import dev.ignis.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model's own Jinja chat template (GGUF {@code tokenizer.chat_template}) rendered by Jinjava with
 * the variables chat templates expect: {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}.
 */
public final class ChatTemplate {

    private final String template;
    private final String bos;
    private final String eos;
    private final Jinjava jinja;

    /**
     * {@code bos_token} and {@code eos_token} are the vocabulary's pieces ({@code <s>}, {@code <|im_end|>}): a
     * template writes them as text, and the prompt is tokenized with special tokens parsed, so they become
     * the control tokens again (a control token's bytes are empty, which would drop Mistral's {@code </s>}
     * after each assistant turn).
     */
    public ChatTemplate(String template, Tokenizer tokenizer) {
        this(template, tokenizer.bos() >= 0 ? tokenizer.piece(tokenizer.bos()) : "",
                tokenizer.eos() >= 0 ? tokenizer.piece(tokenizer.eos()) : "");
    }

    public ChatTemplate(String template, String bos, String eos) {
        // Jinja2, as Hugging Face runs it, drops a single trailing newline of the template.
        this.template = jinja2Compatible(template.endsWith("\n") ? template.substring(0, template.length() - 1)
                : template);
        this.bos = bos;
        this.eos = eos;
        // Jinja2 semantics that Jinjava keeps behind legacy switches: '{{-' and '-}}' trim whitespace as
        // '{%-' does, and operators bind as in Python (namespace(i=messages|length - 1) is i = (length - 1)).
        LegacyOverrides jinja2 = LegacyOverrides.newBuilder().withUseTrimmingForNotesAndExpressions(true)
                .withUseNaturalOperatorPrecedence(true).withParseWhitespaceControlStrictly(true)
                .withKeepNullableLoopValues(true).build();
        this.jinja = new Jinjava(JinjavaConfig.newBuilder().withFailOnUnknownTokens(false).withLegacyOverrides(jinja2)
                .build());
        // raise_exception(message): what Hugging Face adds for templates to refuse a conversation.
        jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raiseException", String.class));
        for (String method : PyStrings.METHODS) {
            jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "py_" + method, PyStrings.class,
                    method, Object.class, Object.class));
        }
    }

    private static final Pattern REVERSED = Pattern.compile("([A-Za-z_][\\w.]*)\\[::-1\\]");
    private static final Pattern NOT_IS = Pattern.compile(
            "\\bnot\\s+([A-Za-z_][\\w.]*(?:\\[[^\\]\\[]*\\])*)\\s+is\\s+(not\\s+)?([A-Za-z_]\\w*)");

    /**
     * Two places where Jinjava parses differently from Jinja2, even with natural precedence on, rewritten
     * with the parentheses Jinja2's grammar implies: {@code not x is defined} is {@code not (x is defined)}
     * (Jinjava reads {@code (not x) is defined}, which is always true), and a keyword argument of
     * {@code namespace(...)} takes the whole expression after {@code =} (Jinjava binds {@code i=n - 1} as
     * {@code (i=n) - 1}). DeepSeek-R1 and Qwen3 templates depend on both. Jinjava has no slice step, so
     * {@code x[::-1]} (Qwen3) becomes {@code (x|reverse)}; Python string methods become functions
     * ({@link PyStrings}).
     */
    static String jinja2Compatible(String source) {
        String reversed = REVERSED.matcher(source).replaceAll(m -> Matcher.quoteReplacement("(" + m.group(1)
                + "|reverse)"));
        String out = NOT_IS.matcher(reversed).replaceAll(m -> Matcher.quoteReplacement("not (" + m.group(1) + " is "
                + (m.group(2) == null ? "" : "not ") + m.group(3) + ")"));
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (int at = out.indexOf("namespace("); at >= 0; at = out.indexOf("namespace(", from)) {
            int open = at + "namespace(".length();
            int close = open;
            List<String> args = new ArrayList<>();
            int depth = 0;
            int argStart = open;
            for (; close < out.length(); close++) {
                char c = out.charAt(close);
                if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                    depth--;
                } else if (c == ')' || (c == ',' && depth == 0)) {
                    args.add(out.substring(argStart, close));
                    argStart = close + 1;
                    if (c == ')') {
                        break;
                    }
                }
            }
            if (close >= out.length()) {
                break;
            }
            sb.append(out, from, open);
            List<String> wrapped = new ArrayList<>();
            for (String arg : args) {
                int eq = arg.indexOf('=');
                boolean keyword = eq > 0 && arg.substring(0, eq).strip().matches("[A-Za-z_]\\w*")
                        && (eq + 1 >= arg.length() || arg.charAt(eq + 1) != '=');
                wrapped.add(keyword ? arg.substring(0, eq + 1) + "(" + arg.substring(eq + 1).strip() + ")" : arg);
            }
            sb.append(String.join(",", wrapped)).append(')');
            from = close + 1;
        }
        return PyStrings.rewriteCalls(sb.append(out.substring(from)).toString());
    }

    /** Called by templates through {@code raise_exception}. */
    public static Object raiseException(String message) {
        throw new TemplateRefusal(message);
    }

    /** A template's own refusal, carrying its message. */
    static final class TemplateRefusal extends RuntimeException {
        TemplateRefusal(String message) {
            super(message, null, false, false);
        }
    }

    private static final String REFUSED = "the chat template refused the conversation: ";

    private static TemplateRefusal refusalIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TemplateRefusal refusal) {
                return refusal;
            }
        }
        return null;
    }

    /** A rendered prompt, or the template's error message. */
    public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bos);
        context.put("eos_token", eos);
        RenderResult result;
        try {
            result = jinja.renderForResult(template, context);
        } catch (TemplateRefusal e) {
            throw new IllegalArgumentException(REFUSED + e.getMessage());
        } catch (RuntimeException e) {
            throw refusalIn(e) != null ? new IllegalArgumentException(REFUSED + refusalIn(e).getMessage())
                    : new IllegalArgumentException("the chat template failed: " + e.getMessage());
        }
        for (TemplateError error : result.getErrors()) {
            TemplateRefusal refusal = refusalIn(error.getException());
            if (refusal != null) {
                throw new IllegalArgumentException(REFUSED + refusal.getMessage());
            }
        }
        if (!result.getErrors().isEmpty()) {
            throw new IllegalArgumentException("the chat template failed: " + result.getErrors().getFirst().getMessage());
        }
        return result.getOutput();
    }
}
