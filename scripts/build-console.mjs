#!/usr/bin/env node
// Builds the admin console (console/) into console/dist with Vite's programmatic API. Chained into the
// root package's `prepare` script so `npm install` produces a servable console without a separate step.
// Skips quietly when Vite is absent (a production install without devDependencies uses the shipped dist).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../console/', import.meta.url));

let vite;
try {
  vite = await import('vite');
} catch {
  if (existsSync(new URL('../console/dist/index.html', import.meta.url))) {
    console.log('build-console: vite not installed; using the existing console/dist');
    process.exit(0);
  }
  console.error('build-console: vite is not installed and console/dist is missing; run `npm install` with dev dependencies');
  process.exit(1);
}

const started = Date.now();
await vite.build({ root, configFile: fileURLToPath(new URL('../console/vite.config.ts', import.meta.url)), logLevel: process.env.CI ? 'info' : 'warn' });
console.log(`build-console: built console/dist in ${Date.now() - started} ms`);
