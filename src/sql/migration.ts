// A schema migration: numbered, applied once, in order. Kept as TS modules because tsc does not copy .sql files.
export interface Migration {
  id: number;
  name: string;
  sql: string;
}
