// The one way the UI talks to the backend. It sends the session cookie (same origin), adds the CSRF header to every
// state-changing request, turns the backend's JSON errors ({error: {code, message}}) into ApiError with the status,
// and tells the app when the session has ended (401) so it can show the sign-in page instead of a broken one.
// The server stays the authority on access: a 403 is shown as a refusal, never worked around.
import { env } from "@/config/env";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(status: number, code: string, message: string, requestId: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** The CSRF header the backend checks on POST, PUT, PATCH and DELETE. */
export const CSRF_HEADER = "X-CSRF-Token";
/** The cookie the backend sets beside the session (readable by the page: double-submit). */
export const CSRF_COOKIE = "catlens_csrf";

export interface ApiClientConfig {
  baseUrl: string;
  /** Where the CSRF token comes from; default: the token the session announced, else the CSRF cookie. */
  csrfToken: () => string | null;
  /** Called once per request that found the session ended (401), except the session probe itself. */
  onUnauthorized: () => void;
  fetch: typeof fetch;
}

let announcedCsrf: string | null = null;

/** The backend announces the session's CSRF token (e.g. in /auth-me); requests then send it. */
export function setCsrfToken(token: string | null): void {
  announcedCsrf = token;
}

export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) {
      continue;
    }
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return null;
}

function defaultCsrf(): string | null {
  if (announcedCsrf) {
    return announcedCsrf;
  }
  return typeof document === "undefined" ? null : readCookie(document.cookie, CSRF_COOKIE);
}

const config: ApiClientConfig = {
  baseUrl: env.VITE_API_BASE_URL,
  csrfToken: defaultCsrf,
  onUnauthorized: () => undefined,
  fetch: (...args) => globalThis.fetch(...args),
};

export function configureApiClient(patch: Partial<ApiClientConfig>): void {
  Object.assign(config, patch);
}

export type QueryParams = Record<string, string | number | boolean | null | undefined>;

export function buildUrl(base: string, path: string, params?: QueryParams): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v !== null && v !== undefined && v !== "") {
      search.set(k, String(v));
    }
  }
  const qs = search.toString();
  return `${base}${path}${qs ? `?${qs}` : ""}`;
}

const STATUS_TEXT: Record<number, string> = {
  400: "The request was not accepted",
  401: "Your session has ended: please sign in again",
  403: "You do not have access to this",
  404: "Not found",
  409: "This conflicts with the current state",
  413: "The request is too large",
  429: "Too many requests: please wait a moment and try again",
  500: "The server failed to answer",
  502: "The server is unavailable",
  503: "The service is temporarily unavailable",
  504: "The server took too long to answer",
};

async function errorFrom(res: Response): Promise<ApiError> {
  const requestId = res.headers.get("X-Request-Id");
  let code = `http_${res.status}`;
  let message = STATUS_TEXT[res.status] ?? `The server answered ${res.status}`;
  try {
    const body: unknown = await res.json();
    if (body && typeof body === "object" && "error" in body) {
      const err = (body as { error: unknown }).error;
      if (err && typeof err === "object") {
        const e = err as { code?: unknown; message?: unknown };
        if (typeof e.code === "string" && e.code !== "") {
          code = e.code;
        }
        if (typeof e.message === "string" && e.message !== "") {
          message = e.message;
        }
      }
    }
  } catch {
    // not JSON (a proxy's page): keep the status text
  }
  return new ApiError(res.status, code, message, requestId);
}

export interface RequestOptions {
  signal?: AbortSignal;
  params?: QueryParams;
  /** The session probe: a 401 is its normal "signed out" answer, not an ended session. */
  probe?: boolean;
  /** "manual": a redirect is not followed (the answer is then null), e.g. /login-url sending to the IdP. */
  redirect?: RequestRedirect;
}

async function request<T>(method: string, path: string, body: unknown, opts: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  if (method !== "GET" && method !== "HEAD") {
    const token = config.csrfToken();
    if (token) {
      headers[CSRF_HEADER] = token;
    }
  }
  let res: Response;
  try {
    res = await config.fetch(buildUrl(config.baseUrl, path, opts.params), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: opts.signal,
      redirect: opts.redirect ?? "follow",
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") {
      throw e;
    }
    throw new ApiError(0, "network", "Cannot reach the catlens server: check your connection and try again.");
  }
  if (res.type === "opaqueredirect" || (res.status >= 300 && res.status < 400)) {
    return null as T;
  }
  if (!res.ok) {
    const err = await errorFrom(res);
    if (res.status === 401 && !opts.probe) {
      config.onUnauthorized();
    }
    throw err;
  }
  if (res.status === 204) {
    return undefined as T;
  }
  const text = await res.text();
  if (text === "") {
    return undefined as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, "bad_response", "The server sent an answer the page cannot read.");
  }
}

export function apiGet<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return request<T>("GET", path, undefined, opts);
}

export function apiPost<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
  return request<T>("POST", path, body ?? {}, opts);
}
