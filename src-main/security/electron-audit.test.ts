import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appRoot } from '../core/resources';
import { tempDir } from '../test-support/temp-dir';

/**
 * The Electronegativity audit (scripts/security-audit.mjs) finds what it should, offline. The audit of the app itself
 * runs as `npm run audit:electron` in `npm test`.
 */
interface Finding {
  id: string;
  severity: string;
  file: string;
}
interface Report {
  checks: number;
  errors: string[];
  failing: Finding[];
  accepted: Finding[];
  undocumented: string[];
}
const script = join(appRoot(), 'scripts', 'security-audit.mjs');
const { audit } = (await import(script)) as { audit(inputs?: string[]): Promise<Report> };

describe('Electronegativity audit', () => {
  it('catches an insecure window (so a clean audit of the app means something)', async () => {
    const dir = tempDir('diffa-audit-');
    writeFileSync(
      join(dir, 'main.ts'),
      [
        "import { BrowserWindow, shell } from 'electron';",
        'export function open(url: string): void {',
        '  const window = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, webSecurity: false } });',
        '  window.loadURL(url);',
        '  shell.openExternal(url);',
        '}',
      ].join('\n'),
    );
    const report = await audit([dir]);
    const ids = new Set(report.failing.map((f) => f.id));
    const expected = ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'WEB_SECURITY_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK'];
    for (const id of expected) assert.ok(ids.has(id), `${id} in ${[...ids]}`);
  });
});
