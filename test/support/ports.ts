import { createServer } from 'node:net';
import { SERVICE_REGISTRY } from '@payment-ledger/platform';

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Every service's ops listener on a free port (`<NAME>_OPS_PORT=0`), from the service registry: several stacks run at once. */
export function anyOpsPorts(): Record<string, string> {
  return Object.fromEntries(Object.values(SERVICE_REGISTRY).map((spec) => [spec.opsPort.setting, '0']));
}
