import { currentTrace, withLogContext } from '@payment-ledger/platform';

/**
 * A command with the causation of the work that sends it (the consumed event, eventLogContext) when it names none,
 * so that what the callee appends names that event too. The callee enters it with the correlation id (tracedCommand).
 */
export function traced<Message extends object>(message: Message): Message {
  const { causationId } = currentTrace();
  if (causationId === undefined || 'causationId' in message) return message;
  return { ...message, causationId };
}

/** Runs a command's handler in the log context of its correlation and causation ids (from its message). */
export function tracedCommand<T>(
  message: { correlationId?: string; causationId?: string },
  handler: () => Promise<T>,
): Promise<T> {
  return withLogContext({ correlationId: message.correlationId, causationId: message.causationId }, handler);
}
