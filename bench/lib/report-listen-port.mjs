// Preloaded into Portkey's gateway (`node --import`), which takes a fixed --port: it listens on port 0 and this
// reports the port the kernel picked on stderr, so the harness never needs a fixed port.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  this.once('listening', () => {
    const a = this.address();
    if (a && typeof a === 'object') process.stderr.write(`BENCH_LISTENING ${a.port}\n`);
  });
  return listen.apply(this, args);
};
