#!/usr/bin/env node
// tokens.js — count tokens of texts with real BPE tokenizers. Reads {"name": "text", ...} on stdin and prints
// {"name": {"o200k_base": N, "cl100k_base": N, "bytes": N}, ...}. Test tooling for bench/bench_ai.sh.
'use strict';
const o200k = require('gpt-tokenizer/encoding/o200k_base');
const cl100k = require('gpt-tokenizer/encoding/cl100k_base');

let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const texts = JSON.parse(input);
  const out = {};
  for (const [name, text] of Object.entries(texts)) {
    out[name] = { o200k_base: o200k.countTokens(text), cl100k_base: cl100k.countTokens(text),
                  bytes: Buffer.byteLength(text) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});
