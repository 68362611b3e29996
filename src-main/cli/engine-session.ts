import type { AppHome } from '../core/app-home';
import { EngineClient } from '../engine/engine-client';
import { engineEnv, forkEngine } from '../engine/fork-engine';

/** Runs `work` with an engine process for a CLI command, and always stops the process afterwards. */
export async function withEngine<T>(home: AppHome, work: (engine: EngineClient) => Promise<T>): Promise<T> {
  const engine = new EngineClient(forkEngine(engineEnv(home.cache)));
  try {
    await engine.start();
    return await work(engine);
  } finally {
    engine.stop();
  }
}
