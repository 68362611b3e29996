#!/usr/bin/env node
import { main } from './cli';

let settled = false;
// A command whose work can no longer finish (a promise nothing will ever settle) would otherwise end with exit code
// 0 and no word: say so and fail instead.
process.on('beforeExit', () => {
  if (settled) return;
  console.error('diffa: stopped before the command finished (internal error); nothing was reported as done');
  process.exit(70);
});

main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exit(code);
  },
  (error: unknown) => {
    settled = true;
    console.error(error);
    process.exit(1);
  },
);
