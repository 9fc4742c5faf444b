/**
 * Preloaded into the server the soak starts (`node --import tsx --import <this file> …`): answers
 * the parent's "memory" messages with this process's own memory figures, and stops the server
 * (as Ctrl-C would, taking DynamoDB Local with it) if the parent goes away.
 */
process.on('message', (message) => {
  if (message === 'memory') process.send?.({ type: 'memory', ...process.memoryUsage() });
});
process.once('disconnect', () => process.kill(process.pid, 'SIGINT'));
// The channel alone must not keep the process alive.
process.channel?.unref();
