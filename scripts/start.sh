#!/bin/sh
# `npm start`: rebuilds dist/ when a source is newer than the last build, then runs the server in
# this process (exec), so the signals npm passes on reach it. The check is find's (~10 ms), not
# `node scripts/build.mjs --if-stale`'s (~120 ms, most of it starting Node.js); the paths are that
# script's `sources`, and the two lists change together.
cd "$(dirname "$0")/.." || exit 1
if [ ! -f dist/.build-stamp ] ||
  [ -n "$(find src migrations package-lock.json tsconfig.json scripts/build.mjs -newer dist/.build-stamp -print 2>/dev/null | head -n 1)" ]; then
  node scripts/build.mjs || exit 1
fi
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} exec node --enable-source-maps dist/server.js
