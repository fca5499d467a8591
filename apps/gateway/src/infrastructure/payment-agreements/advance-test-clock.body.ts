import { type Infer, integer, object } from '../http/body-schema';
import { RequestBody } from '../http/request-body';

/** Sandbox only: how far a test clock moves an agreement's billing schedule. */
export const advanceTestClockBody = new RequestBody(
  object('AdvanceTestClockDto', {
    seconds: integer({
      minimum: 1,
      maximum: 10 * 366 * 24 * 3600,
      description: "How far to move this agreement's schedule forward, in seconds (up to 10 years)",
      example: 2678400,
    }),
  }),
);
export type AdvanceTestClockBody = Infer<typeof advanceTestClockBody.schema>;
