// Single-key shortcuts for a page (j/k, a, /), ignored while the user types in a field or holds a modifier,
// so they never steal a letter from a note or a search.
import { useEffect, useRef } from 'react';

export function useShortcuts(keys: Record<string, (e: KeyboardEvent) => void>): void {
  const current = useRef(keys);
  current.current = keys;
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      if (document.querySelector('dialog[open]')) return;
      const fn = current.current[e.key];
      if (!fn) return;
      e.preventDefault();
      fn(e);
    };
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, []);
}
