import { ApiError } from './api-error';
import { checkJsonText, checkQueryText, MAX_JSON_DEPTH } from './text-rules';

function refusal(check: () => void): Pick<ApiError, 'failureCode' | 'message'> & { field?: string } {
  try {
    check();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { failureCode: error.failureCode, message: error.message, field: error.details.field };
  }
  throw new Error('accepted');
}

/** `{"a":{"a":…}}` with `levels` objects, built as text and parsed, as the body parser gets it. */
const nested = (levels: number): unknown => JSON.parse('{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1));

describe('checkJsonText', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}, also 10,000 (no stack overflow)`, () => {
    expect(() => checkJsonText(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(refusal(() => checkJsonText(nested(MAX_JSON_DEPTH + 1)))).toMatchObject({
      failureCode: 'invalid_json_depth',
    });
    const deepArrays = JSON.parse('['.repeat(10_000) + ']'.repeat(10_000));
    expect(refusal(() => checkJsonText({ a: deepArrays }))).toMatchObject({ failureCode: 'invalid_json_depth' });
  });

  it.each([
    ['a NUL', 'John\u0000Smith'],
    ['a lone high surrogate', 'John\ud800'],
    ['a lone low surrogate', '\udc00John'],
    ['surrogates in the wrong order', '\udc00\ud800'],
  ])('refuses %s in any string, naming the field', (_case, text) => {
    expect(refusal(() => checkJsonText({ consumer: { name: text } }))).toEqual({
      failureCode: 'invalid_characters',
      field: 'consumer.name',
      message: 'consumer.name must not contain a NUL character or an unpaired surrogate',
    });
    expect(refusal(() => checkJsonText({ list: [{ x: 1 }, [text]] }))).toMatchObject({ field: 'list[1][0]' });
  });

  it('refuses a NUL or lone surrogate in a key, shown escaped', () => {
    expect(refusal(() => checkJsonText({ amount: { 'va\u0000lue': 1 } }))).toMatchObject({
      failureCode: 'invalid_characters',
      field: 'amount.va\\u0000lue',
    });
    expect(refusal(() => checkJsonText({ '\ud83d': 1 }))).toMatchObject({ field: '\\ud83d' });
  });

  it('accepts paired surrogates, other control characters (the schemas judge those per field) and numbers', () => {
    expect(() => checkJsonText({ name: '😀 Ünïcødé', description: 'line 1\nline 2\t\u0001', value: 1 })).not.toThrow();
  });
});

describe('checkQueryText', () => {
  it.each([
    ['NUL', '\u0000'],
    ['a line feed', 'a\nb'],
    ['a lone surrogate', '\ud800'],
  ])('refuses %s in a query parameter', (_case, text) => {
    expect(refusal(() => checkQueryText({ merchantPaymentChargeReference: text }))).toMatchObject({
      failureCode: 'invalid_characters',
      field: 'merchantPaymentChargeReference',
    });
    expect(refusal(() => checkQueryText({ status: ['CAPTURED', text] }))).toMatchObject({ field: 'status' });
  });

  it('accepts ordinary parameters', () => {
    expect(() => checkQueryText({ limit: '20', merchantPaymentChargeReference: 'order 1 😀' })).not.toThrow();
  });
});
