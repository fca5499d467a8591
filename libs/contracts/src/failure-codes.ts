/**
 * Every `failureCode` the API can answer with, its HTTP status, and what a merchant should do about it: the one
 * catalogue. The OpenAPI document's `FailureCode` enum and the per-status error schemas are made from it, and
 * `docs/errors.md` is generated from it (`npm run docs:errors`; a test fails when the page is stale).
 *
 * Codes are typed: a domain error bound to the catalogue (`DomainError<FailureCode>`, as every service's error
 * classes are), a gateway `ApiError` and a body schema's `x-failure-code` only accept codes listed here, so a new code
 * cannot reach a merchant without an entry (a test also reads the thrown codes back from the source, for any thrower
 * that is not typed); and a test fails on an entry no source file uses. A code, once published, keeps its meaning (merchants branch on it).
 */
export interface FailureCodeEntry {
  /** The HTTP status it comes with. */
  status: number;
  /** What went wrong, in a merchant's words. */
  meaning: string;
  /** What the merchant should do. */
  action: string;
  /**
   * Where else than from an operation the code comes: `framework`, a refusal before any route (an unknown path, a
   * guard's 403); not listed among an operation's errors in the document. (The health endpoints answer in their own
   * shape, `{ status, checks }`, libs/platform's HealthModule, with no failure code.) `hosted_page`, an answer of
   * the sandbox's hosted page to a consumer's browser (apps/sandbox), never of the merchant API. `internal`, an
   * answer between the services only (libs/rpc), which a caller turns into another code before any merchant sees it.
   */
  scope?: 'framework' | 'hosted_page' | 'internal';
}

const FIX_REQUEST =
  'Fix the request (see `field` and `errors[]`) and send it again; retrying it unchanged fails the same way.';
const RETRY_LATER = 'Retry after `Retry-After` seconds (or with exponential backoff), with the same idempotency key.';

export const FAILURE_CODES = {
  // 400: the request itself
  bad_request: { status: 400, meaning: 'The request was refused before it reached a route.', action: FIX_REQUEST },
  invalid_request: { status: 400, meaning: 'The body or query is not of the expected shape.', action: FIX_REQUEST },
  invalid_json: {
    status: 400,
    meaning: 'The body is not valid JSON, or sets `__proto__` / `constructor.prototype`.',
    action: FIX_REQUEST,
  },
  invalid_json_depth: { status: 400, meaning: 'The body is nested too deeply.', action: FIX_REQUEST },
  invalid_characters: {
    status: 400,
    meaning: 'A field, query parameter or header holds a control character or an unpaired surrogate.',
    action: FIX_REQUEST,
  },
  invalid_url: { status: 400, meaning: 'The request URL is malformed.', action: FIX_REQUEST },
  invalid_provider_notification: {
    status: 400,
    meaning:
      'A provider notification is not an Amazon Pay IPN: its body is not JSON, or its `Message` is not a JSON string naming MerchantID, a known ObjectType, ObjectId, NotificationType, NotificationId and NotificationVersion.',
    action: 'Only the payment provider posts to `/v1/provider-notifications/*`; merchants never call it.',
  },
  malformed_request: { status: 400, meaning: 'The request is not valid HTTP.', action: FIX_REQUEST },
  missing_field: { status: 400, meaning: 'A required field is missing or null.', action: FIX_REQUEST },
  unknown_field: {
    status: 400,
    meaning: 'A field or query parameter this request does not have.',
    action: FIX_REQUEST,
  },
  invalid_field: {
    status: 400,
    meaning: 'A field has a value of the wrong type, format or range.',
    action: FIX_REQUEST,
  },
  invalid_amount: {
    status: 400,
    meaning: 'The amount is not a positive integer number of minor units.',
    action: FIX_REQUEST,
  },
  amount_too_small: {
    status: 400,
    meaning: "Below the payment method's minimum for the currency.",
    action: FIX_REQUEST,
  },
  amount_too_large: {
    status: 400,
    meaning: "Above the payment method's maximum for the currency.",
    action: FIX_REQUEST,
  },
  currency_not_supported: {
    status: 400,
    meaning: 'The payment method does not accept this currency.',
    action: FIX_REQUEST,
  },
  currency_mismatch: {
    status: 400,
    meaning: "The amount's currency is not the payment agreement's currency.",
    action: FIX_REQUEST,
  },
  payment_method_not_supported: { status: 400, meaning: 'Unknown payment method.', action: FIX_REQUEST },
  authentication_method_not_supported: {
    status: 400,
    meaning: 'The authentication setting type is not supported (REDIRECT is).',
    action: FIX_REQUEST,
  },
  capture_method_not_supported: {
    status: 400,
    meaning: 'The payment method does not support a separate (MANUAL) capture.',
    action: 'Use captureMethod AUTOMATIC for this payment method.',
  },
  recurring_not_supported: {
    status: 400,
    meaning: 'The payment method has no recurring payments.',
    action: 'Use a payment method that supports agreements (AMAZON_PAY).',
  },
  invalid_return_url: {
    status: 400,
    meaning: 'returnUrl must be an https URL (http only to localhost, in sandbox).',
    action: FIX_REQUEST,
  },
  webhooks_url_not_allowed: {
    status: 400,
    meaning:
      "A webhook URL (a webhook endpoint's `url`, a charge's or an agreement's `webhooksUrl`) is not https, carries " +
      'a user name or password, does not resolve, or names or resolves to an address that is not public (private, ' +
      'loopback, link-local, cloud metadata, reserved): we do not send requests into private networks.',
    action: 'Give an https URL on a public host name that resolves (every address it resolves to must be public).',
  },
  invalid_simulation_code: {
    status: 400,
    meaning: 'Unknown sandbox simulation code (header or `sandbox.simulationCode`).',
    action: 'Use one of the codes listed in the document (SIMULATION_CODES).',
  },
  simulation_not_allowed: {
    status: 400,
    meaning: 'Simulation codes are accepted only for sandbox merchants.',
    action: 'Remove the simulation code from live requests.',
  },
  invalid_idempotency_key: {
    status: 400,
    meaning: 'The idempotency key is empty, longer than 255 characters or not printable ASCII.',
    action: 'Send a UUID (or another printable key up to 255 characters).',
  },
  invalid_charge_id: { status: 400, meaning: 'The charge id is not a payment charge id.', action: FIX_REQUEST },
  invalid_agreement_id: {
    status: 400,
    meaning: 'The agreement id is not a payment agreement id.',
    action: FIX_REQUEST,
  },
  invalid_start_date: { status: 400, meaning: 'startDate is not an ISO 8601 date-time.', action: FIX_REQUEST },
  invalid_end_date: { status: 400, meaning: 'endDate is not an ISO 8601 date-time.', action: FIX_REQUEST },
  end_before_start: { status: 400, meaning: 'endDate is not after startDate.', action: FIX_REQUEST },
  amount_exceeds_agreed_maximum: {
    status: 400,
    meaning: "The charge is above a MAX agreement's amount.",
    action: 'Charge at most the agreed amount, or set up a new agreement with the consumer.',
  },
  amount_must_equal_agreed_amount: {
    status: 400,
    meaning: "An EXACT agreement's charges are its agreed amount.",
    action: 'Leave amount out (the agreed amount is charged) or send exactly it.',
  },
  test_clock_limit_exceeded: {
    status: 400,
    meaning: 'The test clock would run further ahead of real time than the sandbox allows (10 years by default).',
    action: 'Advance by less, or start a new agreement.',
  },
  // 401, 403
  unauthorized: {
    status: 401,
    meaning: 'No API key was sent (`Authorization: Bearer sk_…`).',
    action: 'Send your secret API key as a bearer token.',
  },
  invalid_api_key: {
    status: 401,
    meaning: 'The API key is unknown.',
    action: "Check the key (sandbox keys are sk_sandbox_…, live keys sk_live_…); don't retry with the same key.",
  },
  api_key_expired: {
    status: 401,
    meaning: 'The API key was rotated and the overlap it was given has ended.',
    action: "Use the key that replaced it (`npm run merchant:keys -- list <merchant>` shows the merchant's keys).",
  },
  api_key_revoked: {
    status: 401,
    meaning: 'The API key has been revoked.',
    action: "Use another of the merchant's keys, or rotate to get a new one; don't retry with this key.",
  },
  provider_notification_unsigned: {
    status: 401,
    meaning: 'A provider notification came without the signature of the provider (the sandbox signs its IPNs).',
    action: 'Only the payment provider posts to `/v1/provider-notifications/*`; merchants never call it.',
  },
  provider_notification_forged: {
    status: 403,
    meaning: "A provider notification's signature is not the provider's: it is refused and nothing is recorded.",
    action: 'Only the payment provider posts to `/v1/provider-notifications/*`; merchants never call it.',
  },
  forbidden: { status: 403, meaning: 'The key may not do this.', action: 'Use a key that may.', scope: 'framework' },
  sandbox_only: {
    status: 403,
    meaning: 'Test clocks and simulated chargebacks exist only for sandbox merchants.',
    action: 'Use a sandbox key (sk_sandbox_…).',
  },
  live_mode_unavailable: {
    status: 403,
    meaning: 'Live payments are not available yet: no live payment provider is connected, so live keys are refused.',
    action: 'Use your sandbox key (sk_sandbox_…).',
  },
  // 404
  route_not_found: {
    status: 404,
    meaning: 'No such route.',
    action: 'Check the method and path against the document.',
  },
  payment_charge_not_found: {
    status: 404,
    meaning: "No payment charge with this id for this merchant (another merchant's ids do not exist for you).",
    action: 'Check the id and the API key (sandbox and live are separate merchants).',
  },
  capture_not_found: {
    status: 404,
    meaning: 'The charge has no capture with this id.',
    action: 'Check the capture id.',
  },
  void_not_found: { status: 404, meaning: 'The charge has no void with this id.', action: 'Check the void id.' },
  event_not_found: {
    status: 404,
    meaning: 'No event with this id for this merchant.',
    action: 'Check the event id; list your events with GET /v1/events.',
  },
  webhook_endpoint_not_found: {
    status: 404,
    meaning: 'No webhook endpoint with this id for this merchant (or it was deleted).',
    action: 'Check the endpoint id; list your endpoints with GET /v1/webhook-endpoints.',
  },
  refund_not_found: {
    status: 404,
    meaning: 'No refund with this id for this merchant (or, under a charge, for that charge).',
    action: 'Check the refund id, and the charge id it is asked under.',
  },
  chargeback_not_found: {
    status: 404,
    meaning: 'The charge has no chargeback with this id.',
    action: 'Check the chargeback id.',
  },
  payment_agreement_not_found: {
    status: 404,
    meaning: 'No payment agreement with this id for this merchant.',
    action: 'Check the id and the API key.',
  },
  billing_schedule_not_found: {
    status: 404,
    meaning: 'The agreement has no billing schedule (it needs a frequency, an amount and consent).',
    action: 'Advance test clocks only on scheduled, approved agreements.',
  },
  // The sandbox's hosted page (the consumer's browser), not the API: a form without the consumer's choice, a link that
  // does not open its page.
  hosted_page_form_invalid: {
    status: 400,
    meaning:
      "The hosted page's form came without the consumer's choice (`decision` APPROVE or CANCEL), without a form, or as one the page cannot read (over 8 KiB, not url-encoded UTF-8).",
    action: "Post the page's own form (its Pay or Cancel button).",
    scope: 'hosted_page',
  },
  hosted_page_link_invalid: {
    status: 404,
    meaning:
      'The hosted-page link is not one made for this charge or agreement (tampered, cut short, or an old link without an expiry).',
    action: "Send the consumer to the charge's own `requestUrl`, as the API answered it.",
    scope: 'hosted_page',
  },
  hosted_page_link_expired: {
    status: 410,
    meaning: 'The hosted-page link has expired (SANDBOX_LINK_TTL_MS after the charge or agreement was created).',
    action: 'Read the charge or agreement for its outcome; for a new attempt, create a new one and redirect again.',
    scope: 'hosted_page',
  },
  // 408, 409
  request_timeout: {
    status: 408,
    meaning: 'The request took too long to arrive.',
    action: 'Send it again (with the same idempotency key).',
  },
  idempotency_key_reused: {
    status: 409,
    meaning: 'The idempotency key was used before with another method, path or body.',
    action: 'Use a new key for a new request; reuse a key only to retry the very same request.',
  },
  idempotency_key_in_use: {
    status: 409,
    meaning: 'A request with this idempotency key is still being processed.',
    action: 'Wait for it, then retry with the same key to get its answer.',
  },
  concurrent_modification: {
    status: 409,
    meaning: 'The object changed while the request was processed.',
    action: 'Retry with the same idempotency key.',
  },
  invalid_charge_status: {
    status: 409,
    meaning: "The charge's status (`currentStatus`) does not allow this operation.",
    action: 'Read the charge and act on its status; do not retry unchanged.',
  },
  charge_not_captured: {
    status: 409,
    meaning: 'The charge has nothing captured, so nothing to refund (or to charge back).',
    action: 'Refund a charge once it is CAPTURED; an uncaptured authorization is released with a void instead.',
  },
  amount_exceeds_refundable: {
    status: 409,
    meaning:
      'The amount is more than is left to refund: captured, less the refunds pending or succeeded and the ' +
      'chargebacks open or lost (`refundableAmount` says how much is left).',
    action: 'Refund at most `refundableAmount`; a failed refund or a won chargeback makes its amount refundable again.',
  },
  refund_not_supported: {
    status: 409,
    meaning: 'The payment method takes no refund of this kind (a partial refund, or a further one).',
    action: 'Refund the whole captured amount in one refund, as the method allows.',
  },
  refund_window_expired: {
    status: 409,
    meaning: "The payment method's refund window (6 months after the last capture for Amazon Pay) has passed.",
    action: 'Return the money to the consumer another way; the provider no longer refunds this charge.',
  },
  chargeback_already_resolved: {
    status: 409,
    meaning: 'The chargeback was already resolved with the other outcome.',
    action: 'Read the chargeback on the charge; a resolution is final.',
  },
  amount_exceeds_authorized: {
    status: 409,
    meaning: 'The capture is more than what is authorized and not yet captured or voided.',
    action: 'Capture at most the remaining authorized amount.',
  },
  nothing_to_capture: {
    status: 409,
    meaning: 'Everything authorized is already captured, being captured, or released.',
    action: 'Nothing to do; read the charge for its captures.',
  },
  authorization_expired: {
    status: 409,
    meaning: 'The authorization expired and the uncaptured funds were released.',
    action: 'Create a new charge.',
  },
  invalid_agreement_status: {
    status: 409,
    meaning: "The agreement's status (`currentStatus`) does not allow this operation.",
    action: 'Read the agreement and act on its status.',
  },
  agreement_revoked: {
    status: 409,
    meaning: 'The agreement was revoked; it can no longer be charged.',
    action: 'Ask the consumer for a new agreement.',
  },
  agreement_past_due: {
    status: 409,
    meaning: 'The agreement is past due after failed recurring charges.',
    action: 'Ask the consumer to update their payment method, or revoke the agreement.',
  },
  agreement_ended: {
    status: 409,
    meaning: "The agreement's endDate has passed.",
    action: 'Ask the consumer for a new agreement.',
  },
  // 413, 414, 415, 429, 431
  payload_too_large: {
    status: 413,
    meaning: 'The body is larger than the gateway accepts (100 KiB by default).',
    action: 'Send a smaller body.',
  },
  url_too_long: {
    status: 414,
    meaning: 'A path segment (an id) is longer than the gateway accepts (100 characters).',
    action: 'Send the id as the API gave it.',
  },
  unsupported_media_type: {
    status: 415,
    meaning: 'The body is not `application/json`.',
    action: 'Send `Content-Type: application/json`.',
  },
  rate_limited: {
    status: 429,
    meaning: 'Too many requests for this API key or from this address.',
    action: 'Wait `Retry-After` seconds, then retry; spread requests out (see the RateLimit-* headers).',
  },
  headers_too_large: {
    status: 431,
    meaning: 'The request line and headers together are larger than the gateway accepts (16 KiB).',
    action: 'Send fewer or smaller headers.',
  },
  // 5xx
  internal_error: {
    status: 500,
    meaning: 'An unexpected error; it is logged with the correlation id.',
    action: `${RETRY_LATER} If it persists, contact support with the X-Correlation-Id.`,
  },
  answer_too_large: {
    status: 500,
    meaning: 'The answer was larger than the services may exchange.',
    action: 'Ask for less (a smaller `limit`); contact support with the X-Correlation-Id.',
  },
  service_unavailable: {
    status: 503,
    meaning: 'A payment service is unavailable.',
    action: RETRY_LATER,
  },
  service_draining: {
    status: 503,
    meaning: 'A service that is shutting down refused a command without running it.',
    action:
      'Nothing: the calling service sends the command again (to another replica); past its timeout it answers `service_unavailable`.',
    scope: 'internal',
  },
  service_overloaded: {
    status: 503,
    meaning: 'A payment service is busy and shed the request before doing anything.',
    action: RETRY_LATER,
  },
} as const satisfies Record<string, FailureCodeEntry>;

export type FailureCode = keyof typeof FAILURE_CODES;

export function isFailureCode(code: string): code is FailureCode {
  return Object.prototype.hasOwnProperty.call(FAILURE_CODES, code);
}

/** The codes a merchant or a consumer can be answered with (not the `internal` ones), in catalogue order. */
export function publicFailureCodes(): FailureCode[] {
  return (Object.keys(FAILURE_CODES) as FailureCode[]).filter((code) => {
    const entry: FailureCodeEntry = FAILURE_CODES[code];
    return entry.scope !== 'internal';
  });
}

/** The codes an operation can answer with under one HTTP status, in catalogue order. */
export function failureCodesWithStatus(status: number): FailureCode[] {
  return (Object.keys(FAILURE_CODES) as FailureCode[]).filter((code) => {
    const entry: FailureCodeEntry = FAILURE_CODES[code];
    return entry.status === status && entry.scope === undefined;
  });
}
