import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import { ARCHITECTURE_IDS } from './build/architectures';
import { readBuildPlan } from './build/build-plan';
import type { BuildRecipe, CatalogEntry } from './catalog';
import { getBytes, type HubClient, listTree, pinRevision, resolveUrl, type TreeEntry } from './hub';
import type { HubPolicy } from './hub-policy';
import type { BuildInput, BuildInputFile, StagedBuild } from './staging';

/**
 * A catalog model that is built on this machine (catalog `build`): which files of which repos it needs, each pinned
 * to the commit its revision points at now, with the sizes and hashes the hub lists. Only what the bundle reads:
 * LLaDA's safetensors shards (those model.safetensors.index.json names), the index and the tokenizer files;
 * Whisper's one safetensors file, of which only the encoder is fetched later (build-inputs.ts); the DIFFA checkpoint.
 */
export interface BuildJobPlan {
  id: string;
  name: string;
  licence: string;
  description: string;
  templateDir: string;
  build: StagedBuild;
}

/** The template folder an entry is built with, or why it cannot be built by this version of the app. */
export function templateFor(recipe: BuildRecipe, templatesDir: string): { dir: string; missing: string | null } {
  const dir = join(templatesDir, `${recipe.arch}-${recipe.dtype}`);
  if (!(ARCHITECTURE_IDS as string[]).includes(recipe.arch))
    return { dir, missing: `the app's builder cannot build ${recipe.arch} models (it builds ${ARCHITECTURE_IDS.join(', ')}); see docs/diffa2.md` };
  if (!existsSync(join(dir, 'build-plan.json')))
    return {
      dir,
      missing: `its build template (templates/${recipe.arch}-${recipe.dtype}) is not included in this version of the app. Build it with tools/convert_diffa2.py (docs/diffa2.md) and import the result`,
    };
  return { dir, missing: null };
}

const short = (commit: string) => commit.slice(0, 8);

function fileFrom(tree: Map<string, TreeEntry>, repo: string, commit: string, path: string, why: string): BuildInputFile {
  const entry = tree.get(path);
  if (!entry) throw new ApiError('not_found', `${repo}@${short(commit)}: ${path} is not in the repo (${why})`, { repo, path });
  return entry.lfs ? { path, size: entry.size, sha256: entry.lfs.oid } : { path, size: entry.size, gitOid: entry.oid };
}

export interface PlanContext {
  client: HubClient;
  policy: HubPolicy;
  /** The hub in effect (HF_ENDPOINT, setting or default). */
  endpoint: string;
  templatesDir: string;
  /** What the user asked for instead of the checkpoint's catalog revision. */
  revision?: string;
}

/** Pins the three repos and lists exactly the files a build reads. Nothing is downloaded but the small index. */
export async function planBuild(entry: CatalogEntry & { build: BuildRecipe }, ctx: PlanContext): Promise<BuildJobPlan> {
  const recipe = entry.build;
  const template = templateFor(recipe, ctx.templatesDir);
  if (template.missing) throw new ApiError('unsupported', `${entry.name} cannot be installed (nothing was downloaded): ${template.missing}`);
  const endpoint = ctx.policy.requireHub(recipe.endpoint ?? ctx.endpoint);
  const plan = readBuildPlan(template.dir);
  const bundleBytes = plan.graphs.reduce((n, g) => n + g.size, 0);

  const pinned = async (role: BuildInput['role'], repo: string, revision: string) => {
    const commit = await pinRevision(ctx.client, ctx.policy, endpoint, repo, revision);
    const tree = await listTree(ctx.client, ctx.policy, endpoint, repo, commit);
    return { role, endpoint, repo, revision, commit, tree };
  };

  const llada = await pinned('llada', recipe.llada.repo, recipe.llada.revision);
  const indexFile = fileFrom(llada.tree, llada.repo, llada.commit, 'model.safetensors.index.json', 'the list of its weight shards');
  const indexBytes = (
    await getBytes(ctx.client, ctx.policy, resolveUrl(endpoint, llada.repo, llada.commit, indexFile.path), `${llada.repo} model.safetensors.index.json`)
  ).bytes;
  let shards: string[];
  try {
    const map = (JSON.parse(indexBytes.toString('utf8')) as { weight_map: Record<string, string> }).weight_map;
    shards = [...new Set(Object.values(map))].sort();
    if (shards.length === 0 || shards.some((s) => typeof s !== 'string' || s.includes('/') || s.startsWith('.'))) throw new Error('bad shard names');
  } catch (error) {
    throw new ApiError('bad_model', `${llada.repo}@${short(llada.commit)}: model.safetensors.index.json is not a valid index (${(error as Error).message})`);
  }
  const lladaFiles = [
    indexFile,
    ...shards.map((s) => fileFrom(llada.tree, llada.repo, llada.commit, s, 'named by model.safetensors.index.json')),
    fileFrom(llada.tree, llada.repo, llada.commit, 'tokenizer.json', 'the tokenizer'),
    ...['tokenizer_config.json', 'config.json'].filter((f) => llada.tree.has(f)).map((f) => fileFrom(llada.tree, llada.repo, llada.commit, f, '')),
  ];

  const whisper = await pinned('whisper', recipe.whisper.repo, recipe.whisper.revision);
  const whisperFile = fileFrom(whisper.tree, whisper.repo, whisper.commit, recipe.whisper.file, 'the audio encoder');
  if (recipe.whisper.fileSize !== undefined && whisperFile.size !== recipe.whisper.fileSize)
    throw new ApiError(
      'bad_model',
      `${whisper.repo}@${short(whisper.commit)}: ${recipe.whisper.file} has ${whisperFile.size} bytes, the catalog expects ${recipe.whisper.fileSize}`,
    );

  const checkpoint = await pinned('checkpoint', recipe.checkpoint.repo, ctx.revision ?? recipe.checkpoint.revision);
  const checkpointFile = fileFrom(checkpoint.tree, checkpoint.repo, checkpoint.commit, recipe.checkpoint.file, 'the adapters and LoRA');

  const strip = ({ tree: _tree, ...input }: typeof llada) => input;
  return {
    id: entry.id,
    name: entry.name,
    licence: entry.licence,
    description: entry.description,
    templateDir: template.dir,
    build: {
      arch: recipe.arch,
      dtype: recipe.dtype,
      bundleBytes,
      inputs: [
        { ...strip(llada), files: lladaFiles },
        {
          ...strip(whisper),
          files: [whisperFile],
          subset: { prefix: recipe.whisper.tensorPrefix, dtype: recipe.whisper.dtype, tensorSha256: recipe.whisper.tensorSha256 },
        },
        { ...strip(checkpoint), files: [checkpointFile] },
      ],
    },
  };
}
