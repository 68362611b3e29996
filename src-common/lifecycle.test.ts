import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DisposableStore, toDisposable } from './lifecycle';

describe('DisposableStore', () => {
  it('disposes in reverse order, once, and goes on past a failure', async () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add(toDisposable(() => void order.push('first')));
    store.add(
      toDisposable(() => {
        order.push('second');
        throw new Error('boom');
      }),
    );
    store.add(toDisposable(async () => void order.push('third')));
    await assert.rejects(store.dispose(), /boom/);
    assert.deepEqual(order, ['third', 'second', 'first']);
    await store.dispose();
    assert.equal(order.length, 3, 'a second dispose does nothing');
    store.add(toDisposable(() => void order.push('late')));
    assert.deepEqual(order.at(-1), 'late', 'added after disposal: disposed at once');
  });
});
