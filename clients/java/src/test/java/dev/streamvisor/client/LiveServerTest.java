package dev.streamvisor.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.rpc.ErrorInfo;
import dev.streamvisor.v1.CreateSupervisorRequest;
import dev.streamvisor.v1.ErrorReason;
import dev.streamvisor.v1.GetOffsetsRequest;
import dev.streamvisor.v1.GetOffsetsResponse;
import dev.streamvisor.v1.GetSupervisorRequest;
import dev.streamvisor.v1.OffsetChange;
import dev.streamvisor.v1.OffsetRange;
import dev.streamvisor.v1.PartitionOffsets;
import dev.streamvisor.v1.ResetToLatestAndBackfillRequest;
import dev.streamvisor.v1.ResetToLatestAndBackfillResponse;
import dev.streamvisor.v1.StreamType;
import dev.streamvisor.v1.Supervisor;
import dev.streamvisor.v1.SupervisorServiceGrpc;
import dev.streamvisor.v1.SupervisorServiceGrpc.SupervisorServiceBlockingStub;
import dev.streamvisor.v1.SupervisorSpec;
import dev.streamvisor.v1.SupervisorState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated Java stubs against a live server. This test starts nothing: tests/test_clients.py starts
 * the server (with a real Kafka), prepares a topic with records and a supervisor with checkpoints, and
 * runs {@code mvn test} with STREAMVISOR_SERVER (host:port), STREAMVISOR_TEST_TOPIC (a topic holding
 * records) and STREAMVISOR_TEST_SUPERVISOR (a RUNNING supervisor with checkpoints behind the latest offsets).
 */
class LiveServerTest {
  private static ManagedChannel channel;

  static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      fail(name + " is not set: run this through tests/test_clients.py, which starts the server");
    }
    return value;
  }

  @BeforeAll
  static void connect() {
    channel = ManagedChannelBuilder.forTarget(env("STREAMVISOR_SERVER")).usePlaintext().build();
  }

  @AfterAll
  static void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  static SupervisorServiceBlockingStub stub() {
    return SupervisorServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Test
  void createSupervisorAndGetOffsets() {
    String id = "java-client-" + System.nanoTime();
    Supervisor created = stub().createSupervisor(CreateSupervisorRequest.newBuilder()
        .setSupervisorId(id)
        .setSpec(SupervisorSpec.newBuilder()
            .setStreamType(StreamType.STREAM_TYPE_KAFKA)
            .setStream(env("STREAMVISOR_TEST_TOPIC"))
            .setTaskCount(1)
            .putContext("useConcurrentLocks", "true"))
        .build()).getSupervisor();
    assertEquals(id, created.getId());
    assertEquals(SupervisorState.SUPERVISOR_STATE_RUNNING, created.getState());
    assertFalse(created.getPartitionsList().isEmpty());
    assertFalse(created.getEtag().isEmpty());

    GetOffsetsResponse offsets = stub().getOffsets(GetOffsetsRequest.newBuilder().setSupervisorId(id).build());
    assertEquals(created.getPartitionsCount(), offsets.getPartitionsCount());
    long records = 0;
    for (int i = 0; i < offsets.getPartitionsCount(); i++) {
      PartitionOffsets p = offsets.getPartitions(i);
      // No checkpoint yet and use_earliest_offset false: the supervisor starts at the latest offsets.
      assertEquals(i, p.getPartition());
      assertFalse(p.hasCheckpoint(), p.toString());
      assertEquals(0, p.getLag());
      assertTrue(p.getLatest() >= p.getEarliest(), p.toString());
      records += p.getLatest() - p.getEarliest();
    }
    assertTrue(records > 0, "the topic holds records");
    assertEquals(0, offsets.getTotalLag());
    assertTrue(offsets.getReadTime().getSeconds() > 0);
  }

  @Test
  void resetToLatestAndBackfill() {
    String id = env("STREAMVISOR_TEST_SUPERVISOR");
    GetOffsetsResponse before = stub().getOffsets(GetOffsetsRequest.newBuilder().setSupervisorId(id).build());
    // The backfill must read exactly [checkpoint, latest) of every partition that lags.
    List<OffsetRange> want = new ArrayList<>();
    for (PartitionOffsets p : before.getPartitionsList()) {
      if (p.hasCheckpoint() && p.getCheckpoint() < p.getLatest()) {
        // The server also names the partition and gives every offset exactly as a decimal string.
        assertEquals(Long.toString(p.getCheckpoint()), p.getCheckpointDecimal());
        assertEquals(Integer.toString(p.getPartition()), p.getPartitionId());
        want.add(OffsetRange.newBuilder().setPartition(p.getPartition())
            .setStartOffset(p.getCheckpoint()).setEndOffset(p.getLatest()).setPartitionId(p.getPartitionId())
            .setStartOffsetDecimal(p.getCheckpointDecimal()).setEndOffsetDecimal(p.getLatestDecimal()).build());
      }
    }
    assertFalse(want.isEmpty(), id + " has no lagging checkpoint: " + before);

    ResetToLatestAndBackfillResponse reset = stub().resetToLatestAndBackfill(
        ResetToLatestAndBackfillRequest.newBuilder()
            .setSupervisorId(id).setBackfillTaskCount(1).setRequestId("java-client-test").build());
    assertEquals(id, reset.getSupervisorId());
    assertFalse(reset.getDryRun());
    assertTrue(reset.getBackfillSupervisorId().startsWith(id + "_backfill_"), reset.toString());
    assertEquals(want, reset.getBackfillRangesList());
    assertEquals(0, reset.getUnrecoverableRangesCount());
    for (OffsetChange c : reset.getChangesList()) {
      assertTrue(c.hasAfter() && (!c.hasBefore() || c.getAfter() >= c.getBefore()), c.toString());
    }

    Supervisor backfill = stub().getSupervisor(GetSupervisorRequest.newBuilder()
        .setSupervisorId(reset.getBackfillSupervisorId()).build()).getSupervisor();
    assertEquals(id, backfill.getBackfillOf());
    assertEquals(1, backfill.getSpec().getTaskCount());
    assertEquals(want, backfill.getSpec().getBoundedRangesList());
  }

  @Test
  void errorInfoFromStatusDetails() throws Exception {
    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> stub().getSupervisor(
        GetSupervisorRequest.newBuilder().setSupervisorId("java-no-such-supervisor").build()));
    assertEquals(Status.Code.NOT_FOUND, error.getStatus().getCode());
    // google.rpc.Status, decoded from the grpc-status-details-bin trailer.
    com.google.rpc.Status status = StatusProto.fromThrowable(error);
    assertNotNull(status, "no grpc-status-details-bin");
    ErrorInfo info = null;
    for (com.google.protobuf.Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        info = detail.unpack(ErrorInfo.class);
      }
    }
    assertNotNull(info, "no ErrorInfo in " + status);
    // The reason is the ErrorReason value's name without its prefix.
    assertEquals(ErrorReason.ERROR_REASON_SUPERVISOR_NOT_FOUND.name().substring("ERROR_REASON_".length()),
        info.getReason());
    assertEquals("streamvisor", info.getDomain());
    assertEquals("java-no-such-supervisor", info.getMetadataOrDefault("supervisor_id", ""));
  }
}
