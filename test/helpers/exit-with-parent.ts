// Preloaded (`--import`) into the servers tests spawn: when the test process is gone (tap's per-file
// timeout kills it, and its teardown never runs), the orphan is re-parented, so `process.ppid`
// changes; then it exits rather than keep polling the test database with its job workers for hours.
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) process.exit(1)
}, 1000).unref()
