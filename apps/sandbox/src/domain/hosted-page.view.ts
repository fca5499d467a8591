/**
 * The Amazon Pay sandbox's hosted page, server-rendered: no scripts, no external assets, one small stylesheet,
 * readable on a phone. Pure functions from view data to HTML.
 */
import { type AgreementCheckoutView, type CheckoutView, format, money } from '@payment-ledger/contracts';

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The pages' one stylesheet, inline: page-security-headers.ts allows exactly it (by its hash) and nothing else. */
export const PAGE_STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f6;color:#111}
header{background:#232f3e;color:#fff;padding:14px 20px;font-weight:600}header span{color:#ff9900}
main{max-width:420px;margin:24px auto;padding:0 16px}.card{background:#fff;border-radius:10px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.15rem;margin:0 0 4px}.merchant{color:#555;margin:0 0 16px}.amount{font-size:2rem;font-weight:700;margin:8px 0 20px}
.sandbox{display:inline-block;background:#fff4e5;color:#8a4b00;border:1px solid #f0c36d;border-radius:4px;font-size:.8rem;padding:2px 8px;margin-bottom:12px}
button{width:100%;padding:14px;border:0;border-radius:8px;font-size:1rem;font-weight:600;cursor:pointer;margin-top:10px}
.approve{background:#ffd814;color:#111}.cancel{background:#e5e7eb;color:#111}.note{font-size:.85rem;color:#666;margin-top:16px}
a.back{display:block;text-align:center;margin-top:16px;color:#0a58ca}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)}</title><style>${PAGE_STYLE}</style></head><body><header>amazon <span>pay</span> · sandbox</header><main>${body}</main></body></html>`;
}

export function renderCheckoutPage(view: CheckoutView, token: string): string {
  const amount = format(money(view.amount.value, view.amount.currency));
  const action = `/amazon-pay/checkout/${encodeURIComponent(view.chargeId)}`;
  return page(
    `Pay ${view.merchantName}`,
    `<div class="card"><div class="sandbox">Sandbox: no real money moves</div>
<h1>Review your payment</h1><p class="merchant">to <strong data-testid="merchant">${escape(view.merchantName)}</strong></p>
<div class="amount" data-testid="amount">${escape(amount)}</div>
<form method="post" action="${action}"><input type="hidden" name="token" value="${escape(token)}">
<button class="approve" type="submit" name="decision" value="APPROVE">Pay now</button>
<button class="cancel" type="submit" name="decision" value="CANCEL">Cancel and return to merchant</button></form>
<p class="note">Signed in as the sandbox buyer. Complete this before ${escape(view.expiresAt)}.</p></div>`,
  );
}

export function renderEndedPage(view: CheckoutView): string {
  return page(
    'Payment finished',
    `<div class="card"><h1>This payment is ${escape(view.status.toLowerCase().replace(/_/g, ' '))}</h1>
<p class="merchant">${escape(view.merchantName)}</p><a class="back" href="${escape(returnUrlFor(view))}">Return to merchant</a></div>`,
  );
}

const REFUSAL_TITLES: Readonly<Record<string, string>> = {
  hosted_page_link_expired: 'Link expired',
  hosted_page_form_invalid: 'Invalid form',
};

/** A refused request (a link that does not open its page, a form without a choice), with its machine-readable code. */
export function renderRefusedPage(failureCode: string, failureMessage: string): string {
  const title = REFUSAL_TITLES[failureCode] ?? 'Not found';
  return page(
    title,
    `<div class="card" data-failure-code="${escape(failureCode)}"><h1>${escape(failureMessage)}</h1>
<p class="note">Code: <code data-testid="failure-code">${escape(failureCode)}</code></p></div>`,
  );
}

/** The merchant's return URL with the charge id appended as a query parameter. */
export function returnUrlFor(view: Pick<CheckoutView, 'returnUrl' | 'chargeId'>): string {
  const url = new URL(view.returnUrl);
  url.searchParams.set('paymentChargeId', view.chargeId);
  return url.toString();
}

/** The consent page of a payment agreement: the payment method is saved for the merchant's future charges. */
export function renderAgreementPage(view: AgreementCheckoutView, token: string): string {
  const action = `/amazon-pay/agreements/${encodeURIComponent(view.agreementId)}`;
  const initial = view.initialAmount
    ? `<p>First payment now:</p><div class="amount" data-testid="amount">${escape(format(money(view.initialAmount.value, view.initialAmount.currency)))}</div>`
    : '';
  return page(
    `Save Amazon Pay for ${view.merchantName}`,
    `<div class="card"><div class="sandbox">Sandbox: no real money moves</div>
<h1>Allow future payments</h1><p class="merchant">to <strong data-testid="merchant">${escape(view.merchantName)}</strong></p>
<p data-testid="consent">Your Amazon Pay payment method will be saved for future purchases with this merchant, who may charge it without asking you again.</p>
${view.description ? `<p class="note">${escape(view.description)}</p>` : ''}${initial}
<form method="post" action="${action}"><input type="hidden" name="token" value="${escape(token)}">
<button class="approve" type="submit" name="decision" value="APPROVE">Agree and continue</button>
<button class="cancel" type="submit" name="decision" value="CANCEL">Cancel and return to merchant</button></form>
<p class="note">Signed in as the sandbox buyer. Complete this before ${escape(view.expiresAt)}.</p></div>`,
  );
}

export function renderAgreementEndedPage(view: AgreementCheckoutView): string {
  return page(
    'Agreement',
    `<div class="card"><h1>This agreement is ${escape(view.status.toLowerCase().replace(/_/g, ' '))}</h1>
<p class="merchant">${escape(view.merchantName)}</p><a class="back" href="${escape(agreementReturnUrlFor(view))}">Return to merchant</a></div>`,
  );
}

/** The merchant's return URL with the agreement id appended as a query parameter. */
export function agreementReturnUrlFor(view: Pick<AgreementCheckoutView, 'returnUrl' | 'agreementId'>): string {
  const url = new URL(view.returnUrl);
  url.searchParams.set('paymentAgreementId', view.agreementId);
  return url.toString();
}
