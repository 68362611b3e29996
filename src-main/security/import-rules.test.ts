import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { appRoot } from '../core/resources';
import { tempDir } from '../test-support/temp-dir';

type Checker = { checkImports(root: string): { files: number; problems: string[] } };
const { checkImports } = (await import(join(appRoot(), 'scripts', 'check-imports.mjs'))) as Checker;

function tree(files: Record<string, string>): string {
  const root = tempDir('diffa-imports-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('import rules (scripts/check-imports.mjs, run by npm run lint)', () => {
  it('holds for this code base', () => {
    const { files, problems } = checkImports(appRoot());
    assert.ok(files > 100);
    assert.deepEqual(problems, []);
  });

  it('names an import circle, type-only imports included', () => {
    const root = tree({
      'src-main/models/a.ts': "import { b } from './b';\nexport const a = b;\n",
      'src-main/models/b.ts': "import type { A } from './c';\nexport const b = 1;\n",
      'src-main/models/c.ts': "import { a } from './a';\nexport type A = typeof a;\n",
    });
    assert.deepEqual(checkImports(root).problems, ['import circle: src-main/models/a.ts ↔ src-main/models/b.ts ↔ src-main/models/c.ts']);
  });

  it('refuses a feature folder importing one above it, and a folder without a rule', () => {
    const root = tree({
      'src-main/engine/x.ts': "import { chat } from '../chat/y';\nexport const x = chat;\n",
      'src-main/chat/y.ts': 'export const chat = 1;\n',
      'src-main/newfeature/z.ts': "export const z = 1;\nimport '../core/w';\n",
      'src-main/core/w.ts': 'export {};\n',
    });
    const { problems } = checkImports(root);
    assert.ok(problems.some((p) => p.includes('src-main/engine may not import src-main/chat')));
    assert.ok(problems.some((p) => p.includes('src-main/newfeature has no rule')));
    assert.equal(problems.length, 2);
  });
});
