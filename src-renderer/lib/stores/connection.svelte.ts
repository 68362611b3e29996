import { DisposableStore, toDisposable } from '../../../src-common/lifecycle';
import type { Api } from '../api-session';
import type { LinkState } from '../link';

/** The state of the channel to the main side, for the connection banner. */
export class ConnectionStore {
  state = $state<LinkState>({ status: 'connecting' });
  /** True once a channel has opened at least once: before that the page is still starting, not "lost". */
  everOpened = $state(false);
  private readonly disposables = new DisposableStore();

  constructor(private readonly api: Pick<Api, 'onState' | 'link'>) {
    this.disposables.add(
      toDisposable(
        api.onState((state) => {
          this.state = state;
          if (state.status === 'open') this.everOpened = true;
        }),
      ),
    );
  }

  retryNow(): void {
    this.api.link.retryNow();
  }

  dispose(): Promise<void> {
    return this.disposables.dispose();
  }
}
