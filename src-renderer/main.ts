import { mount } from 'svelte';
import App from './App.svelte';
import { api } from './lib/api';
import { applyTheme, cachedTheme } from './lib/theme';
import './app.css';

// The token in the address bar has done its job (the host answered with an HttpOnly cookie): keep it out of history.
if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', location.pathname + location.hash);

applyTheme(cachedTheme(window.matchMedia('(prefers-color-scheme: dark)').matches));

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
api.start();
