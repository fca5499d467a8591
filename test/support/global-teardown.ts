import type { Infrastructure } from './infrastructure';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __INFRASTRUCTURE__?: Infrastructure }).__INFRASTRUCTURE__?.stop();
}
