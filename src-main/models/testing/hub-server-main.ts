import { TestHub } from './hub-server';

/**
 * Runs the test hub in its own process (benchmarks: the server must not share an event loop with the client being
 * measured). Usage: hub-server-main.ts <repo> <path-in-repo>=<file on disk>...; prints the URL, serves until killed.
 */
const [repo, ...files] = process.argv.slice(2);
if (!repo) throw new Error('usage: hub-server-main.ts <repo> <name>=<file>...');
const hub = await new TestHub().start();
hub.addRepo(
  repo,
  files.map((spec) => {
    const [path, diskPath] = spec.split('=') as [string, string];
    return { path, diskPath, lfs: true };
  }),
  { commit: 'bench' },
);
console.log(hub.url);
