import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodingSettingsSchema, ProviderPreferenceSchema, SamplerNameSchema } from '../api/inference';
import { SettingsSchema } from '../api/schemas';
import { decodingProblem, resolveDecoding } from './defaults';
import { DECODING_FIELDS, DECODING_KEYS, relevantDecoding } from './options';
import { PROVIDER_NAMES, PROVIDER_PREFERENCES } from './providers';
import { plansSteps, SAMPLER_NAMES } from './samplers';

const defaults = {
  sampler: 'factor',
  steps: 8,
  genLength: 8,
  blockLength: 4,
  temperature: 0,
  cfgScale: 0,
  factor: 1,
  threshold: 0.9,
  cache: 'prefix',
} as const;

describe('decoding registry', () => {
  it('is the one list the schemas are built from', () => {
    assert.deepEqual(SamplerNameSchema.options, [...SAMPLER_NAMES]);
    assert.deepEqual(ProviderPreferenceSchema.options, ['auto', ...PROVIDER_NAMES]);
    assert.deepEqual(SettingsSchema.shape.provider.options, [...PROVIDER_PREFERENCES]);
    assert.deepEqual(Object.keys(DecodingSettingsSchema.shape).sort(), [...DECODING_KEYS].sort(), 'every setting has a CLI flag and a form field');
  });

  it('knows which samplers plan their steps (the LLaDA family)', () => {
    assert.deepEqual(
      SAMPLER_NAMES.filter((s) => plansSteps(s)),
      ['low-confidence', 'random'],
    );
  });

  it('keeps the default block length while it divides a changed gen length, else decodes in one block', () => {
    assert.equal(resolveDecoding(defaults, {}).blockLength, 4);
    assert.equal(resolveDecoding(defaults, { genLength: 12 }).blockLength, 4);
    assert.equal(resolveDecoding(defaults, { genLength: 10 }).blockLength, 10);
    assert.equal(resolveDecoding(defaults, { genLength: 10, blockLength: 5 }).blockLength, 5);
    assert.equal(resolveDecoding(defaults, { seed: undefined }).seed, 0, 'a setting left undefined is the default');
  });

  it('says what the engine would refuse', () => {
    const d = resolveDecoding(defaults, { sampler: 'low-confidence' });
    assert.equal(decodingProblem(d), null);
    assert.match(decodingProblem({ ...d, blockLength: 3 }) ?? '', /multiple of the block length/);
    assert.match(decodingProblem({ ...d, steps: 3 }) ?? '', /multiple of the number of blocks \(2\)/);
    assert.equal(decodingProblem({ ...d, sampler: 'factor', steps: 3 }), null, 'parallel samplers do not plan steps');
  });

  it('sends only what the sampler reads', () => {
    const d = resolveDecoding(defaults, {});
    assert.deepEqual(Object.keys(relevantDecoding(d)).sort(), ['blockLength', 'cache', 'cfgScale', 'factor', 'genLength', 'sampler', 'seed', 'temperature']);
    assert.ok('threshold' in relevantDecoding({ ...d, sampler: 'threshold' }));
    assert.ok('steps' in relevantDecoding({ ...d, sampler: 'random' }));
    assert.equal(DECODING_FIELDS.steps.flag, 'steps');
  });
});
