// After the console changes something (a case decision, an org or key action), every view on screen reloads at
// once instead of at its next poll: the case's status, the org's badge and the open-case count agree
// immediately.
const target = new EventTarget();

export function announceChange(): void {
  target.dispatchEvent(new Event('change'));
}

export function onChange(fn: () => void): () => void {
  target.addEventListener('change', fn);
  return () => target.removeEventListener('change', fn);
}
