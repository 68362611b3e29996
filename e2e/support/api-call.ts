import type { RunningHost } from './host';

/** One request over the host's WebSocket API with the token, as a second client (the page does not see it). */
export async function apiCall<T>(host: RunningHost, method: string, params: object): Promise<T> {
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(`${host.origin.replace('http', 'ws')}/api?token=${host.token}`, { origin: host.origin });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const reply = new Promise<{ ok: boolean; result: T; error?: { message: string } }>((resolve) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'response' && message.id === 1) resolve(message);
    });
  });
  socket.send(JSON.stringify({ type: 'request', id: 1, method, params }));
  const message = await reply;
  socket.close();
  if (!message.ok) throw new Error(`${method}: ${message.error?.message}`);
  return message.result;
}
