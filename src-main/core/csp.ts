/**
 * The Content-Security-Policy of the renderer page, the same in Electron and in the headless host: scripts only from
 * the app itself (no inline script, no eval), no plugins, no framing, network only back to the app.
 * Inline styles stay allowed because Svelte and wavesurfer.js set element styles.
 */
export function contentSecurityPolicy(connectSources: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src 'self' ${connectSources.join(' ')}`.trim(),
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
