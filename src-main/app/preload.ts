/**
 * The preload of the app window (bundled to dist/main/preload.cjs: sandboxed preloads run CommonJS with only a few
 * electron modules). It exposes `window.diffa` — the DiffaBridge — and nothing else: the page gets no Node, no
 * ipcRenderer, no file paths. Requests go over a MessagePort the main side hands over after `diffa:hello`; sends
 * made before it arrives are queued.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { DiffaBridge } from '../../src-common/api/bridge';
import { IPC_HELLO, IPC_OPEN_DROPPED, IPC_PORT } from '../shell-logic/ipc-channels';

const MAX_QUEUED = 256;
const MAX_DROPPED = 64;

let port: MessagePort | null = null;
const queued: unknown[] = [];
const listeners = new Set<(message: unknown) => void>();

ipcRenderer.on(IPC_PORT, (event) => {
  const next = event.ports[0];
  if (!next) return;
  port?.close();
  port = next;
  next.onmessage = (message) => {
    for (const listener of listeners) {
      try {
        listener(message.data);
      } catch (error) {
        console.error('A window.diffa listener threw:', error);
      }
    }
  };
  for (const message of queued.splice(0)) next.postMessage(message);
});
ipcRenderer.send(IPC_HELLO);

const bridge: DiffaBridge = {
  shell: 'electron',
  send(message) {
    if (port) port.postMessage(message);
    else if (queued.length < MAX_QUEUED) queued.push(message);
    else throw new Error('The app is not connected yet and too many messages are waiting');
  },
  onMessage(listener) {
    if (typeof listener !== 'function') throw new TypeError('onMessage needs a function');
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
  async openDropped(files) {
    if (!Array.isArray(files)) throw new TypeError('openDropped needs an array of File objects (e.g. [...event.dataTransfer.files])');
    const paths = files.slice(0, MAX_DROPPED).map((file) => {
      try {
        return webUtils.getPathForFile(file as File);
      } catch {
        return '';
      }
    });
    const result = (await ipcRenderer.invoke(IPC_OPEN_DROPPED, paths)) as { errors?: unknown };
    const errors = Array.isArray(result?.errors) ? result.errors.filter((e): e is string => typeof e === 'string') : [];
    if (errors.length > 0) throw new Error(errors.join('\n'));
  },
};

contextBridge.exposeInMainWorld('diffa', bridge);
