import type { EngineStatus } from '../../../src-common/api/schemas';
import { DisposableStore, toDisposable } from '../../../src-common/lifecycle';
import type { PageApi } from '../api-session';

/** The engine process's state and the execution providers it found, kept current by `engine.status` events. */
export class EngineStore {
  status = $state<EngineStatus | null>(null);
  private readonly disposables = new DisposableStore();

  constructor(
    private readonly api: PageApi,
    private readonly log: (message: string, error: unknown) => void = console.error,
  ) {
    this.disposables.add(
      toDisposable(
        api.on('engine.status', (status) => {
          this.status = status;
        }),
      ),
    );
    // After every (re)connect: the events sent while the page was away are gone, the current state is asked for.
    this.disposables.add(toDisposable(api.onConnected(() => void this.fetch())));
  }

  private async fetch(): Promise<void> {
    try {
      this.status = await this.api.request('engine.status');
    } catch (error) {
      this.log('engine.status failed:', error);
    }
  }

  dispose(): Promise<void> {
    return this.disposables.dispose();
  }
}
