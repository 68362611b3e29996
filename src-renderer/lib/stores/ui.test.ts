import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UiStore } from './ui.svelte';

describe('UiStore', () => {
  it('opens the picker the Open button registered, and none once it unregistered', () => {
    const ui = new UiStore();
    const opened: string[] = [];
    ui.chooseFiles();
    const first = ui.registerPicker(() => opened.push('first'));
    const second = ui.registerPicker(() => opened.push('second'));
    ui.chooseFiles();
    first();
    ui.chooseFiles();
    assert.deepEqual(opened, ['second', 'second'], 'an older button going away does not remove the newer one');
    second();
    ui.chooseFiles();
    assert.deepEqual(opened, ['second', 'second']);
  });
});
