// A window start ("24 hours ago") that moves forward once a minute, so polled URLs stay stable between polls.
import { useEffect, useState } from 'react';

export function useSince(minutes: number): string {
  const calc = () => new Date(Math.floor(Date.now() / 60_000) * 60_000 - minutes * 60_000).toISOString();
  const [since, setSince] = useState(calc);
  useEffect(() => {
    const id = setInterval(() => setSince(calc()), 60_000);
    return () => clearInterval(id);
  }, [minutes]);
  return since;
}
