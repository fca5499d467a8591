import fc from 'fast-check';
import { type Decider, type DomainEvent, DomainError, fold } from '@payment-ledger/domain-kernel';
import { commandConcurrencyRetries, commandsHandled } from '@payment-ledger/platform';
import { ConcurrencyError } from './errors';
import { commandOutcomeOf, handleCommand, loadStream } from './handle-command';
import { InMemoryEventStore } from './in-memory-event-store';

// A small account: deposits and withdrawals, never below zero.
type AccountEvent = DomainEvent<'Deposited', { amount: number }> | DomainEvent<'Withdrawn', { amount: number }>;
type AccountCommand = { kind: 'deposit'; amount: number } | { kind: 'withdraw'; amount: number };
interface AccountState {
  balance: number;
  operations: number;
}

class InsufficientFunds extends DomainError {
  readonly code = 'insufficient_funds';
}

const account: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: { balance: 0, operations: 0 },
  evolve: (state, event) => ({
    balance: state.balance + (event.type === 'Deposited' ? event.data.amount : -event.data.amount),
    operations: state.operations + 1,
  }),
  decide: (command, state) => {
    if (command.kind === 'deposit') return [{ type: 'Deposited', data: { amount: command.amount } }];
    if (command.amount > state.balance) throw new InsufficientFunds(`balance ${state.balance} < ${command.amount}`);
    return [{ type: 'Withdrawn', data: { amount: command.amount } }];
  },
  schemaVersions: { Withdrawn: 2 },
};

const now = () => new Date('2026-01-01T00:00:00Z');

describe('handleCommand', () => {
  it('reads, folds, decides and appends with the expected version', async () => {
    const store = new InMemoryEventStore();
    await handleCommand(store, 'account:1', account, { kind: 'deposit', amount: 10 }, { now });
    const result = await handleCommand(
      store,
      'account:1',
      account,
      { kind: 'withdraw', amount: 4 },
      {
        now,
        metadata: { correlationId: 'c1' },
      },
    );
    expect(result.state).toEqual({ balance: 6, operations: 2 });
    expect(result.version).toBe(2);
    const stored = await store.readStream('account:1');
    expect(stored[1]).toMatchObject({ type: 'Withdrawn', schemaVersion: 2, metadata: { correlationId: 'c1' } });
    expect(stored[0].schemaVersion).toBe(1);
  });

  it('runs beforeAppend and the append in one unit of work only for a step that has something to write', async () => {
    const appendSessions: unknown[] = [];
    const store = new (class extends InMemoryEventStore {
      override append(...args: Parameters<InMemoryEventStore['append']>) {
        appendSessions.push((args as unknown[])[3]);
        return super.append(...args);
      }
    })();
    const sessions: unknown[] = [];
    const options = {
      now,
      beforeAppend: async (_step: unknown, session?: unknown) => void sessions.push(session),
      beforeAppendInTransaction: {
        unitOfWork: <T>(work: (session: unknown) => Promise<T>) => work('tx'),
        when: (step: { newEvents: AccountEvent[] }) => step.newEvents.some((e) => e.type === 'Withdrawn'),
      },
    };
    await handleCommand(store, 'account:uow', account, { kind: 'deposit', amount: 10 }, options);
    await handleCommand(store, 'account:uow', account, { kind: 'withdraw', amount: 3 }, options);
    expect(sessions).toEqual([undefined, 'tx']);
    expect(appendSessions).toEqual([undefined, 'tx']);
  });

  it('gives each new event its own metadata over the command’s where eventMetadata names one', async () => {
    const store = new InMemoryEventStore();
    const twoDeposits: typeof account = {
      ...account,
      decide: () => [
        { type: 'Deposited', data: { amount: 1 } },
        { type: 'Deposited', data: { amount: 2 } },
      ],
    };
    await handleCommand(
      store,
      'account:meta',
      twoDeposits,
      { kind: 'deposit', amount: 0 },
      {
        now,
        metadata: { correlationId: 'c', actor: 'system' },
        eventMetadata: (events) => events.map((e) => (e.data.amount === 2 ? { causationId: 'evt_2' } : undefined)),
      },
    );
    const stored = await store.readStream('account:meta');
    expect(stored.map((e) => e.metadata)).toEqual([
      { correlationId: 'c', actor: 'system' },
      { correlationId: 'c', actor: 'system', causationId: 'evt_2' },
    ]);
  });

  it('loads a stream from a snapshot of it: only the events after its version, folded onto its state', async () => {
    const store = new InMemoryEventStore();
    for (const amount of [5, 7])
      await handleCommand(store, 'account:load', account, { kind: 'deposit', amount }, { now });
    const snapshot = await loadStream(store, 'account:load', account);
    expect(await loadStream(store, 'account:load', account, undefined, snapshot)).toEqual(snapshot);
    await handleCommand(store, 'account:load', account, { kind: 'withdraw', amount: 2 }, { now });
    const read = jest.spyOn(store, 'readStream');
    const caughtUp = await loadStream(store, 'account:load', account, undefined, snapshot);
    expect(read).toHaveBeenCalledWith('account:load', 3, undefined);
    expect(caughtUp).toEqual(await loadStream(store, 'account:load', account));
    expect(caughtUp).toEqual({ state: { balance: 10, operations: 3 }, version: 3 });
  });

  it('surfaces a domain refusal without writing', async () => {
    const store = new InMemoryEventStore();
    await expect(
      handleCommand(store, 'account:2', account, { kind: 'withdraw', amount: 1 }, { now }),
    ).rejects.toMatchObject({ code: 'insufficient_funds' });
    expect(store.version('account:2')).toBe(0);
  });

  it('re-decides on fresh state after a concurrency conflict', async () => {
    const store = new InMemoryEventStore();
    await handleCommand(store, 'account:3', account, { kind: 'deposit', amount: 5 }, { now });
    let interfered = false;
    store.beforeAppend = async () => {
      if (interfered) return;
      interfered = true;
      store.beforeAppend = undefined;
      await store.append('account:3', 'any', [{ type: 'Withdrawn', data: { amount: 5 } }]);
    };
    // The competing withdrawal empties the account: the re-decided command is refused, not applied on stale state.
    await expect(
      handleCommand(store, 'account:3', account, { kind: 'withdraw', amount: 5 }, { now }),
    ).rejects.toBeInstanceOf(InsufficientFunds);
    expect((await store.readStream('account:3')).map((e) => e.type)).toEqual(['Deposited', 'Withdrawn']);
  });

  it('gives up after maxRetries conflicts with the ConcurrencyError', async () => {
    const store = new InMemoryEventStore();
    let attempts = 0;
    store.beforeAppend = async () => {
      attempts++;
      const hook = store.beforeAppend;
      store.beforeAppend = undefined;
      await store.append('account:4', 'any', [{ type: 'Deposited', data: { amount: 1 } }]);
      store.beforeAppend = hook;
    };
    await expect(
      handleCommand(store, 'account:4', account, { kind: 'deposit', amount: 1 }, { now, maxRetries: 2 }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(attempts).toBe(3);
  });

  it('counts each command by aggregate, command and outcome, and each concurrency retry', async () => {
    const count = async (metric: typeof commandsHandled, labels: Record<string, string>) =>
      (await metric.get()).values.find((v) =>
        Object.entries(labels).every(([k, value]) => (v.labels as Record<string, unknown>)[k] === value),
      )?.value ?? 0;
    const store = new InMemoryEventStore();
    const command = (type: string, kind: 'deposit' | 'withdraw', amount: number) =>
      ({ type, kind, amount }) as AccountCommand;
    const labels = (command: string, outcome: string) => ({ aggregate: 'metered', command, outcome });
    await handleCommand(store, 'metered:1', account, command('Deposit', 'deposit', 5), { now });
    await handleCommand(store, 'metered:1', account, command('Deposit', 'deposit', 5), { now });
    await expect(
      handleCommand(store, 'metered:1', account, command('Withdraw', 'withdraw', 50), { now }),
    ).rejects.toBeInstanceOf(InsufficientFunds);
    let interfere = 2;
    store.beforeAppend = async () => {
      if (interfere-- <= 0) return;
      const hook = store.beforeAppend;
      store.beforeAppend = undefined;
      await store.append('metered:1', 'any', [{ type: 'Deposited', data: { amount: 1 } }]);
      store.beforeAppend = hook;
    };
    await handleCommand(store, 'metered:1', account, command('Withdraw', 'withdraw', 1), { now });
    expect(await count(commandsHandled, labels('Deposit', 'appended'))).toBe(2);
    expect(await count(commandsHandled, labels('Withdraw', 'refused'))).toBe(1);
    expect(await count(commandsHandled, labels('Withdraw', 'appended'))).toBe(1);
    expect(await count(commandConcurrencyRetries, { aggregate: 'metered', command: 'Withdraw' })).toBe(2);
  });

  it('names outcomes: appended, unchanged, refused, conflict, failed', () => {
    expect(commandOutcomeOf({ newEvents: [1] })).toBe('appended');
    expect(commandOutcomeOf({ newEvents: [] })).toBe('unchanged');
    expect(commandOutcomeOf({ error: new InsufficientFunds('no') })).toBe('refused');
    expect(commandOutcomeOf({ error: new ConcurrencyError('metered:1', 1, 2) })).toBe('conflict');
    expect(commandOutcomeOf({ error: new Error('database down') })).toBe('failed');
  });

  it('property: with random competing writers, every command is applied exactly once and the balance is exact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }).filter((pattern) => pattern.includes(false)),
        async (deposits, interferences) => {
          const store = new InMemoryEventStore();
          let i = 0;
          let competitor = 0;
          store.beforeAppend = async () => {
            if (!interferences[i++ % interferences.length]) return;
            const hook = store.beforeAppend;
            store.beforeAppend = undefined;
            await store.append('account:p', 'any', [{ type: 'Deposited', data: { amount: 1 } }]);
            competitor++;
            store.beforeAppend = hook;
          };
          for (const amount of deposits) {
            await handleCommand(store, 'account:p', account, { kind: 'deposit', amount }, { now, maxRetries: 40 });
          }
          const state = fold(account, (await store.readStream('account:p')) as unknown as AccountEvent[]);
          expect(state.balance).toBe(deposits.reduce((a, b) => a + b, 0) + competitor);
          expect(state.operations).toBe(deposits.length + competitor);
        },
      ),
    );
  });

  it('property: folding is the same in one pass or split at any point', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100 })), fc.nat(), (amounts, cut) => {
        const events: AccountEvent[] = amounts.map((amount) => ({ type: 'Deposited', data: { amount } }));
        const k = amounts.length === 0 ? 0 : cut % (amounts.length + 1);
        const partial = fold(account, events.slice(0, k));
        const resumed = events.slice(k).reduce(account.evolve, partial);
        expect(resumed).toEqual(fold(account, events));
      }),
    );
  });
});
