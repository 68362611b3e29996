import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import * as fc from 'fast-check';
import type { z } from 'zod';
import { type MethodName, methodNames, methods } from '../../src-common/api/contract';
import { parseResponse } from '../../src-common/api/validate';
import { dispatch } from '../api/dispatch';
import { createHandlers } from '../api/handlers';
import { contentSecurityPolicy } from '../core/csp';
import { appRoot } from '../core/resources';
import type { EngineChannel } from '../engine/engine-client';
import { forkEngine } from '../engine/fork-engine';
import { engineOps } from '../engine/protocol';
import { createHeadlessApp } from '../host/headless-services';
import { safeFileName } from '../host/upload';
import { parseDroppedPaths } from '../shell-logic/dropped-paths';
import { addCspSources, MEDIA_SCHEME } from '../shell-logic/security';
import { tempDir } from '../test-support/temp-dir';
import { fuzzParameters } from './fuzz-support';

/**
 * The app's attack surface, checked from its definitions: the page's CSP, the contract's params schemas (strict, no
 * paths from the page), the engine protocol (paths only from the main side, validated in the engine process), and
 * the Electron shell's IPC (one bridge, validated input).
 */
const root = appRoot();

// ---- CSP -----------------------------------------------------------------------------------------------------------

const directives = (policy: string) =>
  new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name as string, sources]),
  );

describe('Content-Security-Policy (src-main/core/csp.ts)', () => {
  // The headless host's policy and the Electron shell's (app/protocol.ts: media from diffa-media: added).
  const policies = {
    host: contentSecurityPolicy(['ws://127.0.0.1:5173']),
    electron: addCspSources(contentSecurityPolicy([`${MEDIA_SCHEME}:`]), 'media-src', [`${MEDIA_SCHEME}:`]),
  };

  for (const [name, policy] of Object.entries(policies)) {
    it(`${name}: scripts only from the app itself: no inline, no eval, no other origin`, () => {
      const d = directives(policy);
      assert.deepEqual(d.get('script-src'), ["'self'"]);
      assert.deepEqual(d.get('default-src'), ["'self'"]);
      for (const [directive, sources] of d) {
        if (directive === 'style-src') continue; // inline styles: Svelte and wavesurfer.js set element styles
        for (const bad of ["'unsafe-inline'", "'unsafe-eval'", "'wasm-unsafe-eval'", "'unsafe-hashes'", '*', 'http:', 'https:', 'data:'])
          if (!(directive === 'img-src' && bad === 'data:')) assert.ok(!sources.includes(bad), `${directive} allows ${bad}`);
      }
      assert.deepEqual(d.get('object-src'), ["'none'"]);
      assert.deepEqual(d.get('base-uri'), ["'none'"]);
      assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
      assert.deepEqual(d.get('form-action'), ["'none'"]);
    });
  }

  it('extra connect sources stay in connect-src (they cannot add a script source)', () => {
    const d = directives(contentSecurityPolicy(["'unsafe-eval'"]));
    assert.deepEqual(d.get('script-src'), ["'self'"]);
  });

  it('the page has no inline script or event handler attributes (source and, when built, the build)', () => {
    const pages = [join(root, 'src-renderer', 'index.html'), join(root, 'dist', 'renderer', 'index.html')].filter((path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    });
    assert.ok(pages.length >= 1);
    for (const page of pages) {
      const html = readFileSync(page, 'utf8');
      for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) assert.match(tag, /\ssrc=/, `${relative(root, page)}: ${tag}`);
      assert.doesNotMatch(html, /<script\b[^>]*>[^<\s]/i, `${relative(root, page)}: inline script`);
      assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${relative(root, page)}: an on… attribute`);
      assert.doesNotMatch(html, /javascript:/i);
    }
  });
});

// ---- contract params -----------------------------------------------------------------------------------------------

type Def = { type: string; shape?: Record<string, z.ZodType>; catchall?: z.ZodType; [key: string]: unknown };
const def = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Every object schema and every leaf inside a params schema, with the key path that leads to it. */
function walk(schema: z.ZodType, at: string[], visit: (schema: z.ZodType, d: Def, at: string[]) => void, seen = new Set<z.ZodType>()): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  const d = def(schema);
  visit(schema, d, at);
  const child = (s: unknown, step?: string) => s && walk(s as z.ZodType, step === undefined ? at : [...at, step], visit, seen);
  if (d.type === 'object') for (const [key, value] of Object.entries(d.shape ?? {})) child(value, key);
  for (const key of ['innerType', 'element', 'in', 'out', 'valueType', 'keyType', 'left', 'right', 'rest']) child(d[key], key === 'element' ? '[]' : undefined);
  for (const option of (d.options as z.ZodType[] | undefined) ?? []) child(option);
  for (const item of (d.items as z.ZodType[] | undefined) ?? []) child(item);
  if (d.type === 'lazy') child((d.getter as () => z.ZodType)());
}

/** Fields that carry a file name or path, and why each is not a path the main side opens. */
const NAME_FIELDS: Record<string, string> = {
  'interchange.import fileName': 'the name of the annotation file the page read (its text comes in `text`): picks the format and names it in messages',
};
const PATHISH = /path|dir|folder|file|url|uri|home|cwd|dest|location/i;

describe('contract params (src-common/api/contract.ts)', () => {
  it('every method refuses unknown keys at the top, and no nested object passes unknown keys through', () => {
    for (const method of methodNames) {
      assert.equal(def(methods[method].params).type, 'object', method);
      assert.equal(def(def(methods[method].params).catchall as z.ZodType)?.type, 'never', `${method}: params must be .strict()`);
      walk(methods[method].params, [], (_s, d, at) => {
        if (d.type === 'object' && d.catchall) assert.equal(def(d.catchall).type, 'never', `${method} ${at.join('.')}: passes unknown keys through`);
        assert.ok(!['any', 'unknown'].includes(d.type) || at.length === 0, `${method} ${at.join('.')}: accepts anything`);
      });
    }
  });

  it('no method takes a path from the page: file fields are opaque ids or names, never opened', () => {
    const stringy = (schema: z.ZodType) => schema.safeParse('/etc/passwd').success || schema.safeParse('../../etc/passwd').success;
    const found: string[] = [];
    for (const method of methodNames) {
      walk(methods[method].params, [], (schema, _d, at) => {
        const key = at.filter((step) => step !== '[]').pop();
        if (!key || !PATHISH.test(key) || !stringy(schema)) return;
        // ids (fileId, fileIds[]) are looked up among the files the user chose; see the next test
        if (/Ids?$/.test(key)) return;
        found.push(`${method} ${key}`);
      });
    }
    assert.deepEqual(found.sort(), Object.keys(NAME_FIELDS).sort(), 'a new path-like field needs a reason here, or an id instead');
  });

  it('file ids that look like paths are unknown ids: not_found, nothing read', async () => {
    const services = createHeadlessApp(join(tempDir(), 'home'));
    after(() => services.engine.dispose());
    const handlers = createHandlers(services);
    const idMethods: [MethodName, (id: string) => Record<string, unknown>][] = [
      ['audio.describe', (id) => ({ id })],
      ['library.get', (id) => ({ id })],
      ['files.close', (id) => ({ id })],
      ['interchange.export', (id) => ({ fileId: id, format: 'json' })],
    ];
    for (const id of ['/etc/passwd', '../../etc/passwd', 'C:\\Windows\\win.ini', 'file:///etc/passwd', '.']) {
      for (const [method, params] of idMethods) {
        const reply = parseResponse(await dispatch(handlers, { type: 'request', id: 1, method, params: params(id) }));
        assert.ok(!reply.ok && ['not_found', 'bad_request'].includes(reply.error.code), `${method} ${id}: ${JSON.stringify(reply)}`);
      }
    }
  });
});

// ---- uploads ---------------------------------------------------------------------------------------------------------

describe('uploads to the headless host (src-main/host/upload.ts)', () => {
  it('any name the page gives becomes one plain file name inside the upload folder', () => {
    const name = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom(
        '../../etc/passwd',
        '..\\..\\win.ini',
        '/abs/x.wav',
        '..',
        '.',
        '',
        'CON',
        'nul.wav',
        'com1.mp3',
        'a.wav.',
        'b.wav  ',
        '\u0000.wav',
        '.bashrc',
      ),
      fc.tuple(fc.string({ unit: 'grapheme', minLength: 100, maxLength: 200 }), fc.constantFrom('.wav', '.flac', '.mp3')).map(([stem, ext]) => stem + ext),
    );
    fc.assert(
      fc.property(name, (raw) => {
        const safe = safeFileName(raw);
        assert.ok(safe.length > 0);
        assert.equal(basename(safe), safe);
        assert.ok(!/[\\/\0]/.test(safe) && safe !== '.' && safe !== '..' && !safe.startsWith('.'), safe);
        assert.ok(Buffer.byteLength(safe) <= 201, `${Buffer.byteLength(safe)} bytes`);
        assert.ok(!/[. ]$/.test(safe), `trailing dot or space: ${JSON.stringify(safe)}`);
        assert.ok(!/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(safe), `a Windows device name: ${safe}`);
        assert.doesNotMatch(safe, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, 'no half surrogate pairs');
        const extension = /\.(wav|flac|mp3)$/.exec(raw)?.[0];
        if (extension && /^[\p{L}\p{N}._ -]+$/u.test(raw)) assert.ok(safe.endsWith(extension), `${safe} keeps ${extension}`);
      }),
      fuzzParameters(500),
    );
    assert.equal(safeFileName('tone.wav'), 'tone.wav');
    assert.equal(safeFileName('C:\\Users\\me\\Field recording 01.flac'), 'Field recording 01.flac');
  });
});

// ---- engine protocol -------------------------------------------------------------------------------------------------

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : /\.(ts|svelte)$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe('engine protocol (src-main/engine/protocol.ts)', () => {
  it('paths (model folder, audio file) travel only main side → engine; page-side code cannot reach the protocol', () => {
    const pathFields: string[] = [];
    for (const [op, { params }] of Object.entries(engineOps)) {
      walk(params as z.ZodType, [], (schema, _d, at) => {
        const key = at.pop();
        if (key && PATHISH.test(key) && (schema as z.ZodType).safeParse('/x').success) pathFields.push(`${op} ${key}`);
      });
    }
    // the chat service fills these from a resolved model and from files.get(fileId): the page sends ids only
    assert.deepEqual(pathFields.sort(), ['ask audioPath', 'ask modelDir', 'load modelDir']);
    const pageSide = [...sourceFiles(join(root, 'src-common')), ...sourceFiles(join(root, 'src-renderer'))];
    for (const file of pageSide) assert.doesNotMatch(readFileSync(file, 'utf8'), /engine\/protocol|engine-client/, relative(root, file));
  });

  it('the engine process validates every call: junk is ignored, bad params get an error, and it keeps answering', async () => {
    const channel: EngineChannel = forkEngine()();
    after(() => channel.kill());
    const inbox: unknown[] = [];
    let notify: () => void = () => undefined;
    channel.onMessage((message) => {
      inbox.push(message);
      notify();
    });
    const next = (what: string) =>
      new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`engine: nothing after ${what}`)), 30_000);
        const check = () => {
          const message = inbox.shift();
          if (message === undefined) return;
          clearTimeout(timer);
          resolve(message);
        };
        notify = check;
        check();
      });
    assert.equal(((await next('start')) as { type: string }).type, 'ready');
    for (const junk of [
      null,
      'hello',
      42,
      { type: 'call' },
      { type: 'call', id: 'x', op: 'hello', params: {} },
      { type: 'call', id: 1, op: 'eval', params: {} },
    ])
      channel.postMessage(junk);
    const bad = [
      { type: 'call', id: 2, op: 'hello', params: { extra: true } },
      { type: 'call', id: 3, op: 'load', params: { modelDir: 7 } },
      { type: 'call', id: 4, op: 'load', params: { modelDir: '', provider: 'auto' } },
      { type: 'call', id: 5, op: 'ask', params: { question: 'x' } },
      { type: 'call', id: 6, op: 'cancel', params: { callId: 'all' } },
    ];
    for (const call of bad) {
      channel.postMessage(call);
      const reply = (await next(`call ${call.id}`)) as { type: string; id: number; ok: boolean; error?: { code: string } };
      assert.deepEqual([reply.type, reply.id, reply.ok], ['reply', call.id, false], JSON.stringify(reply));
    }
    channel.postMessage({ type: 'call', id: 7, op: 'hello', params: {} });
    const hello = (await next('hello')) as { id: number; ok: boolean };
    assert.deepEqual([hello.id, hello.ok], [7, true], 'junk before did not produce replies, and the engine still answers');
  });
});

// ---- Electron IPC ----------------------------------------------------------------------------------------------------

describe('Electron shell IPC (src-main/app)', () => {
  const preload = readFileSync(join(root, 'src-main', 'app', 'preload.ts'), 'utf8');
  const main = readFileSync(join(root, 'src-main', 'app', 'electron-main.ts'), 'utf8');

  it('the preload exposes one object (window.diffa) and no ipcRenderer, require or process', () => {
    assert.deepEqual(preload.match(/exposeInMainWorld\(\s*'[^']+'/g), ["exposeInMainWorld('diffa'"]);
    assert.doesNotMatch(preload, /exposeInMainWorld\([^)]*(ipcRenderer|require|process)/);
  });

  it('every ipcMain listener checks its sender first', () => {
    const listeners = [...main.matchAll(/ipcMain\.(on|handle|once)\((\w+),\s*(?:async\s*)?\((\w+)[^)]*\)\s*=>\s*\{\s*\n\s*([^\n]+)/g)];
    assert.ok(listeners.length >= 2, 'found the listeners');
    for (const [, kind, channel, event, first] of listeners)
      assert.match(first ?? '', new RegExp(`if \\(!trusted\\(${event}\\)\\)`), `ipcMain.${kind}(${channel})`);
  });

  it('dropped paths: any value is a list of absolute paths or an Error, never more than 64', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.array(fc.oneof(fc.string(), fc.constantFrom('', '/a/b.wav', 'relative.wav', '/x\0y', 'C:\\a.wav')), { maxLength: 70 })),
        (raw) => {
          try {
            const paths = parseDroppedPaths(raw);
            assert.ok(paths.length <= 64);
            for (const path of paths) assert.ok(typeof path === 'string' && path.startsWith('/') && !path.includes('\0'));
          } catch (error) {
            assert.equal((error as Error).constructor, Error);
          }
        },
      ),
      fuzzParameters(300),
    );
  });
});
