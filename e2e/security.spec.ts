import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openApp, test } from './fixtures';
import { REPO_ROOT } from './support/host';
import { rawGet, upgradeStatus } from './support/http';

test.describe('the host refuses requests without the right token', () => {
  for (const path of ['/', '/media/x']) {
    test(`GET ${path}: 401 without a token, 403 with a wrong one`, async ({ host }) => {
      const noToken = await rawGet(`${host.origin}${path}`);
      expect(noToken.status).toBe(401);
      expect(noToken.body).not.toContain('<script');
      expect((await rawGet(`${host.origin}${path}?token=wrong-token-wrong-token`)).status).toBe(403);
      expect((await rawGet(`${host.origin}${path}`, { Cookie: `diffa_token_${host.port}=wrong` })).status).toBe(403);
      expect((await rawGet(`${host.origin}${path}`, { Authorization: 'Bearer wrong' })).status).toBe(403);
    });
  }

  test('GET / with the token serves the page and sets an HttpOnly cookie', async ({ host }) => {
    const reply = await rawGet(host.url);
    expect(reply.status).toBe(200);
    expect(String(reply.headers['set-cookie'])).toMatch(new RegExp(`^diffa_token_${host.port}=.*HttpOnly`, 'i'));
  });

  test('the WebSocket /api: 401 without a token, 403 with a wrong one, 101 with the right one', async ({ host }) => {
    const api = `${host.origin}/api`;
    expect(await upgradeStatus(api, { Origin: host.origin })).toBe(401);
    expect(await upgradeStatus(`${api}?token=wrong-token-wrong-token`, { Origin: host.origin })).toBe(403);
    expect(await upgradeStatus(api, { Origin: host.origin, Cookie: `diffa_token_${host.port}=wrong` })).toBe(403);
    expect(await upgradeStatus(`${api}?token=${host.token}`, { Origin: host.origin })).toBe(101);
  });

  test('a WebSocket or request from another origin is refused, even with the token', async ({ host }) => {
    const withToken = `${host.origin}/api?token=${host.token}`;
    expect(await upgradeStatus(withToken, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(withToken, { Origin: `http://127.0.0.1:${host.port + 1}` })).toBe(403);
    expect((await rawGet(`${host.origin}/?token=${host.token}`, { Origin: 'http://evil.example' })).status).toBe(403);
    // DNS rebinding: a foreign Host name pointing at 127.0.0.1.
    expect((await rawGet(`${host.origin}/?token=${host.token}`, { Host: `evil.example:${host.port}` })).status).toBe(403);
  });
});

test.describe('Content-Security-Policy', () => {
  test('the page header forbids inline scripts', async ({ host }) => {
    const csp = String((await rawGet(host.url)).headers['content-security-policy']);
    const scriptSrc = csp
      .split(';')
      .map((directive) => directive.trim())
      .find((directive) => directive.startsWith('script-src'));
    expect(scriptSrc).toBe("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
  });

  test('the built page has no inline script', () => {
    const html = readFileSync(join(REPO_ROOT, 'dist', 'renderer', 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc=/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  test('Chromium enforces it: an injected inline script does not run', async ({ page, host }) => {
    await openApp(page, host.url);
    const outcome = await page.evaluate(
      () =>
        new Promise<{ ran: boolean; violated: string | null }>((resolve) => {
          const flags = globalThis as unknown as { __inlineRan?: boolean };
          let violated: string | null = null;
          document.addEventListener('securitypolicyviolation', (event) => {
            violated = event.violatedDirective;
          });
          const script = document.createElement('script');
          script.textContent = 'globalThis.__inlineRan = true;';
          document.body.append(script);
          setTimeout(() => resolve({ ran: flags.__inlineRan === true, violated }), 200);
        }),
    );
    expect(outcome.ran).toBe(false);
    expect(outcome.violated).toMatch(/^script-src/);
  });
});
