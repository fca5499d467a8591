/**
 * What a decider throws to refuse a command. An error says what went wrong in the business's words — a stable,
 * machine-readable `code` (`amount_exceeds_authorized`) and the `kind` of refusal — and nothing about transports:
 * the gateway gives each code its HTTP status at its edge, from the failure-code catalogue in libs/contracts
 * (apps/gateway/src/infrastructure/http/remote-error.ts). The kind is for the services themselves.
 */

/**
 * - `not_found`: the object does not exist for the caller (another merchant's object does not exist for them);
 * - `conflict`: the object's current state does not allow the command;
 * - `invalid`: the command asks for something no state would allow (a rule of the request or the payment method).
 */
export type DomainErrorKind = 'not_found' | 'conflict' | 'invalid';

export abstract class DomainError<Code extends string = string> extends Error {
  /** Services bind Code to the API's catalogue of failure codes (libs/contracts failure-codes.ts). */
  abstract readonly code: Code;
  readonly kind: DomainErrorKind = 'conflict';
  /** The request field at fault, where there is one (`amount.value`). */
  readonly field?: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The object does not exist for the caller. */
export abstract class NotFound<Code extends string = string> extends DomainError<Code> {
  override readonly kind: DomainErrorKind = 'not_found';
}

/** A command refused for what it asks (a rule of the request, not the current state), naming the field at fault. */
export class RequestRejected<Code extends string = string> extends DomainError<Code> {
  override readonly kind: DomainErrorKind = 'invalid';
  constructor(
    readonly code: Code,
    message: string,
    override readonly field?: string,
  ) {
    super(message);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
