/**
 * A slow, distant link emulated in user space, for `npm run bench:download`: a TCP proxy on loopback that holds
 * every byte for `delayMs` in each direction (so 2 × delayMs of round-trip time) and lets each connection's
 * server-to-client bytes through a token bucket of `rateBps` (a CDN that caps every connection's rate). A new
 * connection's first bytes wait one more round trip, for the TCP handshake the proxy answers locally.
 *
 * Why not `tc netem` in a network namespace: the kernel here has no `sch_netem` ("Specified qdisc kind is unknown";
 * docs/benchmarks.md). What this does not emulate: TCP slow start and loss (the proxy's own sockets are loopback).
 *
 * Usage: tsx bench/emulated-link.ts <upstream port> <delay ms> <bytes/s per connection>; prints its URL, runs until
 * killed.
 */
import { connect, createServer, type Socket } from 'node:net';

interface Held {
  due: number;
  data: Buffer;
}

/** Forwards `from` to `to`, each chunk `delayMs` late, at most `rateBps` (0: unlimited), with backpressure. */
function pipeDelayed(from: Socket, to: Socket, delayMs: number, rateBps: number, firstExtraMs: number): void {
  const queue: Held[] = [];
  let queued = 0;
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  let extra = firstExtraMs;
  // Token bucket: 16 ms worth of bytes may go at once (about a timer tick).
  const burst = rateBps > 0 ? Math.max(16 * 1024, Math.round(rateBps * 0.016)) : Number.POSITIVE_INFINITY;
  let tokens = burst;
  let refilledAt = performance.now();

  from.on('data', (data: Buffer) => {
    queue.push({ due: performance.now() + delayMs + extra, data });
    extra = 0;
    queued += data.length;
    // The link holds at most 4 MiB per direction; beyond that the sender waits, as TCP's window would make it.
    if (queued > 4 << 20) from.pause();
    pump();
  });
  from.on('end', () => {
    ended = true;
    pump();
  });
  from.on('error', () => to.destroy());
  to.on('drain', pump);

  function pump(): void {
    if (timer) return;
    const now = performance.now();
    if (rateBps > 0) {
      tokens = Math.min(burst, tokens + ((now - refilledAt) * rateBps) / 1000);
      refilledAt = now;
    }
    while (queue.length > 0) {
      const head = queue[0] as Held;
      if (head.due > now) return void schedule(head.due - now);
      if (tokens < 1) return void schedule(((1 - tokens) * 1000) / rateBps);
      if (to.writableNeedDrain) return;
      const take = Math.min(head.data.length, Math.floor(tokens));
      const piece = take === head.data.length ? head.data : head.data.subarray(0, take);
      if (take === head.data.length) queue.shift();
      else head.data = head.data.subarray(take);
      tokens -= take;
      queued -= take;
      to.write(piece);
      if (from.isPaused() && queued < 1 << 20) from.resume();
    }
    if (ended) to.end();
  }

  function schedule(ms: number): void {
    timer = setTimeout(
      () => {
        timer = null;
        pump();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }
}

export function startLink(upstreamPort: number, delayMs: number, rateBps: number): Promise<{ url: string; close: () => void }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    pipeDelayed(client, upstream, delayMs, 0, 2 * delayMs);
    pipeDelayed(upstream, client, delayMs, rateBps, 0);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => {
          for (const socket of sockets) socket.destroy();
          server.close();
        },
      });
    }),
  );
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [port, delay, rate] = process.argv.slice(2).map(Number) as [number, number, number];
  const link = await startLink(port, delay, rate);
  console.log(link.url);
}
