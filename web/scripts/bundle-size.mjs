#!/usr/bin/env node
// The production bundle of the web UI (web/dist): every file with its size raw and gzipped, and what the first
// page load needs (index.html, the entry script and stylesheet; the chart module loads after, in parallel).
// Run after `make build`; the figures go into bench/RESULTS.md.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else files.push(p);
  }
};
walk(dist);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const html = readFileSync(join(dist, "index.html"), "utf8");
let total = 0;
let totalGz = 0;
let first = 0;
let firstGz = 0;
console.log("web bundle (web/dist):");
for (const f of files.sort()) {
  const data = readFileSync(f);
  const gz = gzipSync(data, { level: 9 }).length;
  const rel = f.slice(dist.length);
  const initial = rel === "index.html" || html.includes(`/${rel}`);
  total += data.length;
  totalGz += gz;
  if (initial) {
    first += data.length;
    firstGz += gz;
  }
  console.log(`  ${rel.padEnd(34)} ${kb(data.length).padStart(11)}  gzip ${kb(gz).padStart(10)}${initial ? "  (first load)" : ""}`);
}
console.log(`  total ${kb(total)}, gzip ${kb(totalGz)}; first load ${kb(first)}, gzip ${kb(firstGz)}`);
