// `node --import tsx --import ./scripts/svelte-test-register.mjs --test …`: see svelte-test-hooks.mjs.
import { register } from 'node:module';

register('./svelte-test-hooks.mjs', import.meta.url);
