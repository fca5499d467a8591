import type { IncomingHttpHeaders } from 'node:http';
import { SIMULATION_CODES, type SimulationCode } from '@payment-ledger/contracts';
import { ApiError } from './api-error';

/** Sandbox only: the header that forces an Amazon Pay outcome (alternative to the body's `sandbox.simulationCode`). */
export const SIMULATION_HEADER = 'sandbox-simulation-code';

/** The simulation code a POST asks for, from the header or the body (the header wins); null when none. */
export function simulationCode(
  body: { sandbox?: { simulationCode: SimulationCode } | null },
  request: { headers: IncomingHttpHeaders },
): SimulationCode | null {
  const header = request.headers[SIMULATION_HEADER];
  if (header === undefined) return body.sandbox?.simulationCode ?? null;
  if (typeof header !== 'string' || !(SIMULATION_CODES as readonly string[]).includes(header)) {
    throw new ApiError(
      400,
      'invalid_simulation_code',
      `${SIMULATION_HEADER} must be one of ${SIMULATION_CODES.join(', ')}`,
      { field: SIMULATION_HEADER },
    );
  }
  return header as SimulationCode;
}
