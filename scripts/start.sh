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
# On the embedded database (no DATABASE_URL: a small deployment, where memory is what runs out) V8
# keeps its heap tight: a 4 MB young generation, and the old one grown by 20% at a time rather
# than V8's own, larger steps. After the demo seed and a load the server held 253 MB instead of
# 286-328 MB, for ~5% fewer requests a second and ~50 ms more start-up (docs/operations.md). With
# DATABASE_URL V8 sizes the heap itself. NODE_HEAP_FLAGS, when set (empty too), replaces both.
if [ -z "${NODE_HEAP_FLAGS+set}" ]; then
  if [ -z "$DATABASE_URL" ]; then NODE_HEAP_FLAGS="--max-semi-space-size=4 --heap-growing-percent=20"; else NODE_HEAP_FLAGS=""; fi
fi
# shellcheck disable=SC2086 # the flags are words
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} exec node --enable-source-maps $NODE_HEAP_FLAGS dist/server.js
