import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAppHome } from '../../core/app-home';
import { buildBundle } from '../build/build-bundle';
import { ModelManager } from '../manager';

/**
 * A process that installs a built catalog model and dies by SIGKILL once the build has recorded `killAfter` finished tensors:
 * a crash in the middle of a build, for the resume test. The build runs in this process (not a worker) so that the
 * kill lands exactly after a tensor's bytes and build-state.json were written.
 *   node --import tsx build-kill-child.ts HOME CATALOG TEMPLATES ENDPOINT ID KILL_AFTER
 */
const [home, catalogPath, templatesDir, endpoint, id, killAfter] = process.argv.slice(2) as [string, string, string, string, string, string];
const manager = new ModelManager({
  home: openAppHome(home),
  bundledDir: join(home, 'no-bundled'),
  catalogPath,
  templatesDir,
  env: { HF_ENDPOINT: endpoint, HF_TOKEN_PATH: join(home, 'no-token') },
  runBuild: async (request) => {
    // Dies as soon as build-state.json records `killAfter` finished tensors (the state is made durable behind the
    // writes, so the kill lands with some tensors recorded and later ones possibly half-written).
    const finished = () => {
      try {
        const state = JSON.parse(readFileSync(join(`${request.out}.partial`, 'build-state.json'), 'utf8')) as { next: Record<string, number> };
        return Object.values(state.next).reduce((a, b) => a + b, 0);
      } catch {
        return 0;
      }
    };
    const result = await buildBundle({
      ...request,
      onProgress: (p) => {
        if (p.phase === 'writing' && finished() >= Number(killAfter)) process.kill(process.pid, 'SIGKILL');
      },
    });
    return { resumed: result.resumed };
  },
});
const { done } = await manager.pull(id);
await done;
console.log('installed without being killed');
