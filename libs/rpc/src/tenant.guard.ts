import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { TcpContext } from '@nestjs/microservices';
import { RequestRejected } from '@payment-ledger/domain-kernel';

/**
 * Patterns of system callers (the scheduler charging an agreement for a period, the sandbox page acting for a
 * consumer) start with this: they act for no merchant, and say so by the pattern they use, never by leaving the
 * merchant out of a merchant's command.
 */
export const SYSTEM_PATTERN_PREFIX = 'system.';

export class MerchantRequired extends RequestRejected {
  constructor() {
    super('merchant_required', 'A merchant command must name the merchant it acts for', 'merchantId');
  }
}

/** The merchant a message acts for: `merchantId`, or `merchant.id` on commands that carry the merchant's context. */
export function tenantOf(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { merchantId, merchant } = message as { merchantId?: unknown; merchant?: { id?: unknown } | null };
  const id = merchantId ?? merchant?.id;
  return typeof id === 'string' && id.trim() !== '' ? id : undefined;
}

/**
 * Set on every RPC server by the kit (`rpcServer.configure`): a message of any pattern but a `system.` one must name a
 * merchant (every call of a coalesced `.many` message too), or it is refused as `merchant_required` before a handler
 * sees it. Handlers then scope every read and write to that merchant.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'rpc') return true;
    const rpc = context.switchToRpc();
    const pattern = (rpc.getContext<TcpContext>()?.getPattern?.() ?? '') as string;
    if (pattern.startsWith(SYSTEM_PATTERN_PREFIX)) return true;
    const data = rpc.getData<unknown>();
    const many = (data as { messages?: unknown } | null)?.messages;
    const messages = pattern.endsWith('.many') && Array.isArray(many) ? many : [data];
    if (messages.length === 0 || messages.some((m) => tenantOf(m) === undefined)) throw new MerchantRequired();
    return true;
  }
}
