// Shared bits of the Node BullMQ producer and worker.
"use strict";

const QUEUE = "bench";

function connectionFromUrl(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), maxRetriesPerRequest: null };
}

// Wall clock in ns (float, sub-microsecond precision), comparable across processes.
function wallNs() {
  return (performance.timeOrigin + performance.now()) * 1e6;
}

function redisUrl() {
  const url = process.env.BENCH_REDIS_URL;
  if (!url) throw new Error("BENCH_REDIS_URL is not set (there is no default server)");
  return url;
}

module.exports = { QUEUE, connectionFromUrl, wallNs, redisUrl };
