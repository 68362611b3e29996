import type { EngineStatus } from '../../../src-common/api/schemas';
import { api } from '../api';

/** The engine process's state and the execution providers it found, kept current by `engine.status` events. */
class Engine {
  status = $state<EngineStatus | null>(null);

  constructor() {
    api.on('engine.status', (status) => {
      this.status = status;
    });
    api.onConnected(() => {
      api.request('engine.status').then(
        (status) => {
          this.status = status;
        },
        (error) => console.error('engine.status failed:', error),
      );
    });
  }
}

export const engine = new Engine();
