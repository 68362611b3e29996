/** IPC channel names shared by the preload and the main side of the Electron shell. */
export const IPC_HELLO = 'diffa:hello';
export const IPC_PORT = 'diffa:port';
export const IPC_OPEN_DROPPED = 'diffa:open-dropped';
