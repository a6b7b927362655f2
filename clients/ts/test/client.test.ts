// The generated TypeScript stubs against a live server, through Connect's gRPC protocol over HTTP/2.
// This test starts nothing: tests/test_clients.py starts the server (with a real Kafka), prepares a
// topic with records and a supervisor with checkpoints, and runs `npm test` with STREAMVISOR_SERVER
// (host:port), STREAMVISOR_TEST_TOPIC (a topic holding records) and STREAMVISOR_TEST_SUPERVISOR (a RUNNING
// supervisor with checkpoints behind the latest offsets).
import assert from "node:assert/strict";
import { test } from "node:test";

import { create, equals } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { ErrorReason } from "../gen/streamvisor/v1/error_reason_pb.js";
import { OffsetRangeSchema, StreamType, SupervisorState, type OffsetRange } from "../gen/streamvisor/v1/supervisor_pb.js";
import { SupervisorService } from "../gen/streamvisor/v1/supervisor_service_pb.js";

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this through tests/test_clients.py, which starts the server`);
  }
  return value;
}

const transport = createGrpcTransport({ baseUrl: `http://${env("STREAMVISOR_SERVER")}` });
const client = createClient(SupervisorService, transport);
const callOptions = { timeoutMs: 30_000 };

function assertRangesEqual(actual: OffsetRange[], expected: OffsetRange[]): void {
  assert.equal(actual.length, expected.length, `ranges: want ${expected.length}, got ${actual.length}`);
  actual.forEach((range, i) => assert.ok(equals(OffsetRangeSchema, range, expected[i]),
    `range ${i}: want ${JSON.stringify(expected[i], bigints)}, got ${JSON.stringify(range, bigints)}`));
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

test("CreateSupervisor and GetOffsets", async () => {
  const id = `ts-client-${Date.now()}`;
  const { supervisor } = await client.createSupervisor({
    supervisorId: id,
    spec: {
      streamType: StreamType.KAFKA,
      stream: env("STREAMVISOR_TEST_TOPIC"),
      taskCount: 1,
      context: { useConcurrentLocks: "true" },
    },
  }, callOptions);
  assert.ok(supervisor);
  assert.equal(supervisor.id, id);
  assert.equal(supervisor.state, SupervisorState.RUNNING);
  assert.ok(supervisor.partitions.length > 0 && supervisor.etag !== "");

  const offsets = await client.getOffsets({ supervisorId: id }, callOptions);
  assert.equal(offsets.partitions.length, supervisor.partitions.length);
  let records = 0n; // int64 fields are bigint
  offsets.partitions.forEach((p, i) => {
    // No checkpoint yet and use_earliest_offset false: the supervisor starts at the latest offsets.
    assert.equal(p.partition, i);
    assert.equal(p.checkpoint, undefined);
    assert.equal(p.lag, 0n);
    assert.ok(p.latest >= p.earliest);
    records += p.latest - p.earliest;
  });
  assert.ok(records > 0n, "the topic holds records");
  assert.equal(offsets.totalLag, 0n);
  assert.ok((offsets.readTime?.seconds ?? 0n) > 0n);
});

test("ResetToLatestAndBackfill", async () => {
  const id = env("STREAMVISOR_TEST_SUPERVISOR");
  const before = await client.getOffsets({ supervisorId: id }, callOptions);
  // The backfill must read exactly [checkpoint, latest) of every partition that lags.
  const want = before.partitions
    .filter((p) => p.checkpoint !== undefined && p.checkpoint < p.latest)
    .map((p) => {
      // The server also names the partition and gives every offset exactly as a decimal string.
      assert.equal(p.checkpointDecimal, String(p.checkpoint));
      assert.equal(p.partitionId, String(p.partition));
      return create(OffsetRangeSchema, {
        partition: p.partition, startOffset: p.checkpoint, endOffset: p.latest, partitionId: p.partitionId,
        startOffsetDecimal: p.checkpointDecimal, endOffsetDecimal: p.latestDecimal,
      });
    });
  assert.ok(want.length > 0, `${id} has no lagging checkpoint`);

  const reset = await client.resetToLatestAndBackfill(
    { supervisorId: id, backfillTaskCount: 1, requestId: "ts-client-test" }, callOptions);
  assert.equal(reset.supervisorId, id);
  assert.equal(reset.dryRun, false);
  assert.ok(reset.backfillSupervisorId.startsWith(`${id}_backfill_`), reset.backfillSupervisorId);
  assertRangesEqual(reset.backfillRanges, want);
  assert.equal(reset.unrecoverableRanges.length, 0);
  for (const change of reset.changes) {
    assert.ok(change.after !== undefined && (change.before === undefined || change.after >= change.before));
  }

  const { supervisor: backfill } = await client.getSupervisor(
    { supervisorId: reset.backfillSupervisorId }, callOptions);
  assert.ok(backfill?.spec);
  assert.equal(backfill.backfillOf, id);
  assert.equal(backfill.spec.taskCount, 1);
  assertRangesEqual(backfill.spec.boundedRanges, want);
});

test("ErrorInfo from the status details", async () => {
  const error = await client.getSupervisor({ supervisorId: "ts-no-such-supervisor" }, callOptions).then(
    () => assert.fail("GetSupervisor of a missing supervisor succeeded"),
    (e: unknown) => ConnectError.from(e));
  assert.equal(error.code, Code.NotFound);
  // Connect decodes google.rpc.Status from grpc-status-details-bin; findDetails unpacks its Anys.
  const [info] = error.findDetails(ErrorInfoSchema);
  assert.ok(info, `no ErrorInfo in ${error.message}`);
  // The reason is the ErrorReason value's name without its prefix (which protoc-gen-es strips too).
  assert.equal(info.reason, ErrorReason[ErrorReason.SUPERVISOR_NOT_FOUND]);
  assert.equal(info.domain, "streamvisor");
  assert.equal(info.metadata["supervisor_id"], "ts-no-such-supervisor");
});
