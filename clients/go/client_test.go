// The generated Go stubs against a live server. This test starts nothing: tests/test_clients.py starts
// the server (with a real Kafka), prepares a topic with records and a supervisor with checkpoints, and
// runs `go test` with these environment variables:
//
//	STREAMVISOR_SERVER             host:port of the server (plaintext gRPC)
//	STREAMVISOR_TEST_TOPIC         a Kafka topic holding records
//	STREAMVISOR_TEST_SUPERVISOR    a RUNNING supervisor on that topic with checkpoints behind the latest offsets
package client_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	streamvisorv1 "github.com/streamvisor/streamvisor/clients/go/streamvisor/v1"
)

func env(t *testing.T, name string) string {
	t.Helper()
	value := os.Getenv(name)
	if value == "" {
		t.Fatalf("%s is not set: run this through tests/test_clients.py, which starts the server", name)
	}
	return value
}

func connect(t *testing.T) (streamvisorv1.SupervisorServiceClient, context.Context) {
	t.Helper()
	conn, err := grpc.NewClient(env(t, "STREAMVISOR_SERVER"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return streamvisorv1.NewSupervisorServiceClient(conn), ctx
}

func TestCreateSupervisorAndGetOffsets(t *testing.T) {
	client, ctx := connect(t)
	id := fmt.Sprintf("go-client-%d", time.Now().UnixNano())
	created, err := client.CreateSupervisor(ctx, &streamvisorv1.CreateSupervisorRequest{
		SupervisorId: id,
		Spec: &streamvisorv1.SupervisorSpec{
			StreamType: streamvisorv1.StreamType_STREAM_TYPE_KAFKA,
			Stream:     env(t, "STREAMVISOR_TEST_TOPIC"),
			TaskCount:  1,
			Context:    map[string]string{"useConcurrentLocks": "true"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	supervisor := created.GetSupervisor()
	if supervisor.GetId() != id || supervisor.GetState() != streamvisorv1.SupervisorState_SUPERVISOR_STATE_RUNNING ||
		len(supervisor.GetPartitions()) == 0 || supervisor.GetEtag() == "" {
		t.Fatalf("unexpected supervisor: %v", supervisor)
	}

	offsets, err := client.GetOffsets(ctx, &streamvisorv1.GetOffsetsRequest{SupervisorId: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(offsets.GetPartitions()) != len(supervisor.GetPartitions()) {
		t.Fatalf("want %d partitions, got %v", len(supervisor.GetPartitions()), offsets)
	}
	var records int64
	for i, p := range offsets.GetPartitions() {
		// No checkpoint yet and use_earliest_offset false: the supervisor starts at the latest offsets.
		if p.GetPartition() != int32(i) || p.Checkpoint != nil || p.GetLag() != 0 || p.GetLatest() < p.GetEarliest() {
			t.Fatalf("unexpected partition offsets: %v", p)
		}
		records += p.GetLatest() - p.GetEarliest()
	}
	if records == 0 || offsets.GetTotalLag() != 0 || offsets.GetReadTime().AsTime().IsZero() {
		t.Fatalf("unexpected offsets: %v", offsets)
	}
}

func TestResetToLatestAndBackfill(t *testing.T) {
	client, ctx := connect(t)
	id := env(t, "STREAMVISOR_TEST_SUPERVISOR")
	before, err := client.GetOffsets(ctx, &streamvisorv1.GetOffsetsRequest{SupervisorId: id})
	if err != nil {
		t.Fatal(err)
	}
	// The backfill must read exactly [checkpoint, latest) of every partition that lags.
	var want []*streamvisorv1.OffsetRange
	for _, p := range before.GetPartitions() {
		if p.Checkpoint != nil && p.GetCheckpoint() < p.GetLatest() {
			// The server also names the partition and gives every offset exactly as a decimal string.
			if p.GetCheckpointDecimal() != strconv.FormatInt(p.GetCheckpoint(), 10) ||
				p.GetPartitionId() != strconv.Itoa(int(p.GetPartition())) {
				t.Fatalf("decimal fields disagree with the ints: %v", p)
			}
			want = append(want, &streamvisorv1.OffsetRange{Partition: p.GetPartition(), StartOffset: p.GetCheckpoint(),
				EndOffset: p.GetLatest(), PartitionId: p.GetPartitionId(), StartOffsetDecimal: p.GetCheckpointDecimal(),
				EndOffsetDecimal: p.GetLatestDecimal()})
		}
	}
	if len(want) == 0 {
		t.Fatalf("%s has no lagging checkpoint: %v", id, before)
	}

	reset, err := client.ResetToLatestAndBackfill(ctx, &streamvisorv1.ResetToLatestAndBackfillRequest{
		SupervisorId: id, BackfillTaskCount: proto.Int32(1), RequestId: "go-client-test"})
	if err != nil {
		t.Fatal(err)
	}
	if reset.GetSupervisorId() != id || reset.GetDryRun() || len(reset.GetUnrecoverableRanges()) != 0 ||
		!strings.HasPrefix(reset.GetBackfillSupervisorId(), id+"_backfill_") {
		t.Fatalf("unexpected response: %v", reset)
	}
	if !rangesEqual(reset.GetBackfillRanges(), want) {
		t.Fatalf("backfill ranges: want %v, got %v", want, reset.GetBackfillRanges())
	}
	for _, c := range reset.GetChanges() {
		if c.After == nil || (c.Before != nil && c.GetAfter() < c.GetBefore()) {
			t.Fatalf("a checkpoint moved backwards or was cleared: %v", c)
		}
	}

	backfill, err := client.GetSupervisor(ctx, &streamvisorv1.GetSupervisorRequest{SupervisorId: reset.GetBackfillSupervisorId()})
	if err != nil {
		t.Fatal(err)
	}
	spec := backfill.GetSupervisor().GetSpec()
	if backfill.GetSupervisor().GetBackfillOf() != id || spec.GetTaskCount() != 1 || !rangesEqual(spec.GetBoundedRanges(), want) {
		t.Fatalf("unexpected backfill supervisor: %v", backfill.GetSupervisor())
	}
}

func TestErrorInfoFromStatusDetails(t *testing.T) {
	client, ctx := connect(t)
	_, err := client.GetSupervisor(ctx, &streamvisorv1.GetSupervisorRequest{SupervisorId: "go-no-such-supervisor"})
	st, ok := status.FromError(err) // decodes google.rpc.Status from grpc-status-details-bin
	if !ok || st.Code() != codes.NotFound {
		t.Fatalf("want NOT_FOUND, got %v", err)
	}
	// The reason is the ErrorReason value's name without its prefix.
	wantReason := strings.TrimPrefix(streamvisorv1.ErrorReason_ERROR_REASON_SUPERVISOR_NOT_FOUND.String(), "ERROR_REASON_")
	for _, detail := range st.Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			if info.GetReason() != wantReason || info.GetDomain() != "streamvisor" ||
				info.GetMetadata()["supervisor_id"] != "go-no-such-supervisor" {
				t.Fatalf("unexpected ErrorInfo: %v", info)
			}
			return
		}
	}
	t.Fatalf("no ErrorInfo in the status details: %v", st.Details())
}

func rangesEqual(a, b []*streamvisorv1.OffsetRange) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
