// `moat detect`: a detection worker consuming gateway events from Redis Streams (see docs/detection.md).
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { loadDetectionAssets } from '../../detection/assets.js';
import { createDetectWorker } from '../../detection/stream/detect-worker.js';
import { closeRedis } from '../../redis/close-redis.js';

export function register(program: Command): void {
  program
    .command('detect')
    .description('Run a detection worker over Redis Streams; labels go to <prefix>:labels and stdout (JSON lines).')
    .option('--redis <url>', 'Redis URL (default: $REDIS_URL)')
    .option('--prefix <prefix>', 'stream key prefix', 'moat:detect')
    .option('--partitions <n>', 'number of event partitions (same on gateways and workers)', '8')
    .option('--worker <i>', 'this worker\'s index', '0')
    .option('--workers <n>', 'number of workers; worker i owns partitions p with p mod n = i', '1')
    .option('--checkpoint-ms <ms>', 'checkpoint state to Redis this often (and on SIGTERM); 0 disables', '5000')
    .option('--keep-streams', 'do not trim the events, links and labels streams after each checkpoint (they then grow with every request)')
    .action(async (o: { redis?: string; prefix: string; partitions: string; worker: string; workers: string; checkpointMs: string; keepStreams?: boolean }) => {
      const url = o.redis ?? process.env.REDIS_URL;
      if (!url) throw new Error('--redis or REDIS_URL is required');
      const partitions = Number(o.partitions);
      const worker = Number(o.worker);
      const workers = Number(o.workers);
      const checkpointMs = Number(o.checkpointMs);
      if (!(partitions > 0 && workers > 0 && worker >= 0 && worker < workers)) throw new Error('invalid --partitions/--worker/--workers');
      if (!(checkpointMs >= 0)) throw new Error('invalid --checkpoint-ms');
      const owned = Array.from({ length: partitions }, (_, p) => p).filter((p) => p % workers === worker);
      const redis = new Redis(url);
      // Connection failures reach the worker through its commands; without a listener ioredis would also print
      // every reconnect attempt to stderr.
      redis.on('error', () => {});
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      try {
        const w = await createDetectWorker({
          // The consumer name is the checkpoint's name: a restarted worker i continues where worker i stopped.
          redis, prefix: o.prefix, partitions, owned, consumer: `worker-${worker}`, assets: loadDetectionAssets(), checkpointMs,
          onLabel: (e) => process.stdout.write(JSON.stringify(e) + '\n'),
          onCheckpointError: (err) => process.stderr.write(`moat detect: checkpoint failed (retrying with every org): ${String(err)}\n`),
          trim: !o.keepStreams,
          onTrimError: (err) => process.stderr.write(`moat detect: trimming the streams failed (the next checkpoint tries again): ${String(err)}\n`),
        });
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, onSignal);
        process.stderr.write(`moat detect: worker ${worker}/${workers} owns partitions ${owned.join(',')}${w.restored ? ' (resumed from checkpoint)' : w.seededFrom ? ` (linkage from ${w.seededFrom}'s checkpoint)` : ''}\n`);
        if (w.linksTrimmedBefore)
          process.stderr.write(
            `moat detect: warning: no checkpoint of this worker or of another to take linkage from, and the links stream was trimmed (it starts at ${w.linksTrimmedBefore}): ` +
              'clusters are rebuilt from the link records left (accounts linked only by older traffic are not linked until they share evidence again)\n',
          );
        await w.run(stop.signal);
      } finally {
        // A worker stopped by an error lets go of Redis too: its reconnect timer would keep the process alive, and
        // a supervisor would never restart it.
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.off(sig, onSignal);
        await closeRedis(redis);
      }
    });
}
