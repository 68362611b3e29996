import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type ProxyOptions } from 'vite';

/**
 * `npm run dev:renderer` serves the renderer with hot reload; the API comes from a running headless host. Start one
 * (`npm run diffa -- serve`) and pass the URL it printed: `DIFFA_HOST='http://127.0.0.1:PORT/?token=T' npm run
 * dev:renderer`. The dev server forwards /api, /media and /upload to it with the token and the host's own Origin.
 */
function hostProxy(hostUrl: string | undefined): Record<string, ProxyOptions> | undefined {
  if (!hostUrl) return undefined;
  const url = new URL(hostUrl);
  const token = url.searchParams.get('token') ?? '';
  const asHost = (proxyReq: { setHeader(name: string, value: string): void }) => {
    proxyReq.setHeader('origin', url.origin);
    proxyReq.setHeader('authorization', `Bearer ${token}`);
  };
  const options: ProxyOptions = {
    target: url.origin,
    changeOrigin: true,
    ws: true,
    configure: (proxy) => {
      proxy.on('proxyReq', asHost);
      proxy.on('proxyReqWs', asHost);
    },
  };
  return { '/api': options, '/media': options, '/upload': options };
}

/**
 * The renderer build. `base: './'` keeps every URL relative, so the same build loads from the headless host, from
 * Electron's app:// protocol and from a file. The output has no inline scripts: the page's CSP is `script-src 'self'`.
 */
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // Nothing inlined as a data: URL, and no modulepreload polyfill (Chromium does not need it): one script, by URL.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
  server: { host: '127.0.0.1', proxy: hostProxy(process.env.DIFFA_HOST) },
});
