// The real backend for the end-to-end tests: demo source data, the weekly ETL, then `catlens app` on a loopback
// port chosen at run time, all inside a temporary folder that is removed afterwards. Nothing here fakes the
// backend: the browser talks to the production code path.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "../../..");

/** The week the demo data ends at and the ETL publishes. */
export const E2E_WEEK = "2026-W47";

export interface Backend {
  baseURL: string;
  dir: string;
  env: Record<string, string>;
  stop: () => Promise<void>;
}

function bin(): string {
  return process.env.CATLENS_BIN ?? join(repoRoot, "build/catlens");
}

/** Run a catlens command to completion; throw with its output when it fails. */
export function runCatlens(args: string[], env: Record<string, string>, timeoutMs = 300_000): string {
  const r = spawnSync(bin(), args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: timeoutMs,
  });
  if (r.status !== 0) {
    throw new Error(`catlens ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** A free loopback port: bind port 0, read it, release it (startApp retries if someone takes it meanwhile). */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) {
      return false;
    }
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) {
        return true;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export interface AppProcess {
  baseURL: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** Start `catlens app` with ENV on a free port; retried on another port if the first is taken. */
export async function startApp(env: Record<string, string>, logFile: string): Promise<AppProcess> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const log = createWriteStream(logFile, { flags: "a" });
    const child = spawn(bin(), ["app"], {
      cwd: repoRoot,
      env: { ...process.env, ...env, CATLENS_APP_HOST: "127.0.0.1", CATLENS_APP_PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const baseURL = `http://127.0.0.1:${port}`;
    if (await waitHealthy(baseURL, child, 30_000)) {
      const stop = () =>
        new Promise<void>((res) => {
          if (child.exitCode !== null) {
            res();
            return;
          }
          const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
          child.once("exit", () => {
            clearTimeout(kill);
            res();
          });
          child.kill("SIGTERM");
        });
      return { baseURL, child, stop };
    }
    child.kill("SIGKILL");
  }
  throw new Error(`catlens app did not become healthy; its log:\n${readFileSync(logFile, "utf8").slice(-4000)}`);
}

/** `catlens ai` (the offline narrator, the default model) on a port it picks; resolves with its URL once it listens. */
export async function startAi(env: Record<string, string>, logFile: string): Promise<AppProcess> {
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(bin(), ["ai", "--port", "0"], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stderr?.pipe(log);
  const baseURL = await new Promise<string>((res, rej) => {
    let seen = "";
    const timer = setTimeout(() => rej(new Error(`catlens ai did not start; its log: ${logFile}`)), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    child.once("exit", () => {
      clearTimeout(timer);
      rej(new Error(`catlens ai exited; its log: ${logFile}`));
    });
  });
  const stop = () =>
    new Promise<void>((res) => {
      if (child.exitCode !== null) {
        res();
        return;
      }
      const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.once("exit", () => {
        clearTimeout(kill);
        res();
      });
      child.kill("SIGTERM");
    });
  return { baseURL, child, stop };
}

/** Demo data and a published snapshot in a new temporary folder, then the AI service and the app serving it. */
export async function startBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), "catlens-e2e-"));
  const env: Record<string, string> = {
    CATLENS_ENV: "dev",
    CATLENS_SOURCE: join(dir, "source"),
    CATLENS_WAREHOUSE: join(dir, "warehouse"),
    CATLENS_STATE: join(dir, "state"),
    CATLENS_LOG_LEVEL: "warn",
  };
  try {
    // small but complete: 60 weeks (YoY and QoQ need 53+), every planted scenario, a fixed week so that runs and
    // screenshots are reproducible
    runCatlens(
      ["demo-data", "--out", env.CATLENS_SOURCE!, "--weeks", "60", "--end-week", E2E_WEEK, "--orders", "150k", "--seed", "42", "--threads", "2"],
      env,
    );
    runCatlens(["etl", "--week", E2E_WEEK], env);
    const ai = await startAi(env, join(dir, "ai.log"));
    env.CATLENS_AI_URL = ai.baseURL;
    const app = await startApp(env, join(dir, "app.log")).catch(async (e: unknown) => {
      await ai.stop();
      throw e;
    });
    return {
      baseURL: app.baseURL,
      dir,
      env,
      stop: async () => {
        await app.stop();
        await ai.stop();
        if (!process.env.E2E_KEEP) {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    if (!process.env.E2E_KEEP) {
      rmSync(dir, { recursive: true, force: true });
    }
    throw e;
  }
}

/** Whether the backend builds reports yet: sign in as its first leadership user and ask for one. A 503
 * (engine_unavailable) means it does not, and the tests that need a report are skipped, saying why. */
export async function backendBuildsReports(baseURL: string): Promise<{ ok: boolean; why: string }> {
  const users = (await (await fetch(`${baseURL}/login-url`, { headers: { Accept: "application/json" } })).json()) as {
    users: { name: string; role?: string | null }[];
  };
  const leader = users.users.find((u) => u.role === "leadership") ?? users.users[0];
  if (!leader) {
    return { ok: false, why: "the backend has no dev users" };
  }
  const login = await fetch(`${baseURL}/login-url?user=${encodeURIComponent(leader.name)}`, { redirect: "manual" });
  const cookies = login.headers.getSetCookie().map((c) => c.split(";")[0]!);
  const cookie = cookies.join("; ");
  const csrf = decodeURIComponent(cookies.find((c) => c.startsWith("catlens_csrf="))?.slice("catlens_csrf=".length) ?? "");
  const list = (await (await fetch(`${baseURL}/category-list`, { headers: { cookie } })).json()) as {
    categories: string[];
    regions: string[];
    weeks: string[];
  };
  const r = await fetch(`${baseURL}/wbr`, {
    method: "POST",
    headers: { cookie, "Content-Type": "application/json", "X-CSRF-Token": csrf, Origin: baseURL },
    body: JSON.stringify({ category: list.categories[0], region: list.regions[0], window: "WoW", week: list.weeks[0] }),
  });
  if (r.ok) {
    return { ok: true, why: "" };
  }
  const body = (await r.json().catch(() => null)) as { error?: { message?: string } } | null;
  return { ok: false, why: `POST /wbr answers ${r.status}: ${body?.error?.message ?? "no message"}` };
}
