/* fuzz_provider_reply.c — a provider's reply body, read by each wire format's parser (OpenAI,
 * Gemini, Anthropic): whatever a provider (or a man in the middle) sends, parsing fails cleanly or
 * yields text, tool calls and usage. */
#include <stdint.h>

#include "ai/providers/provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const cl_provider_t *ps[] = {&cl_provider_openai, &cl_provider_gemini, &cl_provider_anthropic};
    for (size_t i = 0; i < 3; i++) {
        cl_llm_reply_t r;
        if (ps[i]->parse(&r, (const char *)data, size, NULL) == 0) {
            cl_llm_reply_dispose(&r);
        }
    }
    return 0;
}
