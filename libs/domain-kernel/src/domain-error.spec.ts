import { DomainError, isDomainError, NotFound, RequestRejected } from './domain-error';

class ChargeMissing extends NotFound<'charge_not_found'> {
  readonly code = 'charge_not_found';
}
class WrongStatus extends DomainError<'invalid_status'> {
  readonly code = 'invalid_status';
}

describe('domain errors', () => {
  it('are conflicts unless they say otherwise, named after their class, with the message given', () => {
    const error = new WrongStatus('cannot capture a VOIDED charge');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      code: 'invalid_status',
      kind: 'conflict',
      name: 'WrongStatus',
      message: 'cannot capture a VOIDED charge',
    });
    expect(error.field).toBeUndefined();
  });

  it('NotFound is a not_found refusal', () => {
    expect(new ChargeMissing('no such charge')).toMatchObject({
      code: 'charge_not_found',
      kind: 'not_found',
      name: 'ChargeMissing',
      message: 'no such charge',
    });
  });

  it('RequestRejected is an invalid request, naming its code and the field at fault', () => {
    expect(new RequestRejected('invalid_amount', 'amount must be positive', 'amount.value')).toMatchObject({
      code: 'invalid_amount',
      kind: 'invalid',
      name: 'RequestRejected',
      message: 'amount must be positive',
      field: 'amount.value',
    });
    expect(new RequestRejected('missing_field', 'no amount').field).toBeUndefined();
  });

  it('isDomainError tells domain refusals from other errors', () => {
    expect(isDomainError(new WrongStatus('x'))).toBe(true);
    expect(isDomainError(new ChargeMissing('x'))).toBe(true);
    expect(isDomainError(new RequestRejected('c', 'x'))).toBe(true);
    expect(isDomainError(new Error('x'))).toBe(false);
    expect(isDomainError({ code: 'invalid_status', kind: 'conflict' })).toBe(false);
    expect(isDomainError(undefined)).toBe(false);
  });
});
