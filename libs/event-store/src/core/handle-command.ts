/**
 * The one command loop. Every aggregate — charges, agreements, billing schedules, and the services after them — runs
 * its commands through `handleCommand`: read the stream, fold, decide, append with the expected version, and on a
 * concurrency error start over from the read. What a service needs around it comes in as options, not as a copy of
 * the loop: a per-stream clock (sandbox test clocks), a guard (ownership), rows written no later than the events
 * (timers), a known snapshot instead of the first read, and calls to the outside world recorded as intents first
 * (`outsideCalls`, below).
 */
import { type Decider, type DomainEvent, DomainError, fold, type StoredEvent } from '@payment-ledger/domain-kernel';
// Counters in memory (no I/O): payment_ledger_commands_total and payment_ledger_command_concurrency_retries_total.
import { commandConcurrencyRetries, commandsHandled, currentTrace } from '@payment-ledger/platform';
import { ConcurrencyError } from './errors';
import { type EventMetadata, type NewEvent, streamTypeOf } from './events';
import type { EventStore } from './event-store';

/** A stream as last read or written: its folded state and its version (0: no stream yet). */
export interface StreamSnapshot<State> {
  state: State;
  version: number;
}

/** One decision: the state before and after it, its new events (empty: nothing to do), and the clock it read. */
export interface CommandStep<Event, State> extends StreamSnapshot<State> {
  before: State;
  newEvents: Event[];
  now: Date;
}

/**
 * Calls to the outside world (a payment provider) as a step of the loop that is safe to retry. The decider records a
 * call as an intent event under the version check; the state then holds it as pending; the loop makes the call with
 * the idempotency key the intent carries (never a fresh one per attempt) and records the answer with a second
 * command. If the process dies or the call fails in between, the intent stays pending in the stream, and whoever
 * runs `runPendingCalls` for the stream next (a durable retry timer) makes the same call with the same key: the
 * provider answers with its first result, and no money moves twice.
 */
export interface OutsideCalls<Command, State, Call, Answer> {
  /** The calls the state has recorded and not yet answered, in the order to make them. */
  pending(state: State): Call[];
  /** Makes one call; it carries its idempotency key. */
  perform(call: Call, state: State): Promise<Answer>;
  /** The command that records an answer (deciding it twice records nothing the second time). */
  record(call: Call, answer: Answer): Command;
  /** Told when a call failed and was left for a retry (logging); the loop returns the state with the intent pending. */
  onCallFailed?(call: Call, error: unknown): void;
}

export interface HandleCommandOptions<Command, Event, State, Session = unknown> {
  /** The clock `decide` reads, asked on each attempt (a stream may have its own: a sandbox test clock). */
  now: () => Date | Promise<Date>;
  metadata?: EventMetadata;
  /**
   * The metadata of each of the command's new events, where one command records several things each caused by its
   * own (the consumed events of a batch): given the new events, an entry per event, over `metadata` (undefined:
   * `metadata` alone). Not used for the answers of outside calls the command is followed by.
   */
  eventMetadata?: (newEvents: Event[]) => Array<EventMetadata | undefined>;
  /** How many times to reload and re-decide after a concurrency error (default 5). */
  maxRetries?: number;
  /**
   * An open transaction to work in. A failed append aborts that transaction, so with a session there is no retry
   * here: the owner of the transaction retries the whole unit of work.
   */
  session?: Session;
  /**
   * The stream as the caller knows it, used instead of the first read (a creation knows the stream is new: the
   * initial state at version 0). A stale snapshot fails the version check and the loop starts over from a read.
   */
  known?: StreamSnapshot<State>;
  /** Checks the state before every decision; throws to refuse (another merchant's object does not exist for them). */
  guard?: (state: State) => void;
  /**
   * Writes what must exist no later than the step's events (the timers they start), after the decision and before
   * the append, in the session when there is one. A crash between the two leaves at most a timer that fires and
   * finds nothing to do.
   */
  beforeAppend?: (step: CommandStep<Event, State>, session?: Session) => Promise<void>;
  /**
   * Runs `beforeAppend` and the append in one transaction, for the steps `when` says have something to write (timers
   * scheduled or cancelled then commit or vanish with their events). `unitOfWork` opens the transaction
   * (`(work) => inTransaction(pool, work)`); a step with nothing to write appends alone, one statement as before. A
   * concurrency error rolls the transaction back and the loop starts over with a new one. Not used with `session`
   * (the caller's transaction already holds both).
   */
  beforeAppendInTransaction?: {
    unitOfWork: <T>(work: (session: Session) => Promise<T>) => Promise<T>;
    when: (step: CommandStep<Event, State>) => boolean;
  };
  /** Calls recorded as intents by this command (or still pending from before) are made and answered in turn. */
  outsideCalls?: OutsideCalls<Command, State, unknown, unknown>;
}

const DEFAULT_MAX_RETRIES = 5;
/** Intent → answer → next intent (authorize, then capture) is short; a longer chain is a decider bug, not work. */
const MAX_CALL_STEPS = 8;

/**
 * Reads a stream and folds it, each stored event upcast to its current shape. From a snapshot of it (`from`), only
 * the events after the snapshot's version are read and folded onto its state: the log is append-only, so that is the
 * state a whole read gives.
 */
export async function loadStream<Command, Event extends DomainEvent, State, Session = unknown>(
  store: EventStore<Session>,
  streamId: string,
  decider: Decider<Command, Event, State>,
  session?: Session,
  from?: StreamSnapshot<State>,
): Promise<StreamSnapshot<State>> {
  const recorded = await store.readStream(streamId, (from?.version ?? 0) + 1, session);
  const events = recorded.map((e) => upcastEvent(decider, e));
  return {
    state: from ? events.reduce(decider.evolve, from.state) : fold(decider, events),
    version: recorded.length === 0 ? (from?.version ?? 0) : recorded[recorded.length - 1].streamVersion,
  };
}

export function upcastEvent<Event extends DomainEvent>(
  decider: Pick<Decider<unknown, Event, unknown>, 'upcast'>,
  event: StoredEvent,
): Event {
  return decider.upcast ? decider.upcast(event) : ({ type: event.type, data: event.data } as Event);
}

/**
 * read → fold → guard → decide → beforeAppend → append with the expected version; on a concurrency error, start over
 * from the read (at most `maxRetries` times, then the error is the caller's). Then, with `outsideCalls`, the pending
 * calls are made and their answers recorded (each recording is another turn of this loop).
 */
export async function handleCommand<Command, Event extends DomainEvent, State, Session = unknown>(
  store: EventStore<Session>,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  options: HandleCommandOptions<Command, Event, State, Session>,
): Promise<CommandStep<Event, State>> {
  const step = await decideAndAppend(store, streamId, decider, command, options);
  if (!options.outsideCalls) return step;
  const answered = await runPendingCalls(store, streamId, decider, options.outsideCalls, {
    ...options,
    eventMetadata: undefined,
    known: step,
  });
  return { ...answered, before: step.before, newEvents: [...step.newEvents, ...answered.newEvents] };
}

/**
 * Makes the calls a stream has pending and records their answers, until none is left or one fails (it stays
 * pending for the next run). This is also what a durable retry runs after a crash or a failed call.
 */
export async function runPendingCalls<Command, Event extends DomainEvent, State, Session = unknown>(
  store: EventStore<Session>,
  streamId: string,
  decider: Decider<Command, Event, State>,
  calls: OutsideCalls<Command, State, unknown, unknown>,
  options: Omit<HandleCommandOptions<Command, Event, State, Session>, 'outsideCalls'>,
): Promise<CommandStep<Event, State>> {
  let current = options.known ?? (await loadStream(store, streamId, decider, options.session));
  const before = current.state;
  const newEvents: Event[] = [];
  let now = await options.now();
  for (let turn = 0; turn < MAX_CALL_STEPS; turn++) {
    const [call] = calls.pending(current.state);
    if (call === undefined) break;
    let answer: unknown;
    try {
      answer = await calls.perform(call, current.state);
    } catch (error) {
      calls.onCallFailed?.(call, error);
      break;
    }
    const step = await decideAndAppend(store, streamId, decider, calls.record(call, answer), {
      ...options,
      known: current,
    });
    newEvents.push(...step.newEvents);
    current = step;
    now = step.now;
  }
  return { ...current, before, newEvents, now };
}

/** How a command ended, as payment_ledger_commands_total counts it. */
export type CommandOutcome = 'appended' | 'unchanged' | 'refused' | 'conflict' | 'failed';

export function commandOutcomeOf(result: { newEvents: unknown[] } | { error: unknown }): CommandOutcome {
  if ('newEvents' in result) return result.newEvents.length > 0 ? 'appended' : 'unchanged';
  if (result.error instanceof DomainError) return 'refused';
  return result.error instanceof ConcurrencyError ? 'conflict' : 'failed';
}

/** The command's name for the metrics: its `type` (commands are discriminated unions), bounded by the code. */
function commandName(command: unknown): string {
  const type = (command as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : 'unknown';
}

/** The stream type (`charge`); a malformed id (the append refuses it) is counted as `invalid`, never as itself. */
function aggregateName(streamId: string): string {
  try {
    return streamTypeOf(streamId);
  } catch {
    return 'invalid';
  }
}

/** One command through the loop, counted by aggregate, command and outcome. */
async function decideAndAppend<Command, Event extends DomainEvent, State, Session>(
  store: EventStore<Session>,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  options: HandleCommandOptions<Command, Event, State, Session>,
): Promise<CommandStep<Event, State>> {
  const labels = { aggregate: aggregateName(streamId), command: commandName(command) };
  try {
    const step = await decideAndAppendWithRetries(store, streamId, decider, command, options, labels);
    commandsHandled.inc({ ...labels, outcome: commandOutcomeOf(step) });
    return step;
  } catch (error) {
    commandsHandled.inc({ ...labels, outcome: commandOutcomeOf({ error }) });
    throw error;
  }
}

async function decideAndAppendWithRetries<Command, Event extends DomainEvent, State, Session>(
  store: EventStore<Session>,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  options: HandleCommandOptions<Command, Event, State, Session>,
  labels: { aggregate: string; command: string },
): Promise<CommandStep<Event, State>> {
  const maxRetries = options.session !== undefined ? 0 : (options.maxRetries ?? DEFAULT_MAX_RETRIES);
  for (let attempt = 0; ; attempt++) {
    const { state, version } =
      attempt === 0 && options.known ? options.known : await loadStream(store, streamId, decider, options.session);
    options.guard?.(state);
    const now = await options.now();
    const newEvents = decider.decide(command, state, now);
    if (newEvents.length === 0) return { before: state, state, version, newEvents, now };
    const step: CommandStep<Event, State> = {
      before: state,
      state: newEvents.reduce(decider.evolve, state),
      version,
      newEvents,
      now,
    };
    const append = (session: Session | undefined) =>
      store.append(
        streamId,
        version,
        toNewEvents(decider, newEvents, options.metadata, options.eventMetadata),
        session,
      );
    const { beforeAppend, beforeAppendInTransaction: atomic } = options;
    try {
      let result;
      if (beforeAppend && atomic && options.session === undefined && atomic.when(step)) {
        result = await atomic.unitOfWork(async (session) => {
          await beforeAppend(step, session);
          return append(session);
        });
      } else {
        await beforeAppend?.(step, options.session);
        result = await append(options.session);
      }
      return { ...step, version: result.nextExpectedVersion };
    } catch (error) {
      if (error instanceof ConcurrencyError && attempt < maxRetries) {
        commandConcurrencyRetries.inc(labels);
        continue;
      }
      throw error;
    }
  }
}

function toNewEvents<Event extends DomainEvent>(
  decider: Pick<Decider<unknown, Event, unknown>, 'schemaVersions'>,
  events: Event[],
  metadata: EventMetadata | undefined,
  eventMetadata?: (newEvents: Event[]) => Array<EventMetadata | undefined>,
): NewEvent[] {
  // The caller's metadata, with the correlation and causation of the work it runs in where it names none: a command
  // handled for a consumed event (eventLogContext) or sent by one (the RPC client carries them) names that event.
  const traced = withMetadata({ ...currentTrace() }, metadata);
  const own = eventMetadata?.(events);
  return events.map((e, i) => ({
    type: e.type,
    data: e.data,
    schemaVersion: decider.schemaVersions?.[e.type as Event['type']] ?? 1,
    metadata: own?.[i] ? withMetadata({ ...traced }, own[i]) : traced,
  }));
}

function withMetadata(target: EventMetadata, metadata: EventMetadata | undefined): EventMetadata {
  for (const [key, value] of Object.entries(metadata ?? {})) if (value !== undefined) target[key] = value;
  return target;
}
