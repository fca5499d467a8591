import type { IncomingHttpHeaders } from 'node:http';
import { SIMULATION_CODES, type SimulationCode } from '@payment-ledger/contracts';
import { ApiError } from './api-error';

/** Sandbox only: the header that forces an Amazon Pay outcome (alternative to the body's `sandbox.simulationCode`). */
export const SIMULATION_HEADER = 'sandbox-simulation-code';

/**
 * The simulation code a POST asks for, from the header or the body (the header wins); null when none. `codes` are
 * the route's: a payment's (SIMULATION_CODES) by default, a refund's (REFUND_SIMULATION_CODES) on refunds.
 */
export function simulationCode<Code extends string = SimulationCode>(
  body: { sandbox?: { simulationCode: Code } | null },
  request: { headers: IncomingHttpHeaders },
  codes: readonly Code[] = SIMULATION_CODES as readonly string[] as readonly Code[],
): Code | null {
  const header = request.headers[SIMULATION_HEADER];
  if (header === undefined) return body.sandbox?.simulationCode ?? null;
  if (typeof header !== 'string' || !(codes as readonly string[]).includes(header)) {
    throw new ApiError(400, 'invalid_simulation_code', `${SIMULATION_HEADER} must be one of ${codes.join(', ')}`, {
      field: SIMULATION_HEADER,
    });
  }
  return header as Code;
}
