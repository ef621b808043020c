// ESLint: TypeScript rules, React hooks, and feature isolation (STYLE.md §5): a feature never imports another
// feature, shared code (lib/, config/, api/) never imports a feature or the app, and only app/ composes features.
import js from "@eslint/js";
import importPlugin from "eslint-plugin-import";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

const features = ["auth", "filters", "wbr", "usage"];

const featureZones = features.map((f) => ({
  target: `./src/features/${f}`,
  from: "./src/features",
  except: [`./${f}`],
  message: "Features are isolated: compose them in src/app, share code through src/lib.",
}));

export default tseslint.config(
  { ignores: ["dist", "node_modules", "test-results", "playwright-report", "src/api/generated"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ["**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks, import: importPlugin },
    settings: {
      "import/resolver": { typescript: { project: ["./tsconfig.test.json", "./tsconfig.node.json"], noWarnOnMultipleProjects: true } },
    },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "import/no-restricted-paths": [
        "error",
        {
          zones: [
            ...featureZones,
            {
              target: ["./src/lib", "./src/config", "./src/api"],
              from: ["./src/features", "./src/app"],
              message: "Shared code must not depend on features or the app.",
            },
            {
              target: "./src/features",
              from: "./src/app",
              message: "Features must not depend on the app shell.",
            },
          ],
        },
      ],
      "import/no-cycle": "error",
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // in a test, `x!` states what the test just checked
    files: ["**/*.test.{ts,tsx}", "e2e/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    files: ["e2e/**/*.ts", "scripts/**/*.mjs", "*.config.ts", "*.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
);
