// `moat start`: runs the gateway (hot path + admin API + console) until SIGINT/SIGTERM, then drains.
// Any failure before it serves (configuration, store, listening) ends the process non-zero within a bounded
// time with one line saying why, after releasing what start-up took (data folder, connections), so a
// supervisor restarts it and a script waiting for it does not hang.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { MoatServer } from '../../server/start-moat.js';
import { startBanner } from '../../server/banner.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('Start the gateway. Without configuration: embedded PGlite store in .moat/ and the built-in demo upstream.')
    .option('-c, --config <file>', 'YAML configuration file (default: $MOAT_CONFIG)')
    .option('-p, --port <port>', 'port to listen on (overrides config)')
    .action(async (opts: { config?: string; port?: string }) => {
      const overrides: Record<string, unknown> = {};
      if (opts.port !== undefined) overrides['server.port'] = Number(opts.port);
      const config = loadConfig({ ...(opts.config ? { file: opts.config } : {}), overrides });
      // Signals are handled from the start: startup takes seconds (store, detection assets), and a SIGTERM
      // that arrives meanwhile must still end the process: it aborts start-up, which then fails (below).
      let server: MoatServer | undefined;
      let stopSignal: string | undefined;
      const starting = new AbortController();
      const stop = (signal: string) => {
        if (stopSignal) return;
        stopSignal = signal;
        if (!server) {
          starting.abort(new Error(`${signal} during start-up`));
          // An attempt in progress (a store connect) may take its own timeout to notice; do not wait longer.
          setTimeout(() => process.exit(0), config.server.shutdownGraceMs).unref();
          return;
        }
        server.logger.info({ signal }, 'shutting down: draining in-flight requests');
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            server?.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      try {
        // The server's modules load here, not when the CLI starts: every other command runs without them.
        const { startMoat } = await import('../../server/start-moat.js');
        server = await startMoat(config, { signal: starting.signal });
      } catch (e) {
        // startMoat has released what it took (bounded); exit rather than wait for stray timers or sockets.
        if (stopSignal) {
          process.stderr.write(`moat: start-up stopped by ${stopSignal}\n`);
          process.exit(0);
        }
        process.stderr.write(`moat: cannot start: ${(e as Error)?.message ?? String(e)}\n`);
        process.exit(1);
      }
      if (stopSignal) {
        const signal = stopSignal;
        stopSignal = undefined;
        stop(signal);
        return;
      }
      process.stdout.write(startBanner(server, config, { consoleAvailable: server.consoleAvailable }));
      await new Promise(() => {}); // run until a signal
    });
}
