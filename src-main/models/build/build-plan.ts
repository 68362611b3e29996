import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../../../src-common/api/errors';

/**
 * build-plan.json, written beside the graph templates by `tools/convert_diffa2.py --template`: for each graph's
 * external-data file, every weight's place (offset, length), stored type and shape, and how its bytes come from one
 * state-dict tensor (`source`, float32 in the checkpoint's layout):
 *   copy       cast to `dtype`
 *   transpose  2-D, then cast (a Linear weight the graph reads as Wᵀ)
 *   q4, scales, zero_points   MatMulNBits' three inputs, 4-bit blocks of 32 along K (int4-quantize.ts)
 * Offsets and sizes are baked in: a template serves one configuration (layer count and widths); the audio length
 * and the token count stay graph inputs.
 */
export const PlanEntrySchema = z.object({
  name: z.string(),
  source: z.string(),
  source_shape: z.array(z.number().int().nonnegative()),
  op: z.enum(['copy', 'transpose', 'q4', 'scales', 'zero_points']),
  dtype: z.enum(['float32', 'float16', 'uint8']),
  shape: z.array(z.number().int().nonnegative()),
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
});
export type PlanEntry = z.infer<typeof PlanEntrySchema>;

export const GraphPlanSchema = z.object({
  graph: z.string().regex(/^[\w.-]+\.onnx$/),
  data: z.string().regex(/^[\w.-]+\.onnx\.data$/),
  size: z.number().int().nonnegative(),
  tensors: z.array(PlanEntrySchema),
});
export type GraphPlan = z.infer<typeof GraphPlanSchema>;

export const BuildPlanSchema = z.object({
  format: z.literal('diffa-build-plan'),
  format_version: z.literal(1),
  arch: z.enum(['diffa2', 'diffa']),
  dtype: z.string(),
  config: z.record(z.string(), z.unknown()),
  lora_alpha: z.number(),
  specials: z.record(z.string(), z.string()),
  graphs: z.array(GraphPlanSchema),
  manifest: z.record(z.string(), z.unknown()),
});
export type BuildPlan = z.infer<typeof BuildPlanSchema>;

export function readBuildPlan(templateDir: string): BuildPlan {
  const path = join(templateDir, 'build-plan.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ApiError('not_found', `no build plan in the template folder (${(error as Error).message})`, { path });
  }
  const parsed = BuildPlanSchema.safeParse(raw);
  if (!parsed.success) throw new ApiError('bad_model', `build-plan.json is not valid: ${parsed.error.issues[0]?.message}`, { path });
  return parsed.data;
}
