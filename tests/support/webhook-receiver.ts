import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** A Standard Webhooks secret for tests: `whsec_` and 32 base64-encoded bytes. */
export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
export const OTHER_WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

export interface ReceivedWebhook {
  id: string | undefined;
  headers: Record<string, string>;
  body: string;
  /** Whether the signature verified with the receiver's secret (the standardwebhooks package). */
  verified: boolean;
  /** The status the receiver answered with (0 when it never answered). */
  answered: number;
  payload: { type: string; timestamp: string; data: Record<string, unknown> } | null;
}

/** `ok`: 204; `fail`: 500; `hang`: never answers. `stop()` takes it down (connection refused). */
export type ReceiverMode = 'ok' | 'fail' | 'hang';

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Those answered 2xx, in the order they arrived. */
  accepted(): ReceivedWebhook[];
  mode: ReceiverMode;
  /** Resolves at the next request received. */
  nextRequest(): Promise<ReceivedWebhook>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A real HTTP receiver on 127.0.0.1 that verifies every request with `secret`. */
export async function startWebhookReceiver(
  secret: string | null = TEST_WEBHOOK_SECRET,
): Promise<WebhookReceiver> {
  const verifier = secret ? new Webhook(secret) : null;
  const waiting: ((received: ReceivedWebhook) => void)[] = [];
  const hanging = new Set<() => void>();
  let port = 0;
  let server: Server;
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    accepted: () => receiver.received.filter((item) => item.answered >= 200 && item.answered < 300),
    mode: 'ok',
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    async stop() {
      for (const release of hanging) release();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
    start: () => listen(),
    async close() {
      if (server.listening) await receiver.stop();
    },
  };
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer(async (request, response) => {
        const body = await bodyOf(request);
        const headers = Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
        );
        let verified = false;
        try {
          verifier?.verify(body, headers);
          verified = verifier !== null;
        } catch {
          verified = false;
        }
        let payload: ReceivedWebhook['payload'] = null;
        try {
          payload = JSON.parse(body) as ReceivedWebhook['payload'];
        } catch {
          payload = null;
        }
        const received: ReceivedWebhook = {
          id: headers['webhook-id'],
          headers,
          body,
          verified,
          answered: 0,
          payload,
        };
        receiver.received.push(received);
        if (receiver.mode === 'hang') {
          hanging.add(() => response.destroy());
        } else {
          received.answered = receiver.mode === 'ok' ? 204 : 500;
          response.writeHead(received.answered).end();
        }
        for (const resolve of waiting.splice(0)) resolve(received);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        receiver.url = `http://127.0.0.1:${port}/hooks/pricing`;
        resolve();
      });
    });
  await listen();
  return receiver;
}
