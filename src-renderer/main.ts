import { mount, unmount } from 'svelte';
import App from './App.svelte';
import { Api, chooseLink } from './lib/api-session';
import { browserStorage, mediaWatch, type PageEnv } from './lib/env';
import { createPage, pageContext } from './lib/page';
import { applyTheme, cachedTheme } from './lib/theme';
import { uploadFile } from './lib/upload';
import './app.css';

// The token in the address bar has done its job (the host answered with an HttpOnly cookie): keep it out of history.
if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', location.pathname + location.hash);

const darkScheme = mediaWatch(window.matchMedia('(prefers-color-scheme: dark)'));
applyTheme(cachedTheme(darkScheme.matches));

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// The page's one composition: the browser's pieces, then the session and the stores built on it, then the view.
const env: PageEnv = {
  storage: browserStorage(() => localStorage),
  darkScheme,
  reducedMotion: mediaWatch(window.matchMedia('(prefers-reduced-motion: reduce)')),
  timers: { setTimeout: (run, ms) => setTimeout(run, ms), clearTimeout: (handle) => clearTimeout(handle as number) },
  now: () => performance.now(),
  bridge: window.diffa,
  upload: (file) => uploadFile(file),
};
const page = createPage(new Api(chooseLink(window)), env);
const app = mount(App, { target, context: pageContext(page) });
page.api.start();

// A page that is really going away (not kept in the back/forward cache) ends its view, then its stores and channel.
window.addEventListener('pagehide', (event) => {
  if (event.persisted) return;
  void unmount(app);
  void page.dispose();
});
