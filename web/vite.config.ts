/// <reference types="vitest/config" />
// Vite builds the web UI into dist/, which `catlens app` serves (paths.web). In development `npm run dev` proxies
// the API to a running backend (CATLENS_DEV_BACKEND, default http://127.0.0.1:8080) so cookies stay same-origin.
import { fileURLToPath, URL } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const backend = process.env.CATLENS_DEV_BACKEND ?? "http://127.0.0.1:8080";
// The backend's API paths (docs/contracts.md, BRIEF §6); everything else is the single-page app.
const apiPaths = [
  "/login-url",
  "/auth",
  "/auth-me",
  "/logout",
  "/category-list",
  "/wbr",
  "/feedback",
  "/usage",
  "/healthz",
  "/openapi.json",
];

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: Object.fromEntries(apiPaths.map((p) => [p, { target: backend, changeOrigin: false }])),
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
  },
});
