import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A listener that only records whether anything reached it: every TCP connection and every request. Tests point
 * downloads at it to prove that a refused host never received a byte from us.
 */
export class RecordingServer {
  connections = 0;
  readonly requests: string[] = [];
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  port = 0;

  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      res.writeHead(200).end('recorded');
    });
    this.server.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get hit(): boolean {
    return this.connections > 0 || this.requests.length > 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
