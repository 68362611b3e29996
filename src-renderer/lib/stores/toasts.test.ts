import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../../src-common/api/errors';
import { ManualTimers } from '../test-doubles';
import { ToastsStore } from './toasts.svelte';

describe('ToastsStore', () => {
  it('lets an info toast leave after five seconds and keeps an error until it is dismissed', () => {
    const timers = new ManualTimers();
    const toasts = new ToastsStore(timers);
    toasts.show('info', 'Saved a.csv');
    const error = toasts.error(new ApiError('io_error', 'disk full'), 'Cannot save');
    timers.advance(4999);
    assert.deepEqual(
      toasts.items.map((t) => t.message),
      ['Saved a.csv', 'Cannot save: disk full'],
    );
    timers.advance(1);
    assert.deepEqual(
      toasts.items.map((t) => t.message),
      ['Cannot save: disk full'],
    );
    toasts.dismiss(error);
    assert.deepEqual(toasts.items, []);
  });

  it('shows at most five, dropping the oldest, and stops its timers when disposed', () => {
    const timers = new ManualTimers();
    const toasts = new ToastsStore(timers);
    for (let n = 1; n <= 7; n++) toasts.show('info', `note ${n}`);
    assert.deepEqual(
      toasts.items.map((t) => t.message),
      ['note 3', 'note 4', 'note 5', 'note 6', 'note 7'],
    );
    toasts.error('plain text');
    assert.equal(toasts.items.at(-1)?.message, 'plain text');
    toasts.dispose();
    assert.equal(timers.pending.size, 0, 'no timer outlives the store');
  });
});
