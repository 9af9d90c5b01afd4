// BullMQ producer: node producer.js <enqueue|bulk|prefill|latency|concurrent> <n> [first|producers]
// Prints one JSON object: {"seconds": wall seconds of the timed part}.
"use strict";

const { Queue } = require("bullmq");
const { QUEUE, connectionFromUrl, wallNs, redisUrl } = require("./common.js");

const BATCH = 1000;
const SPACING_MS = 5;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function bulk(queue, n) {
  for (let start = 0; start < n; start += BATCH) {
    const jobs = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) jobs.push({ name: "noop", data: { i } });
    await queue.addBulk(jobs);
  }
}

async function main() {
  const [mode, nArg, firstArg] = process.argv.slice(2);
  const n = Number(nArg);
  const first = Number(firstArg || "0");
  const queue = new Queue(QUEUE, { connection: connectionFromUrl(redisUrl()) });
  await queue.waitUntilReady();
  const t0 = performance.now();
  if (mode === "enqueue") {
    for (let i = 0; i < n; i++) await queue.add("noop", { i });
  } else if (mode === "concurrent") {
    // `first` is the number of producers: each adds its share, one job at a time.
    const share = async (k) => {
      for (let i = k; i < n; i += first) await queue.add("noop", { i });
    };
    await Promise.all(Array.from({ length: first }, (_, k) => share(k)));
  } else if (mode === "bulk" || mode === "prefill") {
    await bulk(queue, n);
  } else if (mode === "latency") {
    for (let k = 0; k < n; k++) {
      const delay = t0 + k * SPACING_MS - performance.now();
      if (delay > 0) await sleep(delay);
      await queue.add("latency", { i: first + k, t_ns: wallNs() });
    }
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  await queue.close();
  process.stdout.write(JSON.stringify({ seconds }) + "\n");
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(1);
});
