import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { methods } from '../../src-common/api/contract';
import { ApiError } from '../../src-common/api/errors';
import { DEFAULT_SETTINGS } from '../core/settings';
import { createTestApp } from '../test-support/test-app';
import { createHandlers } from './handlers';

const BUNDLED = join(import.meta.dirname, '..', '..', 'models');

function handlers() {
  return createHandlers(createTestApp({ bundledModels: BUNDLED }));
}

describe('models.details', () => {
  it("gives the bundled model's decoding defaults, suggested questions and tasks in the contract's shape", async () => {
    const details = await handlers()['models.details']({ id: 'diffa-tiny' });
    assert.equal(methods['models.details'].result.safeParse(details).success, true);
    assert.equal(details.id, 'diffa-tiny');
    assert.ok(details.suggestedQuestions.includes('What kind of sound is this?'));
    const kind = details.tasks.find((t) => t.task === 'kind');
    assert.ok(kind?.answers?.includes('a tone'));
    assert.ok(details.decoding.genLength % details.decoding.blockLength === 0);
  });

  it('refuses anything but an installed id (no folders)', async () => {
    const h = handlers();
    await assert.rejects(h['models.details']({ id: 'no-such-model' }), (e: unknown) => e instanceof ApiError && e.code === 'not_found');
    await assert.rejects(h['models.details']({ id: join(BUNDLED, 'diffa-tiny') }), (e: unknown) => e instanceof ApiError && e.code === 'not_found');
  });

  it('the decoding preset is a setting, faithful by default', () => {
    assert.equal(DEFAULT_SETTINGS.decodingPreset, 'faithful');
  });
});
