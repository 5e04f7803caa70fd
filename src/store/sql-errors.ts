// SQLSTATE checks shared by both drivers (PGlite and node-postgres both expose `code`).
function sqlState(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

export const isUniqueViolation = (e: unknown): boolean => sqlState(e) === '23505';
export const isForeignKeyViolation = (e: unknown): boolean => sqlState(e) === '23503';
