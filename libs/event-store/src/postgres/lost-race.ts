/**
 * A statement that lost a race to a concurrent one: a unique key the other inserted first (23505), or a deadlock
 * between the two, which PostgreSQL ends by failing one (40P01). Run alone once more, it finds the winner's row
 * (see oneByOneOnFailure).
 */
export function lostRace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === '40P01';
}
