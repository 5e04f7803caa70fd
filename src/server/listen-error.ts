// A listen failure as one sentence an operator can act on (the raw error says only `listen EADDRINUSE`).
export function listenError(e: unknown, host: string, port: number): Error {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why =
    code === 'EADDRINUSE'
      ? `${where} is already in use (another Moat or another program listens there); stop it or pick another port (--port, server.port, MOAT_PORT)`
      : code === 'EACCES'
        ? `not allowed to listen on ${where} (ports below 1024 need privileges); pick another port`
        : code === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this machine (server.host, MOAT_HOST)`
          : `${where}: ${(e as Error)?.message ?? String(e)}`;
  return new Error(`cannot listen on ${why}`, { cause: e });
}
