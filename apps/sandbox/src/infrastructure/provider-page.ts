import { newId } from '@payment-ledger/contracts';
import { RemoteCallError, type RpcClient } from '@payment-ledger/rpc';

/** What the consumer chose on a provider page's form; undefined for anything else. */
export function consumerDecision(form: { decision?: string }): 'APPROVE' | 'CANCEL' | undefined {
  return form.decision === 'APPROVE' || form.decision === 'CANCEL' ? form.decision : undefined;
}

/**
 * Asks the owning service for a page's view (or to record the consumer's decision); undefined when the link is not
 * valid (unknown object or bad token: the service answers 404). Other failures are thrown.
 */
export async function pageView<View>(service: RpcClient, pattern: string, message: object): Promise<View | undefined> {
  try {
    return await service.send<View>(pattern, { ...message, correlationId: newId('event') });
  } catch (error) {
    if (error instanceof RemoteCallError && error.kind === 'not_found') return undefined;
    throw error;
  }
}
