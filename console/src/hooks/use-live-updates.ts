// Listens to the admin API's server-sent events (GET /admin/events) and reloads every view when something
// audited changes, so a new case or another analyst's action shows within a second. EventSource cannot send
// the Authorization header, so the stream is read with fetch. While it is connected, views poll only rarely
// (charts still move with traffic); when it drops, polling takes over and the stream is retried.
import { useEffect } from 'react';
import { loadToken } from '../auth/session.js';
import { announceChange } from './change-signal.js';

let connected = false;

/** Whether live updates are flowing (views then poll less often). */
export const liveConnected = (): boolean => connected;

const RETRY_MS = 5000;

export function useLiveUpdates(): void {
  useEffect(() => {
    const ctrl = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = async () => {
      try {
        const res = await fetch('/admin/events', { headers: { authorization: `Bearer ${loadToken() ?? ''}`, accept: 'text/event-stream' }, signal: ctrl.signal });
        if (!res.ok || !res.body) throw new Error(`live updates: ${res.status}`);
        connected = true;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            if (/^event: change$/m.test(block)) announceChange();
          }
        }
      } catch {
        // Aborted on unmount, or the stream failed: polling covers the gap.
      }
      connected = false;
      if (!ctrl.signal.aborted) retry = setTimeout(() => void connect(), RETRY_MS);
    };
    void connect();
    return () => {
      ctrl.abort();
      clearTimeout(retry);
      connected = false;
    };
  }, []);
}
