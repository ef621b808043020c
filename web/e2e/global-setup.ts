// Starts the real backend once for the whole run (demo data + ETL take a while) and tells the tests where it is.
import { startBackend } from "./support/backend";

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.E2E_BASE_URL) {
    return async () => undefined;
  }
  const backend = await startBackend();
  process.env.E2E_BASE_URL = backend.baseURL;
  process.env.E2E_BACKEND_DIR = backend.dir;
  process.env.E2E_BACKEND_ENV = JSON.stringify(backend.env);
  return backend.stop;
}
