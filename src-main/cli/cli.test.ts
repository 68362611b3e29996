import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';

const entry = join(import.meta.dirname, 'main.ts');
const bundledManifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../models/diffa-tiny/manifest.json'), 'utf8')) as {
  capabilities: { unsure_below: number };
};
const home = tempDir();
const diffa = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { encoding: 'utf8', env: { ...process.env, DIFFA_HOME: home } });

describe('diffa CLI', () => {
  it('lists its commands', () => {
    const run = diffa('--help');
    assert.equal(run.status, 0);
    assert.match(run.stdout, /Usage: npm run diffa -- <command>/);
    assert.match(run.stdout, /serve/);
  });

  it('prints each command its own help', () => {
    const run = diffa('serve', '--help');
    assert.equal(run.status, 0);
    assert.match(run.stdout, /--port N/);
  });

  it('says so for an unknown command or option', () => {
    assert.equal(diffa('frobnicate').status, 2);
    const run = diffa('serve', '--frob');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /Unknown option '--frob'/);
  });

  it('refuses a non-loopback address without an explicit token', () => {
    const run = diffa('serve', '--host', '0.0.0.0');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /Refusing to listen on 0\.0\.0\.0/);
  });

  it('names a bad --file and exits non-zero', () => {
    const run = diffa('serve', '--file', join(home, 'nope.wav'));
    assert.equal(run.status, 1);
    assert.match(run.stderr, /nope\.wav: the file does not exist/);
  });

  it('ask answers one question in its own process and exits (the engine runs in the CLI for one question)', () => {
    const wav = writeSineWav(join(home, 'ask-tone.wav'), 1, 440, 16000);
    const run = diffa('ask', '--audio', wav, '--question', 'What kind of sound is this?', '--json');
    assert.equal(run.status, 0, run.stderr);
    const answer = JSON.parse(run.stdout) as {
      answer: string;
      provider: string;
      cache: { used: string };
      forward_passes: number;
      no_answer: boolean;
      confidence: number;
      unsure: boolean;
      unsure_below: number;
    };
    assert.equal(answer.provider, 'cpu');
    assert.ok(answer.answer.length > 0);
    // Visible doubt: the least word confidence, judged by the bundled model's calibrated threshold (its manifest).
    assert.equal(answer.no_answer, false);
    assert.ok(answer.confidence > 0 && answer.confidence <= 1, String(answer.confidence));
    assert.equal(answer.unsure_below, bundledManifest.capabilities.unsure_below);
    assert.equal(answer.unsure, answer.confidence < answer.unsure_below);
    assert.ok(answer.forward_passes >= 1);
    assert.equal(answer.cache.used, 'prefix');
  });

  it('ask names an audio file it cannot read and exits 1', () => {
    const notAudio = join(home, 'notes.wav');
    writeFileSync(notAudio, 'not audio at all');
    const run = diffa('ask', '--audio', notAudio, '--question', 'What kind of sound is this?');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /diffa ask: .*notes\.wav/);
  });

  it('serve prints the URL with its token on a line of its own, and preloads --file', async () => {
    const wav = writeSineWav(join(home, 'tone.wav'), 0.2);
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'serve', '--file', wav], { env: { ...process.env, DIFFA_HOME: home } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => /^http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/.test(line) && resolve(line));
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const { WebSocket } = await import('ws');
      const ws = new WebSocket(`${url.replace('http', 'ws').replace('/?', '/api?')}`);
      const reply = await new Promise<{ result: { name: string }[] }>((resolve) => {
        ws.on('open', () => ws.send(JSON.stringify({ type: 'request', id: 1, method: 'files.list', params: {} })));
        ws.on('message', (data) => {
          const message = JSON.parse(data.toString());
          if (message.type === 'response') resolve(message);
        });
      });
      ws.close();
      assert.deepEqual(
        reply.result.map((f) => f.name),
        ['tone.wav'],
      );
    } finally {
      child.kill('SIGTERM');
    }
  });
});
