#!/usr/bin/env node
// The e2e suite on a busy machine: `stress-ng --cpu 4` keeps every core busy while Playwright runs, and the tests'
// time limits are stretched (E2E_TIME_SCALE=3), so a test that waits for an event passes however slow the machine is,
// and one that waits for the machine to be fast shows up. Extra arguments go to Playwright (a spec, --workers=1, …).
import { spawn, spawnSync } from 'node:child_process';

if (spawnSync('stress-ng', ['--version']).error) {
  console.error('stress-ng is not installed (Debian/Ubuntu: apt-get install stress-ng)');
  process.exit(1);
}
const load = spawn('stress-ng', ['--cpu', '4', '--quiet'], { stdio: 'ignore' });
const stopLoad = () => {
  if (load.exitCode === null) load.kill('SIGTERM');
};
process.on('exit', stopLoad);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const run = spawnSync('npx', ['playwright', 'test', '--config', 'e2e/playwright.config.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, E2E_TIME_SCALE: process.env.E2E_TIME_SCALE ?? '3' },
});
stopLoad();
process.exit(run.status ?? 1);
