#!/usr/bin/env node
// load.js — drive POST /llm/summary of a running `catlens ai`: N requests, C at a time, each a distinct input (the
// category gets a suffix) so the request cache cannot answer. Prints one JSON line: wall seconds, throughput,
// latency percentiles (ms), status counts. Test tooling for bench/bench_ai.sh; loopback only.
//   node load.js URL REQUEST.json N C [MODEL]
// The run tag (RUN_TAG, default pid and time) makes inputs distinct between runs; give it to repeat inputs.
'use strict';
const http = require('http');
const fs = require('fs');

const [url, file, nArg, cArg, model] = process.argv.slice(2);
const n = Number(nArg), c = Number(cArg);
const base = JSON.parse(fs.readFileSync(file, 'utf8'));
const target = new URL('/llm/summary', url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error('loopback only');
const agent = new http.Agent({ keepAlive: true, maxSockets: c });
const run = process.env.RUN_TAG || `${process.pid}x${Date.now()}`;

function one(i) {
  const req = JSON.parse(JSON.stringify(base));
  req.report.category = `${base.report.category}_${run}_${String(i).padStart(6, '0')}`; // same length: same reservation
  req.async = false;
  if (model) req.model = model;
  const body = JSON.stringify(req);
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const r = http.request(target, { method: 'POST', agent, headers: { 'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    r.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    r.end(body);
  });
}

(async () => {
  const results = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  async function lane() {
    while (next < n) {
      const i = next++;
      results.push(await one(i));
    }
  }
  await Promise.all(Array.from({ length: c }, lane));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))];
  const statuses = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] || 0) + 1;
  process.stdout.write(JSON.stringify({ requests: n, concurrency: c, wall_s: +wall.toFixed(3),
    per_s: +(n / wall).toFixed(1), p50_ms: +pct(50).toFixed(2), p90_ms: +pct(90).toFixed(2),
    p99_ms: +pct(99).toFixed(2), statuses }) + '\n');
  agent.destroy();
})();
