// Preloaded into each headless host the e2e tests start (node --import). The host's stdin is a pipe from the test
// worker: if the worker dies without stopping it (killed, crashed), the pipe closes and the host stops itself the
// way Ctrl+C would, engine included, instead of lingering as an orphan.
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
