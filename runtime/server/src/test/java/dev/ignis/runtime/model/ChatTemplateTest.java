package dev.ignis.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real chat templates of {@code shared/models} rendered by {@link ChatTemplate} (Jinjava) for a
 * system + user + assistant + user conversation with the generation prompt. The expected strings are
 * written from reading each template, as Python Jinja2 renders them for Hugging Face's
 * {@code apply_chat_template} (a single trailing newline of the template dropped).
 */
class ChatTemplateTest {

    static final List<Map<String, Object>> CONVERSATION = List.of(
            Map.of("role", "system", "content", "You are terse."),
            Map.of("role", "user", "content", "Hi there"),
            Map.of("role", "assistant", "content", "Hello! How can I help?"),
            Map.of("role", "user", "content", "Tell me a joke."));

    static final String CHATML = "<|im_start|>system\nYou are terse.<|im_end|>\n"
            + "<|im_start|>user\nHi there<|im_end|>\n"
            + "<|im_start|>assistant\nHello! How can I help?<|im_end|>\n"
            + "<|im_start|>user\nTell me a joke.<|im_end|>\n"
            + "<|im_start|>assistant\n";

    static Path models() {
        Path dir = Path.of(System.getProperty("ignis.models.dir", "../../../shared/models"));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("shared models folder " + dir.toAbsolutePath() + " is missing");
        }
        return dir;
    }

    static ChatTemplate template(String file, String bos, String eos) throws IOException {
        return new ChatTemplate(Files.readString(models().resolve("chat-templates").resolve(file)), bos, eos);
    }

    /** The chat template of Qwen3's tokenizer_config.json, read without a JSON library. */
    static String qwen3Template() throws IOException {
        String config = Files.readString(models().resolve("tokenizers/qwen3/tokenizer_config.json"));
        int key = config.indexOf("\"chat_template\"");
        int start = config.indexOf('"', config.indexOf(':', key)) + 1;
        StringBuilder out = new StringBuilder();
        for (int i = start; ; i++) {
            char c = config.charAt(i);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = config.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'u' -> {
                    out.append((char) Integer.parseInt(config.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> out.append(e);
            }
        }
    }

    @Test
    void qwen25RendersChatMl() throws IOException {
        assertThat(template("Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>").render(CONVERSATION, true))
                .isEqualTo(CHATML);
    }

    @Test
    void qwen25AddsItsDefaultSystemPromptWhenThereIsNone() throws IOException {
        assertThat(template("Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>")
                .render(CONVERSATION.subList(1, 2), true))
                .isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                        + "<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void qwen3FromTokenizerConfigRendersChatMl() throws IOException {
        assertThat(new ChatTemplate(qwen3Template(), "", "<|im_end|>").render(CONVERSATION, true)).isEqualTo(CHATML);
    }

    @Test
    void qwen3KeepsOnlyTheAnswerOfAnEarlierThinkingTurn() throws IOException {
        List<Map<String, Object>> messages = List.of(
                Map.of("role", "user", "content", "2+2?"),
                Map.of("role", "assistant", "content", "<think>\nadd them\n</think>\n\n4"),
                Map.of("role", "user", "content", "3+3?"));
        assertThat(new ChatTemplate(qwen3Template(), "", "<|im_end|>").render(messages, true))
                .isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
                        + "<|im_start|>user\n3+3?<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void deepSeekR1DistillPutsTheSystemPromptFirstAndOpensAThought() throws IOException {
        assertThat(template("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", "<｜begin▁of▁sentence｜>",
                "<｜end▁of▁sentence｜>").render(CONVERSATION, true))
                .isEqualTo("<｜begin▁of▁sentence｜>You are terse.<｜User｜>Hi there<｜Assistant｜>Hello! How can I help?"
                        + "<｜end▁of▁sentence｜><｜User｜>Tell me a joke.<｜Assistant｜><think>\n");
    }

    @Test
    void phi35MarksEachTurn() throws IOException {
        assertThat(template("microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>").render(CONVERSATION, true))
                .isEqualTo("<|system|>\nYou are terse.<|end|>\n<|user|>\nHi there<|end|>\n"
                        + "<|assistant|>\nHello! How can I help?<|end|>\n<|user|>\nTell me a joke.<|end|>\n"
                        + "<|assistant|>\n");
    }

    @Test
    void mistralNemoPutsTheSystemMessageInTheLastInstruction() throws IOException {
        assertThat(template("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>").render(CONVERSATION, true))
                .isEqualTo("<s>[INST]Hi there[/INST]Hello! How can I help?</s>"
                        + "[INST]You are terse.\n\nTell me a joke.[/INST]");
    }

    @Test
    void jinja2CompatibleIsRestoredWhereJinjavaDiffers() {
        assertThat(ChatTemplate.jinja2Compatible("{% if not add_generation_prompt is defined %}"))
                .isEqualTo("{% if not (add_generation_prompt is defined) %}");
        assertThat(ChatTemplate.jinja2Compatible("{% if not tool_call.id is not defined %}"))
                .isEqualTo("{% if not (tool_call.id is not defined) %}");
        assertThat(ChatTemplate.jinja2Compatible("{%- set ns = namespace(a=true, b=messages|length - 1) %}"))
                .isEqualTo("{%- set ns = namespace(a=(true), b=(messages|length - 1)) %}");
        assertThat(ChatTemplate.jinja2Compatible("{%- for message in messages[::-1] %}"))
                .isEqualTo("{%- for message in (messages|reverse) %}");
        assertThat(ChatTemplate.jinja2Compatible("{{ m.content.split('</think>')[-1].lstrip('\\n') + x.strip() }}"))
                .isEqualTo("{{ py_lstrip(py_split(m.content, '</think>')[-1], '\\n') + py_strip(x, none) }}");
        ChatTemplate t = new ChatTemplate("{% if not add_generation_prompt is defined %}unset{% else %}set{% endif %}"
                + "{% set ns = namespace(last=messages|length - 1) %}:{{ ns.last }}", "", "");
        assertThat(t.render(CONVERSATION, true)).isEqualTo("set:3");
    }

    @Test
    void aTemplateThatRaisesGivesItsOwnMessage() throws IOException {
        ChatTemplate mistral = template("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>");
        List<Map<String, Object>> twoUsers = List.of(Map.of("role", "user", "content", "a"),
                Map.of("role", "user", "content", "b"));
        assertThatThrownBy(() -> mistral.render(twoUsers, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the chat template refused the conversation: After the optional system message,"
                        + " conversation roles must alternate user/assistant/user/assistant/...");
    }
}
