// Vite config for the admin console. Served by the gateway under /console, so assets are built with that base.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One small app: keep it to a couple of files and no source maps in the shipped package.
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npx vite console` during development proxies the admin API to a locally running gateway.
    proxy: { '/admin': process.env.MOAT_CONSOLE_API ?? 'http://127.0.0.1:8080' },
  },
});
