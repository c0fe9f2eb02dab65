/**
 * A QMP client: QEMU's machine protocol, JSON objects one per line over a UNIX socket. The
 * socket lives in the VM's 0700 work directory, so only the run's owner can reach it.
 */
import { connect, type Socket } from 'node:net';

interface QmpReply {
  return?: unknown;
  error?: { class: string; desc: string };
}

export class QmpClient {
  private buffered = '';
  private readonly waiting: { resolve: (reply: QmpReply) => void; reject: (error: Error) => void }[] = [];
  private closedError: Error | undefined;
  private greeted: Promise<void>;

  private constructor(private readonly socket: Socket) {
    let greet: () => void = () => undefined;
    this.greeted = new Promise<void>((resolve) => (greet = resolve));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      for (let end = this.buffered.indexOf('\n'); end >= 0; end = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, end).trim();
        this.buffered = this.buffered.slice(end + 1);
        if (!line) continue;
        const message = JSON.parse(line) as QmpReply & { QMP?: unknown; event?: string };
        // Events (a link change, a shutdown) arrive between replies; commands are answered in order.
        if (message.QMP) greet();
        else if (!message.event) this.waiting.shift()?.resolve(message);
      }
    });
    const fail = (error: Error) => {
      this.closedError ??= error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.closedError);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the QMP socket closed')));
  }

  static async connect(path: string): Promise<QmpClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const client = new QmpClient(socket);
    await client.greeted;
    await client.execute('qmp_capabilities');
    return client;
  }

  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closedError) throw this.closedError;
    const reply = await new Promise<QmpReply>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}) })}\n`);
    });
    if (reply.error) throw new Error(`QMP ${command}: ${reply.error.class}: ${reply.error.desc}`);
    return reply.return;
  }

  /** A cable pull (up false) or plug: the guest driver sees its carrier go or come. */
  async setLink(deviceId: string, up: boolean): Promise<void> {
    await this.execute('set_link', { name: deviceId, up });
  }

  close(): void {
    this.socket.destroy();
  }
}
