import { createRequire } from 'node:module';
import { ApiError } from '../../src-common/api/errors';
import { type EngineCall, EngineCallSchema, type EngineOp, type EngineOutgoing, type EngineResult, engineOps } from './protocol';

/**
 * Entry point of the engine process. Runs as an Electron utilityProcess (messages through `process.parentPort`) or
 * as a forked Node child (messages through `process.send`); everything else is the same.
 */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const send = (message: EngineOutgoing) => {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
};

// onnxruntime-node is CommonJS with a native addon; load it lazily so a broken install is reported, not fatal.
const require = createRequire(import.meta.url);
type Ort = typeof import('onnxruntime-node');
let ort: Ort | null = null;
const loadOrt = (): Ort => {
  ort ??= require('onnxruntime-node') as Ort;
  return ort;
};

const handlers: { [O in EngineOp]: (params: unknown) => Promise<EngineResult<O>> } = {
  hello: async () => {
    const runtime = loadOrt();
    const backends = (runtime.listSupportedBackends?.() ?? []).map((b) => ({ name: b.name, bundled: b.bundled }));
    return { pid: process.pid, onnxruntime: runtime.env.versions.node ?? 'unknown', backends };
  },
};

async function handle(raw: unknown): Promise<void> {
  let call: EngineCall;
  try {
    call = EngineCallSchema.parse(raw);
  } catch {
    return; // not a call of ours: the main side validates what it sends, so this is noise to ignore
  }
  try {
    const params = engineOps[call.op].params.parse(call.params ?? {});
    const result = await handlers[call.op](params);
    send({ type: 'reply', id: call.id, ok: true, result });
  } catch (error) {
    send({ type: 'reply', id: call.id, ok: false, error: ApiError.wrap(error, 'engine_error').toJSON() });
  }
}

if (parentPort) parentPort.on('message', (event) => void handle(event.data));
else process.on('message', (message) => void handle(message));
send({ type: 'ready', pid: process.pid });
