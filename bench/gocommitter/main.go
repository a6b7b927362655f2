// gocommitter drives bench/bench_commit.py's `grpc-go` phase: the 16 committers as goroutines in one Go
// process, so the clients' gRPC/protobuf CPU is not Python's and costs the shared cores as little as a
// client can. bench_commit.py builds it (go build -o bin/gocommitter .) and runs it once per phase.
//
// Input, one JSON object on stdin:
//
//	{"address": "127.0.0.1:PORT", "records": 100, "timeout_s": 10,
//	 "start": T0, "count_from": T1, "stop": T2,
//	 "leases": [{"task_id", "worker_id", "supervisor_id", "partition", "position", "sequence"}, ...]}
//
// Times are CLOCK_MONOTONIC seconds, the clock of Python's time.perf_counter() on Linux, so the bench
// compares them with its own. Each lease gets one goroutine with its own grpc.ClientConn (as 16 workers
// would have). From `start` until `stop` it commits consecutive ranges [position, position+records) of its
// partition with a fresh location (Lease.next_location()'s format) and record_count `records`; a call
// refused with RESOURCE_EXHAUSTED is counted and retried after 1-4 ms; any other error ends that lease's
// loop and is reported. `count_from`..`stop` is the counted window: the process's rusage is read at both
// ends, so the bench can print what the clients themselves cost per call.
//
// Output, one JSON object on stdout: the clock at start-up (a check that the clocks agree), per lease the
// completion times and latencies of accepted calls, the refused count, the error and the final
// position/sequence (later phases continue from there), and the CPU seconds (user + system) of this
// process over the counted window and over its whole life.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	streamvisorv1 "github.com/streamvisor/streamvisor/clients/go/streamvisor/v1"
)

type lease struct {
	TaskID       string `json:"task_id"`
	WorkerID     string `json:"worker_id"`
	SupervisorID string `json:"supervisor_id"`
	Partition    int32  `json:"partition"`
	Position     int64  `json:"position"`
	Sequence     int64  `json:"sequence"`
}

// nextLocation is Lease.next_location() of bench_commit.py.
func (l *lease) nextLocation() string {
	l.Sequence++
	return fmt.Sprintf("file:///bench/%s/%s-%08d.jsonl", l.SupervisorID, l.TaskID, l.Sequence)
}

type input struct {
	Address   string  `json:"address"`
	Records   int64   `json:"records"`
	TimeoutS  float64 `json:"timeout_s"`
	Start     float64 `json:"start"`
	CountFrom float64 `json:"count_from"`
	Stop      float64 `json:"stop"`
	Leases    []lease `json:"leases"`
}

type outcome struct {
	TaskID      string    `json:"task_id"`
	Completions []float64 `json:"completions"`
	Latencies   []float64 `json:"latencies"`
	Busy        int       `json:"busy"`
	Error       string    `json:"error"`
	Position    int64     `json:"position"`
	Sequence    int64     `json:"sequence"`
}

type output struct {
	ClockAtStart float64   `json:"clock_at_start"`
	GoMaxProcs   int       `json:"gomaxprocs"`
	WindowCPUS   float64   `json:"window_cpu_s"` // user + system of this process over count_from..stop
	TotalCPUS    float64   `json:"total_cpu_s"`  // over the whole process, connecting and start-up included
	Leases       []outcome `json:"leases"`
}

// monotonic is clock_gettime(CLOCK_MONOTONIC) in seconds: Python's time.perf_counter() on Linux.
func monotonic() float64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err)
	}
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

func cpuSeconds() float64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6 + float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
}

func sleepUntil(t float64) {
	if d := t - monotonic(); d > 0 {
		time.Sleep(time.Duration(d * float64(time.Second)))
	}
}

// run is bench_commit.py's _loop with a GrpcCommitter: one lease, its own connection.
func run(in *input, l *lease, out *outcome) {
	out.TaskID, out.Completions, out.Latencies = l.TaskID, []float64{}, []float64{}
	defer func() { out.Position, out.Sequence = l.Position, l.Sequence }()
	conn, err := grpc.NewClient(in.Address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		out.Error = err.Error()
		return
	}
	defer conn.Close()
	conn.Connect() // the channel's first connection before `start`, as far as it can
	client := streamvisorv1.NewTaskServiceClient(conn)
	timeout := time.Duration(in.TimeoutS * float64(time.Second))
	sleepUntil(in.Start)
	for {
		t0 := monotonic()
		if t0 >= in.Stop {
			return
		}
		end := l.Position + in.Records
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		_, err := client.CommitCheckpoint(ctx, &streamvisorv1.CommitCheckpointRequest{
			TaskId:      l.TaskID,
			WorkerId:    l.WorkerID,
			Ranges:      []*streamvisorv1.OffsetRange{{Partition: l.Partition, StartOffset: l.Position, EndOffset: end}},
			Location:    l.nextLocation(),
			RecordCount: in.Records,
		})
		cancel()
		t1 := monotonic()
		switch {
		case err == nil:
			l.Position = end
			out.Completions = append(out.Completions, t1)
			out.Latencies = append(out.Latencies, t1-t0)
		case status.Code(err) == codes.ResourceExhausted:
			out.Busy++
			time.Sleep(time.Duration((1 + 3*rand.Float64()) * float64(time.Millisecond)))
		default:
			out.Error = err.Error()
			return
		}
	}
}

func main() {
	result := output{ClockAtStart: monotonic()}
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "gocommitter: bad input:", err)
		os.Exit(2)
	}
	if in.Records <= 0 || in.TimeoutS <= 0 || in.Address == "" || !(in.Start <= in.CountFrom && in.CountFrom <= in.Stop) {
		fmt.Fprintln(os.Stderr, "gocommitter: input needs address, records > 0, timeout_s > 0, start <= count_from <= stop")
		os.Exit(2)
	}
	result.GoMaxProcs = runtime.GOMAXPROCS(0)
	result.Leases = make([]outcome, len(in.Leases))
	var wg sync.WaitGroup
	for i := range in.Leases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(&in, &in.Leases[i], &result.Leases[i])
		}()
	}
	var cpu0, cpu1 float64
	sleepUntil(in.CountFrom)
	cpu0 = cpuSeconds()
	sleepUntil(in.Stop)
	cpu1 = cpuSeconds()
	wg.Wait()
	result.WindowCPUS = cpu1 - cpu0
	result.TotalCPUS = cpuSeconds()
	if err := json.NewEncoder(os.Stdout).Encode(&result); err != nil {
		fmt.Fprintln(os.Stderr, "gocommitter: writing the result:", err)
		os.Exit(1)
	}
}
