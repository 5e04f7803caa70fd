// `moat start`: runs the gateway (hot path + admin API + console) until SIGINT/SIGTERM, then drains.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { startMoat, type MoatServer } from '../../server/start-moat.js';
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
      // that arrives meanwhile must still end in a clean shutdown, not a kill.
      let server: MoatServer | undefined;
      let stopSignal: string | undefined;
      const stop = (signal: string) => {
        if (stopSignal) return;
        stopSignal = signal;
        if (!server) return; // startMoat is still running; it is closed as soon as it returns
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
      server = await startMoat(config);
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
