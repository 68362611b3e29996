import type { DecodingSettings } from '../../src-common/api/inference';
import { DecodingSettingsSchema, ProviderPreferenceSchema } from '../../src-common/api/inference';
import { DECODING_FIELDS, DECODING_KEYS, PROVIDER_HELP } from '../../src-common/decoding/options';
import type { ProviderPreference } from '../../src-common/decoding/providers';
import type { Command } from './command';
import { UsageError } from './command';

/** The decoding flags `ask`, `eval` and `batch` share: one per setting of the registry, plus `--provider`. */
export const DECODING_OPTIONS: Command['options'] = Object.fromEntries([
  ...DECODING_KEYS.map((key) => [DECODING_FIELDS[key].flag, { type: 'string' as const }]),
  ['provider', { type: 'string' as const }],
]);

const flagColumn = (flag: string, value: string) => `  --${flag} ${value}`.padEnd(21);

export const DECODING_USAGE = [
  ...DECODING_KEYS.map((key) => {
    const field = DECODING_FIELDS[key];
    return `${flagColumn(field.flag, field.metavar)}${field.help}`;
  }),
  `${flagColumn('provider', 'P')}${PROVIDER_HELP}`,
].join('\n');

export function parseDecoding(values: Record<string, unknown>): { decoding: DecodingSettings; provider: ProviderPreference } {
  const candidate: Record<string, unknown> = {};
  for (const key of DECODING_KEYS) {
    const field = DECODING_FIELDS[key];
    const raw = values[field.flag];
    if (raw === undefined) continue;
    if (field.kind === 'choice') {
      candidate[key] = raw;
      continue;
    }
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new UsageError(`--${field.flag} must be a number, not "${raw}"`);
    candidate[key] = value;
  }
  const decoding = DecodingSettingsSchema.safeParse(candidate);
  if (!decoding.success) {
    const issue = decoding.error.issues[0];
    throw new UsageError(`Invalid ${String(issue?.path[0] ?? 'decoding option')}: ${issue?.message}`);
  }
  const provider = ProviderPreferenceSchema.safeParse(values.provider ?? 'auto');
  if (!provider.success) throw new UsageError(`--provider must be one of ${ProviderPreferenceSchema.options.join(', ')}`);
  return { decoding: decoding.data, provider: provider.data };
}
