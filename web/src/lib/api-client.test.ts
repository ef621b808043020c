// @vitest-environment node
// The client against a real HTTP server on a loopback port chosen at run time.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { apiGet, apiPost, ApiError, buildUrl, configureApiClient, CSRF_HEADER, readCookie } from "./api-client";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const path = (req.url ?? "").split("?")[0];
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json", "X-Request-Id": "req-42" });
        res.end(JSON.stringify(value));
      };
      if (path === "/ok") return json(200, { hello: "world" });
      if (path === "/forbidden")
        return json(403, { error: { code: "forbidden", message: "electronics is outside your scope" } });
      if (path === "/expired") return json(401, { error: { code: "unauthenticated", message: "sign in" } });
      if (path === "/html") {
        res.writeHead(502, { "Content-Type": "text/html" });
        return res.end("<h1>Bad gateway</h1>");
      }
      if (path === "/empty") {
        res.writeHead(204);
        return res.end();
      }
      return json(404, { error: { code: "not_found", message: "no such endpoint" } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  configureApiClient({ baseUrl: `http://127.0.0.1:${port}`, csrfToken: () => "tok-123" });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
});

describe("api client", () => {
  it("GETs JSON with query parameters, without a CSRF header", async () => {
    const out = await apiGet<{ hello: string }>("/ok", { params: { week: "2026-W47", empty: "" } });
    expect(out).toEqual({ hello: "world" });
    expect(seen[0]?.url).toBe("/ok?week=2026-W47");
    expect(seen[0]?.headers[CSRF_HEADER.toLowerCase()]).toBeUndefined();
  });

  it("POSTs JSON with the CSRF header", async () => {
    await apiPost("/ok", { category: "electronics" });
    expect(seen[0]?.method).toBe("POST");
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
    expect(seen[0]?.headers[CSRF_HEADER.toLowerCase()]).toBe("tok-123");
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({ category: "electronics" });
  });

  it("turns the backend's JSON error into an ApiError with status, code, message and request id", async () => {
    const err = await apiGet("/forbidden").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 403,
      code: "forbidden",
      message: "electronics is outside your scope",
      requestId: "req-42",
    });
  });

  it("explains a non-JSON error page by its status", async () => {
    const err = await apiGet("/html").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: "http_502", message: "The server is unavailable" });
  });

  it("reports an ended session once, but not for the session probe", async () => {
    const onUnauthorized = vi.fn();
    configureApiClient({ onUnauthorized });
    await expect(apiGet("/expired")).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await expect(apiGet("/expired", { probe: true })).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("accepts an empty answer", async () => {
    await expect(apiPost("/empty", {})).resolves.toBeUndefined();
  });

  it("says the server cannot be reached when nothing listens", async () => {
    configureApiClient({ baseUrl: "http://127.0.0.1:1" });
    const err = await apiGet("/ok").catch((e: unknown) => e);
    const { port } = server.address() as AddressInfo;
    configureApiClient({ baseUrl: `http://127.0.0.1:${port}` });
    expect(err).toMatchObject({ status: 0, code: "network" });
  });
});

describe("helpers", () => {
  it("reads a cookie by name", () => {
    expect(readCookie("a=1; catlens_csrf=x%2By; b=2", "catlens_csrf")).toBe("x+y");
    expect(readCookie("a=1", "catlens_csrf")).toBeNull();
  });

  it("leaves empty parameters out of the URL", () => {
    expect(buildUrl("", "/usage", { team: null, scope: "all" })).toBe("/usage?scope=all");
  });
});
