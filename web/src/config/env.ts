// The build-time environment, validated once at start-up: a wrong value fails loudly instead of half-working.
// zod/mini: the same schemas with a tree-shakable API, a fraction of the bundle.
import * as z from "zod/mini";

const schema = z.object({
  // Where the API lives. Empty: same origin as the page (catlens app serves both), the production setting.
  VITE_API_BASE_URL: z._default(
    z.string().check(
      z.refine(
        (v) => v === "" || /^https?:\/\/[^\s]+[^/]$/.test(v),
        "an http(s) URL without a trailing slash, or empty",
      ),
    ),
    "",
  ),
  MODE: z.string(),
  DEV: z.boolean(),
});

export type Env = z.infer<typeof schema>;

export function parseEnv(raw: Record<string, unknown>): Env {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid web UI environment: ${issues}`);
  }
  return result.data;
}

export const env: Env = parseEnv(import.meta.env);
