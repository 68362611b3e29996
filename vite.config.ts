import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/**
 * The renderer build. `base: './'` keeps every URL relative, so the same build loads from the headless host, from
 * Electron's custom protocol and from a file. The output has no inline scripts: the page's CSP is `script-src 'self'`.
 */
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // Never inline anything as a data: URL that a strict CSP could refuse; the modulepreload polyfill is not needed in
    // Chromium and would be one more script to audit.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
  server: { strictPort: false },
});
