import type { ClientProxy } from '@nestjs/microservices';
import { newId } from '@payment-ledger/contracts';
import { callService, RemoteCallError } from '@payment-ledger/messaging';

/** What the consumer chose on a provider page's form; undefined for anything else. */
export function consumerDecision(form: { decision?: string }): 'APPROVE' | 'CANCEL' | undefined {
  return form.decision === 'APPROVE' || form.decision === 'CANCEL' ? form.decision : undefined;
}

/**
 * Asks the owning service for a page's view (or to record the consumer's decision); undefined when the link is not
 * valid (unknown object or bad token: the service answers 404). Other failures are thrown.
 */
export async function pageView<View>(
  service: ClientProxy,
  pattern: string,
  message: object,
  timeoutMs: number,
): Promise<View | undefined> {
  try {
    return await callService<View>(service, pattern, { ...message, correlationId: newId('event') }, timeoutMs);
  } catch (error) {
    if (error instanceof RemoteCallError && error.kind === 'not_found') return undefined;
    throw error;
  }
}
