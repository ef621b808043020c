import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

describe("parseEnv", () => {
  it("defaults the API base to the page's own origin", () => {
    expect(parseEnv({ MODE: "production", DEV: false }).VITE_API_BASE_URL).toBe("");
  });

  it("accepts an absolute http URL", () => {
    const env = parseEnv({ MODE: "development", DEV: true, VITE_API_BASE_URL: "http://127.0.0.1:8080" });
    expect(env.VITE_API_BASE_URL).toBe("http://127.0.0.1:8080");
  });

  it("refuses a URL with a trailing slash, naming the variable", () => {
    expect(() => parseEnv({ MODE: "production", DEV: false, VITE_API_BASE_URL: "http://x/" })).toThrow(
      /VITE_API_BASE_URL/,
    );
  });
});
