/**
 * What the Electron preload exposes to the page as `window.diffa` (through contextBridge). The renderer uses it as
 * its transport when present and falls back to the headless host's WebSocket otherwise. Messages are the contract's
 * envelopes; the main side validates every one.
 */
export interface DiffaBridge {
  readonly shell: 'electron';
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): () => void;
  /**
   * Opens files dropped on the window. The preload resolves their paths (webUtils.getPathForFile) and hands them to
   * the main side directly: paths never reach the page.
   */
  openDropped(files: readonly unknown[]): Promise<void>;
}
