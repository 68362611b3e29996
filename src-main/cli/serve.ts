import { openChosenFile } from '../api/handlers';
import { resolveHomeRoot } from '../core/app-home';
import { rendererDir } from '../core/resources';
import { createHeadlessApp } from '../host/headless-services';
import { keepServingOnEscape } from '../host/process-guard';
import { startHost } from '../host/server';
import { type Command, UsageError } from './command';
import { openInBrowser } from './open-url';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the headless host: the app in a browser, on 127.0.0.1 with a per-run token',
  usage: `Usage: npm run diffa -- serve [--port N] [--file PATH]... [--open] [--home DIR]

  --port N       port to listen on (default: a free one)
  --file PATH    open this audio file at start (repeatable)
  --open         open the page in the default browser
  --home DIR     app data folder (default: $DIFFA_HOME or the platform's usual place)
  --host ADDR    listen on another address than loopback; refused unless --token is also given
  --token T      use this token instead of a random one`,
  options: {
    port: { type: 'string' },
    file: { type: 'string', multiple: true },
    open: { type: 'boolean' },
    host: { type: 'string' },
    token: { type: 'string' },
  },
  async run(values) {
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}"`);
    const bindHost = (values.host as string | undefined) ?? '127.0.0.1';
    const token = values.token as string | undefined;
    if (!LOOPBACK.has(bindHost) && !token) throw new UsageError(`Refusing to listen on ${bindHost} (not loopback) without an explicit --token`);
    if (token !== undefined && token.length < 16) throw new UsageError('--token must be at least 16 characters');

    const services = createHeadlessApp(resolveHomeRoot(values.home as string | undefined));
    for (const path of (values.file as string[] | undefined) ?? []) {
      try {
        await openChosenFile(services, path);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    services.engine.start().catch((error: Error) => console.error(`Engine failed to start: ${error.message}`));
    const removeGuard = keepServingOnEscape();
    const host = await startHost({ services, staticDir: rendererDir(), port, bindHost, token });
    console.log(`Diffa Studio (headless) is running. Open this URL in a browser (Ctrl+C stops it):`);
    console.log(host.url);
    if (values.open) openInBrowser(host.url);

    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    // The host first (no more requests), then every service in reverse order of creation: questions and batches
    // are cancelled, the engine stops, downloads pause with their partial files flushed (the next start resumes them).
    await host.dispose();
    await services.dispose();
    removeGuard();
    return 0;
  },
};
