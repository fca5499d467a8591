import 'reflect-metadata';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
  IsNotEmpty,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  validateSync,
} from 'class-validator';
import { BodyValidator, type Rule, rules } from './body-validator';
import type { ApiError } from './api-error';

/** What class-validator says about `value` in a property `field` with this one decorator. */
function classValidatorMessage(decorator: PropertyDecorator, value: unknown): string | undefined {
  class Probe {
    field?: unknown;
  }
  decorator(Probe.prototype, 'field');
  const [error] = validateSync(Object.assign(new Probe(), { field: value }));
  return error && Object.values(error.constraints ?? {})[0];
}

function bodyValidatorMessage(rule: Rule, value: unknown): string | undefined {
  try {
    new BodyValidator({ field: { rules: [rule] } }).validate({ field: value });
    return undefined;
  } catch (error) {
    return (error as ApiError).message;
  }
}

describe('rules', () => {
  const URL_OPTIONS = { require_protocol: true };
  it.each<[string, Rule, PropertyDecorator, unknown[]]>([
    ['arrayMaxSize', rules.arrayMaxSize(1), ArrayMaxSize(1), [[1], [1, 2], 'x']],
    ['arrayMinSize', rules.arrayMinSize(1), ArrayMinSize(1), [[1], [], 'x']],
    ['equals', rules.equals('A'), Equals('A'), ['A', 'B']],
    ['isArray', rules.isArray(), IsArray(), [[], {}]],
    ['isIn', rules.isIn(['A', 'B']), IsIn(['A', 'B']), ['A', 'C', ['A']]],
    ['isInt', rules.isInt(), IsInt(), [1, 1.5, '1']],
    ['isISO31661Alpha2', rules.isISO31661Alpha2(), IsISO31661Alpha2(), ['US', 'XX', 1]],
    ['isNotEmpty', rules.isNotEmpty(), IsNotEmpty(), ['x', '']],
    ['isString', rules.isString(), IsString(), ['x', 1]],
    ['isUrl', rules.isUrl(URL_OPTIONS), IsUrl(URL_OPTIONS), ['https://x.example/', 'x.example', 1]],
    ['matches', rules.matches(/^[A-Z]+$/), Matches(/^[A-Z]+$/), ['AB', 'ab', 1]],
    ['max', rules.max(5), Max(5), [5, 6, '1']],
    ['maxLength', rules.maxLength(2), MaxLength(2), ['ab', '😀😀', 'abc', 1]],
    ['min', rules.min(5), Min(5), [5, 4, '9']],
  ])('%s passes and fails as class-validator’s, with its default message', (_name, rule, decorator, values) => {
    for (const value of values) {
      expect(bodyValidatorMessage(rule, value)).toBe(classValidatorMessage(decorator, value));
    }
  });

  it('keeps a rule’s own message and code', () => {
    const rule = rules.isIn(['A'], { message: 'field must be A', code: 'a_only' });
    expect(rule.passes('B')).toBe(false);
    expect(rule.message('field')).toBe('field must be A');
    expect(rule.code).toBe('a_only');
  });
});
