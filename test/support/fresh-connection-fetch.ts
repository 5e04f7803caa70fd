// fetch on a new connection per request, for harness calls that follow a long pause. A test process that
// blocks its event loop for seconds (a replay, a simulation) can send on a keep-alive socket the server has
// just closed as idle, before its own idle timer fires: the request fails with ECONNRESET / "other side
// closed", which says nothing about Moat. Never reusing the connection removes that race.
import { Agent, fetch } from 'undici';

const noKeepAlive = new Agent({ pipelining: 0 });

export function fetchFresh(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return fetch(url, { ...init, dispatcher: noKeepAlive });
}
