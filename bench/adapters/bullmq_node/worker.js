// BullMQ worker process: new Worker(queue, processor, {concurrency}) until SIGTERM.
"use strict";

const { Worker } = require("bullmq");
const IORedis = require("ioredis");
const { QUEUE, connectionFromUrl, wallNs, redisUrl } = require("./common.js");

const connection = connectionFromUrl(redisUrl());
const concurrency = Number(process.env.BENCH_BULLMQ_CONCURRENCY || "10");
let latencyConn = null;

async function processor(job) {
  if (job.name === "latency") {
    const delta = Math.round(wallNs() - job.data.t_ns);
    latencyConn = latencyConn || new IORedis(connection);
    await latencyConn.rpush("bench:lat", String(delta));
  }
}

const worker = new Worker(QUEUE, processor, { connection, concurrency });

async function shutdown() {
  await worker.close();
  if (latencyConn) await latencyConn.quit();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
