import { api } from '../api';
import type { LinkState } from '../link';

/** The state of the channel to the main side, for the connection banner. */
class Connection {
  state = $state<LinkState>({ status: 'connecting' });
  /** True once a channel has opened at least once: before that the page is still starting, not "lost". */
  everOpened = $state(false);

  constructor() {
    api.onState((state) => {
      this.state = state;
      if (state.status === 'open') this.everOpened = true;
    });
  }

  retryNow(): void {
    api.link.retryNow();
  }
}

export const connection = new Connection();
