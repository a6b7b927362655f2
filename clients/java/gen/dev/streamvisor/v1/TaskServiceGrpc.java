package dev.streamvisor.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The workers' API (the data plane). A worker is any process, in any language, that leases a task,
 * reads its partitions from the start offsets, publishes output with CommitCheckpoint (a
 * compare-and-swap on the checkpoints), and heartbeats to keep its lease. The control plane owns the
 * offsets: workers never commit offsets to the stream itself.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class TaskServiceGrpc {

  private TaskServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "streamvisor.v1.TaskService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.AcquireTaskRequest,
      dev.streamvisor.v1.AcquireTaskResponse> getAcquireTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "AcquireTask",
      requestType = dev.streamvisor.v1.AcquireTaskRequest.class,
      responseType = dev.streamvisor.v1.AcquireTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.AcquireTaskRequest,
      dev.streamvisor.v1.AcquireTaskResponse> getAcquireTaskMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.AcquireTaskRequest, dev.streamvisor.v1.AcquireTaskResponse> getAcquireTaskMethod;
    if ((getAcquireTaskMethod = TaskServiceGrpc.getAcquireTaskMethod) == null) {
      synchronized (TaskServiceGrpc.class) {
        if ((getAcquireTaskMethod = TaskServiceGrpc.getAcquireTaskMethod) == null) {
          TaskServiceGrpc.getAcquireTaskMethod = getAcquireTaskMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.AcquireTaskRequest, dev.streamvisor.v1.AcquireTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "AcquireTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.AcquireTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.AcquireTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TaskServiceMethodDescriptorSupplier("AcquireTask"))
              .build();
        }
      }
    }
    return getAcquireTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.HeartbeatRequest,
      dev.streamvisor.v1.HeartbeatResponse> getHeartbeatMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Heartbeat",
      requestType = dev.streamvisor.v1.HeartbeatRequest.class,
      responseType = dev.streamvisor.v1.HeartbeatResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.HeartbeatRequest,
      dev.streamvisor.v1.HeartbeatResponse> getHeartbeatMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.HeartbeatRequest, dev.streamvisor.v1.HeartbeatResponse> getHeartbeatMethod;
    if ((getHeartbeatMethod = TaskServiceGrpc.getHeartbeatMethod) == null) {
      synchronized (TaskServiceGrpc.class) {
        if ((getHeartbeatMethod = TaskServiceGrpc.getHeartbeatMethod) == null) {
          TaskServiceGrpc.getHeartbeatMethod = getHeartbeatMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.HeartbeatRequest, dev.streamvisor.v1.HeartbeatResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Heartbeat"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.HeartbeatRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.HeartbeatResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TaskServiceMethodDescriptorSupplier("Heartbeat"))
              .build();
        }
      }
    }
    return getHeartbeatMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.CommitCheckpointRequest,
      dev.streamvisor.v1.CommitCheckpointResponse> getCommitCheckpointMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CommitCheckpoint",
      requestType = dev.streamvisor.v1.CommitCheckpointRequest.class,
      responseType = dev.streamvisor.v1.CommitCheckpointResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.CommitCheckpointRequest,
      dev.streamvisor.v1.CommitCheckpointResponse> getCommitCheckpointMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.CommitCheckpointRequest, dev.streamvisor.v1.CommitCheckpointResponse> getCommitCheckpointMethod;
    if ((getCommitCheckpointMethod = TaskServiceGrpc.getCommitCheckpointMethod) == null) {
      synchronized (TaskServiceGrpc.class) {
        if ((getCommitCheckpointMethod = TaskServiceGrpc.getCommitCheckpointMethod) == null) {
          TaskServiceGrpc.getCommitCheckpointMethod = getCommitCheckpointMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.CommitCheckpointRequest, dev.streamvisor.v1.CommitCheckpointResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CommitCheckpoint"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.CommitCheckpointRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.CommitCheckpointResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TaskServiceMethodDescriptorSupplier("CommitCheckpoint"))
              .build();
        }
      }
    }
    return getCommitCheckpointMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.CompleteTaskRequest,
      dev.streamvisor.v1.CompleteTaskResponse> getCompleteTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CompleteTask",
      requestType = dev.streamvisor.v1.CompleteTaskRequest.class,
      responseType = dev.streamvisor.v1.CompleteTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.CompleteTaskRequest,
      dev.streamvisor.v1.CompleteTaskResponse> getCompleteTaskMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.CompleteTaskRequest, dev.streamvisor.v1.CompleteTaskResponse> getCompleteTaskMethod;
    if ((getCompleteTaskMethod = TaskServiceGrpc.getCompleteTaskMethod) == null) {
      synchronized (TaskServiceGrpc.class) {
        if ((getCompleteTaskMethod = TaskServiceGrpc.getCompleteTaskMethod) == null) {
          TaskServiceGrpc.getCompleteTaskMethod = getCompleteTaskMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.CompleteTaskRequest, dev.streamvisor.v1.CompleteTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CompleteTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.CompleteTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.CompleteTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TaskServiceMethodDescriptorSupplier("CompleteTask"))
              .build();
        }
      }
    }
    return getCompleteTaskMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.FailTaskRequest,
      dev.streamvisor.v1.FailTaskResponse> getFailTaskMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "FailTask",
      requestType = dev.streamvisor.v1.FailTaskRequest.class,
      responseType = dev.streamvisor.v1.FailTaskResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.FailTaskRequest,
      dev.streamvisor.v1.FailTaskResponse> getFailTaskMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.FailTaskRequest, dev.streamvisor.v1.FailTaskResponse> getFailTaskMethod;
    if ((getFailTaskMethod = TaskServiceGrpc.getFailTaskMethod) == null) {
      synchronized (TaskServiceGrpc.class) {
        if ((getFailTaskMethod = TaskServiceGrpc.getFailTaskMethod) == null) {
          TaskServiceGrpc.getFailTaskMethod = getFailTaskMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.FailTaskRequest, dev.streamvisor.v1.FailTaskResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "FailTask"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.FailTaskRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.FailTaskResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TaskServiceMethodDescriptorSupplier("FailTask"))
              .build();
        }
      }
    }
    return getFailTaskMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static TaskServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TaskServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TaskServiceStub>() {
        @java.lang.Override
        public TaskServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TaskServiceStub(channel, callOptions);
        }
      };
    return TaskServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static TaskServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TaskServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TaskServiceBlockingV2Stub>() {
        @java.lang.Override
        public TaskServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TaskServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return TaskServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static TaskServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TaskServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TaskServiceBlockingStub>() {
        @java.lang.Override
        public TaskServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TaskServiceBlockingStub(channel, callOptions);
        }
      };
    return TaskServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static TaskServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TaskServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TaskServiceFutureStub>() {
        @java.lang.Override
        public TaskServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TaskServiceFutureStub(channel, callOptions);
        }
      };
    return TaskServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The workers' API (the data plane). A worker is any process, in any language, that leases a task,
   * reads its partitions from the start offsets, publishes output with CommitCheckpoint (a
   * compare-and-swap on the checkpoints), and heartbeats to keep its lease. The control plane owns the
   * offsets: workers never commit offsets to the stream itself.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Leases one task: a partition group of one supervisor at its current generation. Returns no task
     * when there is no work.
     * </pre>
     */
    default void acquireTask(dev.streamvisor.v1.AcquireTaskRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.AcquireTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getAcquireTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Renews the lease. Tells the worker to stop when the task was fenced (reset, update), its
     * supervisor suspended, terminated or completed, or the lease was lost.
     * </pre>
     */
    default void heartbeat(dev.streamvisor.v1.HeartbeatRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.HeartbeatResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getHeartbeatMethod(), responseObserver);
    }

    /**
     * <pre>
     * Publishes one segment and advances the checkpoints, atomically, or rejects all of it.
     * </pre>
     */
    default void commitCheckpoint(dev.streamvisor.v1.CommitCheckpointRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.CommitCheckpointResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCommitCheckpointMethod(), responseObserver);
    }

    /**
     * <pre>
     * Releases the lease after the worker finished: the task becomes DONE if its bounded range is fully
     * published, otherwise it is offered again from the checkpoints. A no-op on a task already DONE.
     * </pre>
     */
    default void completeTask(dev.streamvisor.v1.CompleteTaskRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.CompleteTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCompleteTaskMethod(), responseObserver);
    }

    /**
     * <pre>
     * Ends a task abnormally and releases the lease; it is offered again from the last checkpoints.
     * </pre>
     */
    default void failTask(dev.streamvisor.v1.FailTaskRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.FailTaskResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getFailTaskMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service TaskService.
   * <pre>
   * The workers' API (the data plane). A worker is any process, in any language, that leases a task,
   * reads its partitions from the start offsets, publishes output with CommitCheckpoint (a
   * compare-and-swap on the checkpoints), and heartbeats to keep its lease. The control plane owns the
   * offsets: workers never commit offsets to the stream itself.
   * </pre>
   */
  public static abstract class TaskServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return TaskServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service TaskService.
   * <pre>
   * The workers' API (the data plane). A worker is any process, in any language, that leases a task,
   * reads its partitions from the start offsets, publishes output with CommitCheckpoint (a
   * compare-and-swap on the checkpoints), and heartbeats to keep its lease. The control plane owns the
   * offsets: workers never commit offsets to the stream itself.
   * </pre>
   */
  public static final class TaskServiceStub
      extends io.grpc.stub.AbstractAsyncStub<TaskServiceStub> {
    private TaskServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TaskServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TaskServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Leases one task: a partition group of one supervisor at its current generation. Returns no task
     * when there is no work.
     * </pre>
     */
    public void acquireTask(dev.streamvisor.v1.AcquireTaskRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.AcquireTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getAcquireTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Renews the lease. Tells the worker to stop when the task was fenced (reset, update), its
     * supervisor suspended, terminated or completed, or the lease was lost.
     * </pre>
     */
    public void heartbeat(dev.streamvisor.v1.HeartbeatRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.HeartbeatResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getHeartbeatMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Publishes one segment and advances the checkpoints, atomically, or rejects all of it.
     * </pre>
     */
    public void commitCheckpoint(dev.streamvisor.v1.CommitCheckpointRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.CommitCheckpointResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCommitCheckpointMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Releases the lease after the worker finished: the task becomes DONE if its bounded range is fully
     * published, otherwise it is offered again from the checkpoints. A no-op on a task already DONE.
     * </pre>
     */
    public void completeTask(dev.streamvisor.v1.CompleteTaskRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.CompleteTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCompleteTaskMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Ends a task abnormally and releases the lease; it is offered again from the last checkpoints.
     * </pre>
     */
    public void failTask(dev.streamvisor.v1.FailTaskRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.FailTaskResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getFailTaskMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service TaskService.
   * <pre>
   * The workers' API (the data plane). A worker is any process, in any language, that leases a task,
   * reads its partitions from the start offsets, publishes output with CommitCheckpoint (a
   * compare-and-swap on the checkpoints), and heartbeats to keep its lease. The control plane owns the
   * offsets: workers never commit offsets to the stream itself.
   * </pre>
   */
  public static final class TaskServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<TaskServiceBlockingV2Stub> {
    private TaskServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TaskServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TaskServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Leases one task: a partition group of one supervisor at its current generation. Returns no task
     * when there is no work.
     * </pre>
     */
    public dev.streamvisor.v1.AcquireTaskResponse acquireTask(dev.streamvisor.v1.AcquireTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getAcquireTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Renews the lease. Tells the worker to stop when the task was fenced (reset, update), its
     * supervisor suspended, terminated or completed, or the lease was lost.
     * </pre>
     */
    public dev.streamvisor.v1.HeartbeatResponse heartbeat(dev.streamvisor.v1.HeartbeatRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getHeartbeatMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Publishes one segment and advances the checkpoints, atomically, or rejects all of it.
     * </pre>
     */
    public dev.streamvisor.v1.CommitCheckpointResponse commitCheckpoint(dev.streamvisor.v1.CommitCheckpointRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCommitCheckpointMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Releases the lease after the worker finished: the task becomes DONE if its bounded range is fully
     * published, otherwise it is offered again from the checkpoints. A no-op on a task already DONE.
     * </pre>
     */
    public dev.streamvisor.v1.CompleteTaskResponse completeTask(dev.streamvisor.v1.CompleteTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCompleteTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Ends a task abnormally and releases the lease; it is offered again from the last checkpoints.
     * </pre>
     */
    public dev.streamvisor.v1.FailTaskResponse failTask(dev.streamvisor.v1.FailTaskRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getFailTaskMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service TaskService.
   * <pre>
   * The workers' API (the data plane). A worker is any process, in any language, that leases a task,
   * reads its partitions from the start offsets, publishes output with CommitCheckpoint (a
   * compare-and-swap on the checkpoints), and heartbeats to keep its lease. The control plane owns the
   * offsets: workers never commit offsets to the stream itself.
   * </pre>
   */
  public static final class TaskServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<TaskServiceBlockingStub> {
    private TaskServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TaskServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TaskServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Leases one task: a partition group of one supervisor at its current generation. Returns no task
     * when there is no work.
     * </pre>
     */
    public dev.streamvisor.v1.AcquireTaskResponse acquireTask(dev.streamvisor.v1.AcquireTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getAcquireTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Renews the lease. Tells the worker to stop when the task was fenced (reset, update), its
     * supervisor suspended, terminated or completed, or the lease was lost.
     * </pre>
     */
    public dev.streamvisor.v1.HeartbeatResponse heartbeat(dev.streamvisor.v1.HeartbeatRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getHeartbeatMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Publishes one segment and advances the checkpoints, atomically, or rejects all of it.
     * </pre>
     */
    public dev.streamvisor.v1.CommitCheckpointResponse commitCheckpoint(dev.streamvisor.v1.CommitCheckpointRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCommitCheckpointMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Releases the lease after the worker finished: the task becomes DONE if its bounded range is fully
     * published, otherwise it is offered again from the checkpoints. A no-op on a task already DONE.
     * </pre>
     */
    public dev.streamvisor.v1.CompleteTaskResponse completeTask(dev.streamvisor.v1.CompleteTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCompleteTaskMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Ends a task abnormally and releases the lease; it is offered again from the last checkpoints.
     * </pre>
     */
    public dev.streamvisor.v1.FailTaskResponse failTask(dev.streamvisor.v1.FailTaskRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getFailTaskMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service TaskService.
   * <pre>
   * The workers' API (the data plane). A worker is any process, in any language, that leases a task,
   * reads its partitions from the start offsets, publishes output with CommitCheckpoint (a
   * compare-and-swap on the checkpoints), and heartbeats to keep its lease. The control plane owns the
   * offsets: workers never commit offsets to the stream itself.
   * </pre>
   */
  public static final class TaskServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<TaskServiceFutureStub> {
    private TaskServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TaskServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TaskServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Leases one task: a partition group of one supervisor at its current generation. Returns no task
     * when there is no work.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.AcquireTaskResponse> acquireTask(
        dev.streamvisor.v1.AcquireTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getAcquireTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Renews the lease. Tells the worker to stop when the task was fenced (reset, update), its
     * supervisor suspended, terminated or completed, or the lease was lost.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.HeartbeatResponse> heartbeat(
        dev.streamvisor.v1.HeartbeatRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getHeartbeatMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Publishes one segment and advances the checkpoints, atomically, or rejects all of it.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.CommitCheckpointResponse> commitCheckpoint(
        dev.streamvisor.v1.CommitCheckpointRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCommitCheckpointMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Releases the lease after the worker finished: the task becomes DONE if its bounded range is fully
     * published, otherwise it is offered again from the checkpoints. A no-op on a task already DONE.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.CompleteTaskResponse> completeTask(
        dev.streamvisor.v1.CompleteTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCompleteTaskMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Ends a task abnormally and releases the lease; it is offered again from the last checkpoints.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.FailTaskResponse> failTask(
        dev.streamvisor.v1.FailTaskRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getFailTaskMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_ACQUIRE_TASK = 0;
  private static final int METHODID_HEARTBEAT = 1;
  private static final int METHODID_COMMIT_CHECKPOINT = 2;
  private static final int METHODID_COMPLETE_TASK = 3;
  private static final int METHODID_FAIL_TASK = 4;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AsyncService serviceImpl;
    private final int methodId;

    MethodHandlers(AsyncService serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_ACQUIRE_TASK:
          serviceImpl.acquireTask((dev.streamvisor.v1.AcquireTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.AcquireTaskResponse>) responseObserver);
          break;
        case METHODID_HEARTBEAT:
          serviceImpl.heartbeat((dev.streamvisor.v1.HeartbeatRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.HeartbeatResponse>) responseObserver);
          break;
        case METHODID_COMMIT_CHECKPOINT:
          serviceImpl.commitCheckpoint((dev.streamvisor.v1.CommitCheckpointRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.CommitCheckpointResponse>) responseObserver);
          break;
        case METHODID_COMPLETE_TASK:
          serviceImpl.completeTask((dev.streamvisor.v1.CompleteTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.CompleteTaskResponse>) responseObserver);
          break;
        case METHODID_FAIL_TASK:
          serviceImpl.failTask((dev.streamvisor.v1.FailTaskRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.FailTaskResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getAcquireTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.AcquireTaskRequest,
              dev.streamvisor.v1.AcquireTaskResponse>(
                service, METHODID_ACQUIRE_TASK)))
        .addMethod(
          getHeartbeatMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.HeartbeatRequest,
              dev.streamvisor.v1.HeartbeatResponse>(
                service, METHODID_HEARTBEAT)))
        .addMethod(
          getCommitCheckpointMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.CommitCheckpointRequest,
              dev.streamvisor.v1.CommitCheckpointResponse>(
                service, METHODID_COMMIT_CHECKPOINT)))
        .addMethod(
          getCompleteTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.CompleteTaskRequest,
              dev.streamvisor.v1.CompleteTaskResponse>(
                service, METHODID_COMPLETE_TASK)))
        .addMethod(
          getFailTaskMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.FailTaskRequest,
              dev.streamvisor.v1.FailTaskResponse>(
                service, METHODID_FAIL_TASK)))
        .build();
  }

  private static abstract class TaskServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    TaskServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.streamvisor.v1.TaskServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("TaskService");
    }
  }

  private static final class TaskServiceFileDescriptorSupplier
      extends TaskServiceBaseDescriptorSupplier {
    TaskServiceFileDescriptorSupplier() {}
  }

  private static final class TaskServiceMethodDescriptorSupplier
      extends TaskServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    TaskServiceMethodDescriptorSupplier(java.lang.String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (TaskServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new TaskServiceFileDescriptorSupplier())
              .addMethod(getAcquireTaskMethod())
              .addMethod(getHeartbeatMethod())
              .addMethod(getCommitCheckpointMethod())
              .addMethod(getCompleteTaskMethod())
              .addMethod(getFailTaskMethod())
              .build();
        }
      }
    }
    return result;
  }
}
