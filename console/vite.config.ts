import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The console's build: one HTML page, hashed JS and CSS under /assets, nothing inline (the
 * Content-Security-Policy allows no inline script or style) and nothing from another origin.
 */
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  resolve: {
    // The counsel screen verifies exports with the same code as `npm run verify-export`
    // (shared/audit/verify.ts); these stand in for the Node modules that code imports.
    alias: {
      'node:crypto': fileURLToPath(new URL('src/shims/node-crypto.ts', import.meta.url)),
      'node:fs/promises': fileURLToPath(new URL('src/shims/node-empty.ts', import.meta.url)),
      'node:fs': fileURLToPath(new URL('src/shims/node-empty.ts', import.meta.url)),
      'node:readline': fileURLToPath(new URL('src/shims/node-empty.ts', import.meta.url)),
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Never inline an asset as a data: URL, and no inline module-preload polyfill.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
});
