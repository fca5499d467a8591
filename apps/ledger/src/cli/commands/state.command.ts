import { Command } from 'commander';
import {
  agreementAsOf,
  type AsOf,
  chargeAsOf,
  chargeRefundsAsOf,
  hasPrefix,
  refundStreamId,
  type StoredStreamEvent,
  toRefundResource,
} from '@payment-ledger/contracts';
import { PostgresEventStore } from '@payment-ledger/event-store';
import { RefundListViewEntity } from '../../../../refunds/src/infrastructure/refund-list-view.entity';
import { instant, wholeNumber } from '../arguments';
import { cliConfig, cliDatabaseConfigSchema } from '../cli-config';
import { type CliDatabase, openCliDatabase } from '../cli-database';
import { type CommandContext, say } from '../command-context';
import { badUsage, problemFound } from '../exit-codes';

interface StateOptions {
  asOf?: Date;
  version?: number;
  charge?: string;
}

/** An object kind `state` shows: where its events are and the public model's "as of" that folds them. */
interface ObjectKind {
  name: string;
  streamOf(id: string, options: StateOptions, database: CliDatabase): Promise<string | null>;
  /** What `GET` showed as of the bound; null: it did not exist yet. */
  fold(id: string, events: StoredStreamEvent[], asOf: AsOf): object | null;
}

const KINDS: { prefix: 'charge' | 'agreement' | 'refund'; kind: ObjectKind }[] = [
  {
    prefix: 'charge',
    kind: {
      name: 'payment charge',
      streamOf: async (id) => `charge:${id}`,
      fold: (_id, events, asOf) => chargeAsOf(events, asOf),
    },
  },
  {
    prefix: 'agreement',
    kind: {
      name: 'payment agreement',
      streamOf: async (id) => `agreement:${id}`,
      fold: (_id, events, asOf) => agreementAsOf(events, asOf),
    },
  },
  {
    prefix: 'refund',
    kind: {
      name: 'refund',
      // A refund lives in its charge's refund stream: the charge is given, or the refunds' list view names it.
      streamOf: async (id, options, database) => {
        const chargeId =
          options.charge ??
          (
            await database.dataSource
              .getRepository(RefundListViewEntity)
              .findOne({ select: { chargeId: true }, where: { refundId: id } })
          )?.chargeId;
        return chargeId ? refundStreamId(chargeId) : null;
      },
      fold: (id, events, asOf) => {
        const refund = chargeRefundsAsOf(events, asOf).refunds.find((r) => r.id === id);
        return refund ? toRefundResource(refund) : null;
      },
    },
  },
];

/**
 * `state <id>`: a charge, agreement or refund as `GET` showed it at an instant (or at a stream version), folded from
 * its events with the public models' as-of folds (libs/contracts/src/models): the same fold the services answer with.
 */
export function stateCommand(context: CommandContext): Command {
  return new Command('state')
    .description('print a charge, agreement or refund as GET showed it at an instant (JSON), folded from its events')
    .argument('<id>', 'a charge_…, agr_… or refund_… id')
    .option('--as-of <time>', 'the instant (ISO 8601; default: now): events recorded up to it', instant)
    .option('--version <n>', "fold the object's stream up to this version only", wholeNumber(1))
    .option('--charge <id>', "a refund's charge (default: looked up in the refunds' list view)")
    .addHelpText(
      'after',
      `
Prints the object as the API's GET showed it (JSON on stdout). An id with no events, or an object that did not exist
yet at --as-of, exits 1.

Examples:
  $ npm run cli -- state charge_0193... --as-of 2026-03-01T12:00:00Z
  $ npm run cli -- state agr_0193... --version 3
  $ npm run cli -- state refund_0193... --as-of 2026-03-02 | jq .status`,
    )
    .action(async (id: string, options: StateOptions) => runState(context, id, options));
}

async function runState(context: CommandContext, id: string, options: StateOptions): Promise<void> {
  const found = KINDS.find(({ prefix }) => hasPrefix(id, prefix));
  if (!found) throw badUsage(`"${id}" is not a charge (charge_…), agreement (agr_…) or refund (refund_…) id`);
  const { kind } = found;
  const config = cliConfig(cliDatabaseConfigSchema, context.io);
  const database = await openCliDatabase(config.DATABASE_URL, [RefundListViewEntity]);
  try {
    const streamId = await kind.streamOf(id, options, database);
    const events = streamId
      ? await new PostgresEventStore(database.pool, { coalesce: false }).readStream(streamId)
      : [];
    const asOf: AsOf = { recordedBy: options.asOf ?? new Date(), upToVersion: options.version };
    const resource = events.length > 0 ? kind.fold(id, events, asOf) : null;
    if (events.length === 0 || (resource === null && kind.fold(id, events, {}) === null)) {
      throw problemFound(`no ${kind.name} ${id}: the event log has no events of it`);
    }
    if (resource === null) {
      const first = events[0].recordedAt.toISOString();
      throw problemFound(`${kind.name} ${id} did not exist yet at that point (its first event was recorded ${first})`);
    }
    const folded = events.filter(
      (e) => e.recordedAt.getTime() <= asOf.recordedBy!.getTime() && e.streamVersion <= (options.version ?? Infinity),
    );
    context.io.stdout.write(`${JSON.stringify(resource, null, 2)}\n`);
    say(
      context,
      `${id} as of ${asOf.recordedBy!.toISOString()}${options.version ? `, version ≤ ${options.version}` : ''}: ` +
        `${streamId} folded to version ${folded[folded.length - 1]?.streamVersion ?? 0} of ${events.length}`,
    );
  } finally {
    await database.close();
  }
}
