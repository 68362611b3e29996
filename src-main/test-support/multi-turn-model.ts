import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledModelsDir } from '../core/resources';
import { tempDir } from './temp-dir';

/** A copy of the bundled model whose manifest declares multi-turn training (the bundled one is not changed). */
export function multiTurnModelCopy(): string {
  const dir = join(tempDir(), 'diffa-tiny-chat');
  cpSync(join(bundledModelsDir(), 'diffa-tiny'), dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  manifest.capabilities.multi_turn = true;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}
