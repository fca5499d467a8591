/**
 * The faults the suite injects, planned from the seed: every service killed with SIGKILL and started again (each in
 * turn), Kafka stopped and started, PostgreSQL stopped (fast or immediate, as a crash) and started, a service paused
 * with SIGSTOP past its call timeouts and Kafka's session timeout and resumed, and a consumer group reset to the
 * earliest offsets (its service killed, the group empty, its offsets set back, the service started: it sees every
 * message again). `rounds` repeats the set; the order and the gaps between faults come from the seed.
 */
import type { ServiceName } from '@payment-ledger/platform';
import {
  CONSUMER_SESSION_TIMEOUT_MS,
  FAULT_NAMESPACE,
  FAULT_SERVICES,
  type FaultStack,
  SERVICE_CALL_TIMEOUT_MS,
} from './fault-stack';

export type FaultKind = 'kill -9' | 'kafka restart' | 'postgres restart' | 'sigstop' | 'consumer group reset';
export const FAULT_KINDS: readonly FaultKind[] = [
  'kill -9',
  'kafka restart',
  'postgres restart',
  'sigstop',
  'consumer group reset',
];

export interface Fault {
  kind: FaultKind;
  /** The service (kill, pause, reset) or the mode (postgres: fast or immediate). */
  target: string;
  /** Pause before the fault, in ms. */
  gapMs: number;
}

export interface InjectedFault extends Fault {
  at: string;
  tookMs: number;
  /** What happened (e.g. the groups reset); an error when the fault could not be carried out. */
  note: string;
  ok: boolean;
}

/**
 * Services that read Kafka (their consumer groups are what a reset sets back): those whose module registers a
 * consumer. Not the refunds service (it reads the charge's stream from the event store) nor the ledger (it follows
 * the event log through the projection runner).
 */
const CONSUMING_SERVICES: readonly ServiceName[] = ['charges', 'agreements', 'scheduler', 'webhooks'];

export function planFaults(random: () => number, options: { rounds: number; gapMs: [number, number] }): Fault[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const faults: Omit<Fault, 'gapMs'>[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const service of FAULT_SERVICES) faults.push({ kind: 'kill -9', target: service });
    faults.push({ kind: 'kafka restart', target: 'broker' });
    faults.push({ kind: 'postgres restart', target: random() < 0.5 ? 'fast' : 'immediate' });
    faults.push({ kind: 'sigstop', target: pick(FAULT_SERVICES) });
    faults.push({ kind: 'consumer group reset', target: pick(CONSUMING_SERVICES) });
  }
  // Fisher–Yates with the seeded source.
  for (let i = faults.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [faults[i], faults[j]] = [faults[j], faults[i]];
  }
  const [min, max] = options.gapMs;
  return faults.map((f) => ({ ...f, gapMs: Math.round(min + random() * (max - min)) }));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts a service again, trying three times (a port not yet released, a slow start). */
async function restart(stack: FaultStack, name: ServiceName): Promise<void> {
  let last: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await stack.start(name);
      return;
    } catch (error) {
      last = error;
      await sleep(2000);
    }
  }
  throw last;
}

export async function injectFault(
  stack: FaultStack,
  fault: Fault,
  log: (line: string) => void,
): Promise<InjectedFault> {
  const started = Date.now();
  const at = new Date().toISOString();
  let note = '';
  try {
    switch (fault.kind) {
      case 'kill -9':
        await stack.kill(fault.target as ServiceName);
        await restart(stack, fault.target as ServiceName);
        break;
      case 'kafka restart':
        await stack.kafka.stopInBackground();
        await sleep(3000);
        await stack.kafka.startInBackground();
        break;
      case 'postgres restart':
        await stack.postgres.stopServer(fault.target as 'fast' | 'immediate');
        await sleep(3000);
        await stack.postgres.startServer();
        break;
      case 'sigstop': {
        const held = Math.max(SERVICE_CALL_TIMEOUT_MS, CONSUMER_SESSION_TIMEOUT_MS) + 3000;
        stack.pause(fault.target as ServiceName);
        await sleep(held);
        stack.resume(fault.target as ServiceName);
        note = `paused ${held} ms`;
        break;
      }
      case 'consumer group reset':
        note = await resetConsumerGroups(stack, fault.target as ServiceName);
        break;
    }
    const result = { ...fault, at, tookMs: Date.now() - started, note, ok: true };
    log(`fault ${fault.kind} ${fault.target}: done in ${result.tookMs} ms ${note}`);
    return result;
  } catch (error) {
    note = `failed: ${(error as Error).message.slice(0, 500)}`;
    log(`fault ${fault.kind} ${fault.target}: ${note}`);
    return { ...fault, at, tookMs: Date.now() - started, note, ok: false };
  }
}

/**
 * Kills `service`, waits until Kafka reports its consumer groups empty, sets each back to the earliest offsets of
 * every topic it has read, and starts the service again: its consumers see every message a second time. Returns
 * which groups were reset.
 */
async function resetConsumerGroups(stack: FaultStack, service: ServiceName): Promise<string> {
  const admin = stack.kafkaAdmin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(`${FAULT_NAMESPACE}.${service}-`));
    if (groups.length === 0) throw new Error(`${service} has no consumer group yet`);
    await stack.kill(service);
    // The killed members leave when their sessions time out: then the groups are empty and may be reset.
    const deadline = Date.now() + CONSUMER_SESSION_TIMEOUT_MS * 4;
    let empty: string[] = [];
    while (Date.now() < deadline && empty.length < groups.length) {
      await sleep(1000);
      empty = (await admin.describeGroups(groups)).groups.filter((g) => g.state === 'Empty').map((g) => g.groupId);
    }
    const reset: string[] = [];
    for (const groupId of empty) {
      const offsets = await admin.fetchOffsets({ groupId });
      for (const { topic } of offsets) {
        try {
          await admin.resetOffsets({ groupId, topic, earliest: true });
          reset.push(`${groupId}@${topic}`);
        } catch {
          // a member joined meanwhile: that group is not reset this time
        }
      }
    }
    await restart(stack, service);
    if (reset.length === 0) throw new Error(`no consumer group of ${service} was empty to reset`);
    return `reset ${reset.join(', ')}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
