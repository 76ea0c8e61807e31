package dev.ignis.runtime.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestLogTest {

    @Test
    void lineHasTheRequestsFiguresAndNoPromptUnlessOneWasSet() {
        RequestLog.Entry entry = new RequestLog.Entry(1_000_000L, "POST", "/v1/completions");
        entry.generationStarted("cmpl-abc", 2);
        entry.firstToken(13_500_000L);
        entry.choiceDone(1, "length", 7, 3, 8);
        entry.choiceDone(0, "stop", 7, 0, 5);
        entry.responseOver(200, true, 51_000_000L);

        assertThat(entry.line()).isEqualTo("id=cmpl-abc method=POST route=/v1/completions status=200 prompt_tokens=7"
                + " cached_tokens=3 completion_tokens=13 ttft_ms=12.5 total_ms=50.0 finish_reason=stop,length");

        entry.prompt = "Once upon a \"time\"";
        assertThat(entry.line()).endsWith(" finish_reason=stop,length prompt=\"Once upon a \\\"time\\\"\"");
    }

    @Test
    void requestsThatGenerateNothingLeaveTheTokenFieldsOut() {
        RequestLog.Entry entry = new RequestLog.Entry(0, "GET", "/v1/no such route");
        entry.responseOver(404, true, 2_000_000L);

        assertThat(entry.line()).matches("id=req-[0-9a-f]{24} method=GET route=\"/v1/no such route\" status=404"
                + " total_ms=2.0");
    }

    @Test
    void aClientThatLeftIsMarked() {
        RequestLog.Entry entry = new RequestLog.Entry(0, "POST", "/v1/chat/completions");
        entry.generationStarted("chatcmpl-x", 1);
        entry.responseOver(200, false, 1_000_000L);
        entry.choiceDone(0, "cancelled", 4, 0, 2);

        assertThat(entry.line()).contains(" status=200 client_closed=true prompt_tokens=4 ", " finish_reason=cancelled");
    }
}
