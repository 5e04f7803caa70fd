// Starts a worker thread on a module of src/. Under tsx (tests, `npm start` from source) the module is a .ts file
// and the thread registers tsx before loading it (workers do not inherit tsx's module hooks); in dist/ it is .js.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `entry` is the module's path relative to `base` (the caller's import.meta.url), without its extension. */
export function startModuleWorker(base: string, entry: string, options: Pick<WorkerOptions, 'workerData' | 'transferList'> = {}): Worker {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  const url = new URL(`${entry}${ext}`, base);
  if (ext === '.js') return new Worker(url, options);
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
