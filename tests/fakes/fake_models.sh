#!/usr/bin/env bash
# fake_models.sh URL TIMEOUT_MS PRICE_IN PRICE_OUT — prints a models.yaml whose default model is the fake
# provider (tests/fakes/fake_llm.js) at URL, OpenAI-compatible, one attempt, no fallback chain; prices in
# micro-dollars per million tokens. The offline narrator stays available as "offline".
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: fake_models.sh URL TIMEOUT_MS PRICE_IN PRICE_OUT" >&2; exit 2; }
cat <<YAML
default: fake
chain: []
retry: {max_attempts: 1, base_ms: 10, max_ms: 50, max_retry_after_ms: 1000}
agent: {max_steps: 2, max_tokens: 100000, max_cost_micros: 100000000}
models:
  offline: {provider: offline, price: {input: 0, output: 0}}
  fake: {provider: openai, endpoint: '$1/v1/chat/completions', auth: none, timeout_ms: $2,
         price: {input: $3, output: $4}}
YAML
