// Long text clamped to three lines with a button to show it all; the whole text stays in the page (search,
// screen readers, copy) and only its display is shortened.
import { useState } from 'react';

export function ExpandableText({ text, limit = 160 }: { text: string; limit?: number }) {
  const [open, setOpen] = useState(false);
  if (text.length <= limit) return <>{text}</>;
  return (
    <>
      <span className={open ? undefined : 'clamp'}>{text}</span>{' '}
      <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'show less' : 'show all'}
      </button>
    </>
  );
}
