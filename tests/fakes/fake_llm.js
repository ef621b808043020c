#!/usr/bin/env node
// fake_llm.js — a fake model provider on loopback for the AI service's tests and benchmarks.
//
// It speaks the real wire formats, usage fields included:
//   POST /v1/chat/completions                     OpenAI-compatible Chat Completions
//   POST /v1beta/models/<model>:generateContent   Google Gemini
//   POST /v1/messages                             Anthropic Messages
// and can be scripted per request. Control endpoints (tests only):
//   POST /_script   {"steps": [step, ...]}  queue of behaviours, one per provider request, in order
//   POST /_default  step                     behaviour once the queue is empty (default {"do": "clean"})
//   GET  /_log                               every provider request seen: {t_ms, api, path, auth, body}
//   POST /_reset                             empty queue, default and log
// A step: {"do": D, ...} with D one of
//   clean           a correct answer built from the prompt's data block (placeholders only)
//   answer          {"answer": {...}} or {"text": "..."}: exactly this content
//   slow            wait "ms", then behave as "then" (default clean)
//   status          reply "code" (e.g. 429, 500) with optional "retry_after" (seconds) and an error body
//   cut             destroy the connection without a reply
//   malformed       200 with a body that is not JSON
//   wrong_number    an answer stating a figure that is not in the data
//   contradict      an answer saying "rose" about a finding that went down
//   obey_injection  an answer that does what an "INJECT: ..." string inside the data asks
//   tool_call       a tool call: "name", "args"
// Optional on any answering step: "usage": {"prompt", "completion", "cached", "reasoning", "cache_write"}.
//
// Usage: node fake_llm.js [--port N]; prints {"port": N} on stdout once listening on 127.0.0.1.
'use strict';
const http = require('http');

let queue = [];
let fallback = { do: 'clean' };
let log = [];
const started = Date.now();

function apiOf(path) {
  if (path === '/v1/chat/completions') return 'openai';
  if (/^\/v1beta\/models\/[^/]+:generateContent$/.test(path)) return 'gemini';
  if (path === '/v1/messages') return 'anthropic';
  return null;
}

// The text the model was shown (system + user messages) and whether the last turn carried tool results.
function promptOf(api, body) {
  const parts = [];
  let toolTurn = false;
  if (api === 'openai') {
    for (const m of body.messages || []) {
      if (typeof m.content === 'string') parts.push(m.content);
      toolTurn = m.role === 'tool';
    }
  } else if (api === 'gemini') {
    for (const p of (body.systemInstruction || {}).parts || []) if (p.text) parts.push(p.text);
    for (const c of body.contents || []) {
      toolTurn = false;
      for (const p of c.parts || []) {
        if (p.text) parts.push(p.text);
        if (p.functionResponse) toolTurn = true;
      }
    }
  } else {
    if (typeof body.system === 'string') parts.push(body.system);
    for (const m of body.messages || []) {
      toolTurn = false;
      const content = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content || [];
      for (const b of content) {
        if (b.type === 'text') parts.push(b.text);
        if (b.type === 'tool_result') toolTurn = true;
      }
    }
  }
  return { text: parts.join('\n'), toolTurn };
}

// Rows of the data block: findings "   F1|type|path|direction|…|impact=…" and kpis "metric|cur|prev|…".
function dataOf(text) {
  // the report's block: the system prompt mentions the fence markers too, but never followed by a newline
  const m = /<<<DATA\n([\s\S]*?)DATA>>>/.exec(text);
  const block = m ? m[1] : '';
  const findings = [];
  const kpis = [];
  let inKpis = false;
  for (const line of block.split('\n')) {
    const f = /^\s+(F\d+)\|([a-z_]+)\|[^|]*\|(up|down|flat)\|/.exec(line);
    if (f) findings.push({ handle: f[1], type: f[2], direction: f[3] });
    if (line.startsWith('kpis|')) { inKpis = true; continue; }
    if (line.startsWith('findings|')) inKpis = false;
    if (inKpis) {
      const k = /^([a-z0-9_]+)\|(-?[0-9.]+)\|/.exec(line);
      if (k) kpis.push(k[1]);
    }
  }
  return { findings, kpis };
}

function cleanAnswer(text) {
  const d = dataOf(text);
  const bullets = d.findings.slice(0, 3).map((f) => ({
    text: `${f.type} finding: impact {${f.handle}.impact|signed}.`,
    finding_ids: [f.handle],
  }));
  if (bullets.length === 0) bullets.push({ text: 'No finding this week.', finding_ids: [] });
  const lead = d.kpis[0];
  return {
    headline: lead ? `Weekly review: ${lead} {${lead}.change_pct|signed}` : 'Weekly review',
    bullets,
    actions: ['Review the findings with the team.'],
    caveats: [],
  };
}

function contradictAnswer(text) {
  const d = dataOf(text);
  const down = d.findings.find((f) => f.direction === 'down') || d.findings[0];
  const a = cleanAnswer(text);
  if (down) a.bullets[0] = { text: `It rose {${down.handle}.impact}.`, finding_ids: [down.handle] };
  return a;
}

function injectionAnswer(text) {
  const m = /INJECT: ([^"\n]*)/.exec(text);
  const a = cleanAnswer(text);
  a.headline = m ? m[1].slice(0, 200) : a.headline;
  return a;
}

function contentFor(step, prompt) {
  switch (step.do) {
    case 'answer': return step.text !== undefined ? step.text : JSON.stringify(step.answer);
    case 'wrong_number': {
      const a = cleanAnswer(prompt.text);
      a.headline = 'Revenue rose 987.6% this week';
      return JSON.stringify(a);
    }
    case 'contradict': return JSON.stringify(contradictAnswer(prompt.text));
    case 'obey_injection': return JSON.stringify(injectionAnswer(prompt.text));
    default: return JSON.stringify(cleanAnswer(prompt.text));
  }
}

function usageFor(step, reqBytes, outText) {
  const u = step.usage || {};
  return {
    prompt: u.prompt !== undefined ? u.prompt : Math.ceil(reqBytes / 4),
    completion: u.completion !== undefined ? u.completion : Math.ceil(outText.length / 4),
    cached: u.cached || 0,
    reasoning: u.reasoning || 0,
    cache_write: u.cache_write || 0,
  };
}

function openaiReply(model, text, tool, u) {
  const message = tool
    ? { role: 'assistant', content: null,
        tool_calls: [{ id: 'call_fake_1', type: 'function',
                       function: { name: tool.name, arguments: JSON.stringify(tool.args || {}) } }] }
    : { role: 'assistant', content: text };
  return {
    id: 'chatcmpl-fake', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
    choices: [{ index: 0, message, finish_reason: tool ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion,
             prompt_tokens_details: { cached_tokens: u.cached },
             completion_tokens_details: { reasoning_tokens: u.reasoning } },
  };
}

function geminiReply(model, text, tool, u) {
  const parts = tool ? [{ functionCall: { name: tool.name, args: tool.args || {} } }] : [{ text }];
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: u.prompt, candidatesTokenCount: u.completion - u.reasoning,
                     thoughtsTokenCount: u.reasoning, cachedContentTokenCount: u.cached,
                     totalTokenCount: u.prompt + u.completion },
    modelVersion: model,
  };
}

function anthropicReply(model, text, tool, u) {
  const content = tool ? [{ type: 'tool_use', id: 'toolu_fake_1', name: tool.name, input: tool.args || {} }]
                       : [{ type: 'text', text }];
  return {
    id: 'msg_fake', type: 'message', role: 'assistant', model, content,
    stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null,
    usage: { input_tokens: u.prompt - u.cached - u.cache_write, cache_read_input_tokens: u.cached,
             cache_creation_input_tokens: u.cache_write, output_tokens: u.completion },
  };
}

function send(res, status, obj, headers) {
  const body = typeof obj === 'string' ? obj : JSON.stringify(obj);
  res.writeHead(status, Object.assign({ 'Content-Type': 'application/json',
                                        'Content-Length': Buffer.byteLength(body) }, headers || {}));
  res.end(body);
}

function behave(step, api, body, raw, req, res) {
  if (step.do === 'slow') {
    setTimeout(() => behave(step.then || { do: 'clean', usage: step.usage }, api, body, raw, req, res),
               step.ms || 1000);
    return;
  }
  if (step.do === 'cut') { req.socket.destroy(); return; }
  if (step.do === 'malformed') { send(res, 200, '{"choices": [ {"message": '); return; }
  if (step.do === 'status') {
    const headers = step.retry_after !== undefined ? { 'Retry-After': String(step.retry_after) } : {};
    send(res, step.code || 500, { error: { message: `fake status ${step.code}`, type: 'fake', code: step.code } },
         headers);
    return;
  }
  const prompt = promptOf(api, body);
  const tool = step.do === 'tool_call' ? { name: step.name, args: step.args } : null;
  const text = tool ? '' : contentFor(step, prompt);
  const u = usageFor(step, raw.length, text || JSON.stringify(tool));
  const model = body.model || 'fake-model';
  const reply = api === 'openai' ? openaiReply(model, text, tool, u)
    : api === 'gemini' ? geminiReply(model, text, tool, u) : anthropicReply(model, text, tool, u);
  send(res, 200, reply);
}

function authOf(req) {
  return req.headers.authorization ? 'bearer' : req.headers['x-api-key'] ? 'x-api-key'
    : req.headers['x-goog-api-key'] ? 'x-goog-api-key' : req.headers['api-key'] ? 'api-key' : 'none';
}

function control(path, raw, res) {
  const body = raw.length ? JSON.parse(raw) : {};
  if (path === '/_script') { queue = queue.concat(body.steps || []); return send(res, 200, { queued: queue.length }); }
  if (path === '/_default') { fallback = body; return send(res, 200, { ok: true }); }
  if (path === '/_reset') { queue = []; fallback = { do: 'clean' }; log = []; return send(res, 200, { ok: true }); }
  return send(res, 404, { error: 'no such control endpoint' });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = req.url.split('?')[0];
    try {
      if (req.method === 'GET' && path === '/_log') return send(res, 200, log);
      if (req.method === 'POST' && path.startsWith('/_')) return control(path, raw, res);
      const api = req.method === 'POST' ? apiOf(path) : null;
      if (!api) return send(res, 404, { error: { message: 'not found' } });
      let body;
      try { body = JSON.parse(raw); } catch (e) { return send(res, 400, { error: { message: 'bad JSON' } }); }
      log.push({ t_ms: Date.now() - started, api, path, auth: authOf(req), body });
      const step = queue.length ? queue.shift() : fallback;
      behave(step, api, body, raw, req, res);
    } catch (e) {
      send(res, 500, { error: { message: String(e) } });
    }
  });
});
server.keepAliveTimeout = 30000;
server.maxConnections = 2000;

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
