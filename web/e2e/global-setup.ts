// Starts the real backend once for the whole run (demo data + ETL take a while) and tells the tests where it is.
import { backendBuildsReports, startBackend } from "./support/backend";

async function probeReports(baseURL: string): Promise<void> {
  const { ok, why } = await backendBuildsReports(baseURL);
  process.env.E2E_REPORTS = ok ? "1" : "0";
  process.env.E2E_REPORTS_WHY = why;
  if (!ok) {
    console.warn(`e2e: tests that need a report are skipped: ${why}`);
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.E2E_BASE_URL) {
    await probeReports(process.env.E2E_BASE_URL);
    return async () => undefined;
  }
  const backend = await startBackend();
  process.env.E2E_BASE_URL = backend.baseURL;
  process.env.E2E_BACKEND_DIR = backend.dir;
  process.env.E2E_BACKEND_ENV = JSON.stringify(backend.env);
  try {
    await probeReports(backend.baseURL);
  } catch (e) {
    await backend.stop();
    throw e;
  }
  return backend.stop;
}
