package dev.streamvisor.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The operators' API: supervisors' lifecycle, offsets and resets.
 * Errors use standard gRPC codes with a google.rpc.ErrorInfo detail (domain "streamvisor", reason from
 * ErrorReason without its prefix, dynamic values in metadata) and, for INVALID_ARGUMENT, a
 * google.rpc.BadRequest listing the offending fields. A rejected request changes nothing.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class SupervisorServiceGrpc {

  private SupervisorServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "streamvisor.v1.SupervisorService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.CreateSupervisorRequest,
      dev.streamvisor.v1.CreateSupervisorResponse> getCreateSupervisorMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateSupervisor",
      requestType = dev.streamvisor.v1.CreateSupervisorRequest.class,
      responseType = dev.streamvisor.v1.CreateSupervisorResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.CreateSupervisorRequest,
      dev.streamvisor.v1.CreateSupervisorResponse> getCreateSupervisorMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.CreateSupervisorRequest, dev.streamvisor.v1.CreateSupervisorResponse> getCreateSupervisorMethod;
    if ((getCreateSupervisorMethod = SupervisorServiceGrpc.getCreateSupervisorMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getCreateSupervisorMethod = SupervisorServiceGrpc.getCreateSupervisorMethod) == null) {
          SupervisorServiceGrpc.getCreateSupervisorMethod = getCreateSupervisorMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.CreateSupervisorRequest, dev.streamvisor.v1.CreateSupervisorResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateSupervisor"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.CreateSupervisorRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.CreateSupervisorResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("CreateSupervisor"))
              .build();
        }
      }
    }
    return getCreateSupervisorMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.GetSupervisorRequest,
      dev.streamvisor.v1.GetSupervisorResponse> getGetSupervisorMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSupervisor",
      requestType = dev.streamvisor.v1.GetSupervisorRequest.class,
      responseType = dev.streamvisor.v1.GetSupervisorResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.GetSupervisorRequest,
      dev.streamvisor.v1.GetSupervisorResponse> getGetSupervisorMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.GetSupervisorRequest, dev.streamvisor.v1.GetSupervisorResponse> getGetSupervisorMethod;
    if ((getGetSupervisorMethod = SupervisorServiceGrpc.getGetSupervisorMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getGetSupervisorMethod = SupervisorServiceGrpc.getGetSupervisorMethod) == null) {
          SupervisorServiceGrpc.getGetSupervisorMethod = getGetSupervisorMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.GetSupervisorRequest, dev.streamvisor.v1.GetSupervisorResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSupervisor"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.GetSupervisorRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.GetSupervisorResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("GetSupervisor"))
              .build();
        }
      }
    }
    return getGetSupervisorMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.ListSupervisorsRequest,
      dev.streamvisor.v1.ListSupervisorsResponse> getListSupervisorsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSupervisors",
      requestType = dev.streamvisor.v1.ListSupervisorsRequest.class,
      responseType = dev.streamvisor.v1.ListSupervisorsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.ListSupervisorsRequest,
      dev.streamvisor.v1.ListSupervisorsResponse> getListSupervisorsMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.ListSupervisorsRequest, dev.streamvisor.v1.ListSupervisorsResponse> getListSupervisorsMethod;
    if ((getListSupervisorsMethod = SupervisorServiceGrpc.getListSupervisorsMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getListSupervisorsMethod = SupervisorServiceGrpc.getListSupervisorsMethod) == null) {
          SupervisorServiceGrpc.getListSupervisorsMethod = getListSupervisorsMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.ListSupervisorsRequest, dev.streamvisor.v1.ListSupervisorsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSupervisors"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ListSupervisorsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ListSupervisorsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("ListSupervisors"))
              .build();
        }
      }
    }
    return getListSupervisorsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.UpdateSupervisorRequest,
      dev.streamvisor.v1.UpdateSupervisorResponse> getUpdateSupervisorMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateSupervisor",
      requestType = dev.streamvisor.v1.UpdateSupervisorRequest.class,
      responseType = dev.streamvisor.v1.UpdateSupervisorResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.UpdateSupervisorRequest,
      dev.streamvisor.v1.UpdateSupervisorResponse> getUpdateSupervisorMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.UpdateSupervisorRequest, dev.streamvisor.v1.UpdateSupervisorResponse> getUpdateSupervisorMethod;
    if ((getUpdateSupervisorMethod = SupervisorServiceGrpc.getUpdateSupervisorMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getUpdateSupervisorMethod = SupervisorServiceGrpc.getUpdateSupervisorMethod) == null) {
          SupervisorServiceGrpc.getUpdateSupervisorMethod = getUpdateSupervisorMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.UpdateSupervisorRequest, dev.streamvisor.v1.UpdateSupervisorResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateSupervisor"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.UpdateSupervisorRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.UpdateSupervisorResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("UpdateSupervisor"))
              .build();
        }
      }
    }
    return getUpdateSupervisorMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.SuspendSupervisorRequest,
      dev.streamvisor.v1.SuspendSupervisorResponse> getSuspendSupervisorMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SuspendSupervisor",
      requestType = dev.streamvisor.v1.SuspendSupervisorRequest.class,
      responseType = dev.streamvisor.v1.SuspendSupervisorResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.SuspendSupervisorRequest,
      dev.streamvisor.v1.SuspendSupervisorResponse> getSuspendSupervisorMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.SuspendSupervisorRequest, dev.streamvisor.v1.SuspendSupervisorResponse> getSuspendSupervisorMethod;
    if ((getSuspendSupervisorMethod = SupervisorServiceGrpc.getSuspendSupervisorMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getSuspendSupervisorMethod = SupervisorServiceGrpc.getSuspendSupervisorMethod) == null) {
          SupervisorServiceGrpc.getSuspendSupervisorMethod = getSuspendSupervisorMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.SuspendSupervisorRequest, dev.streamvisor.v1.SuspendSupervisorResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SuspendSupervisor"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.SuspendSupervisorRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.SuspendSupervisorResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("SuspendSupervisor"))
              .build();
        }
      }
    }
    return getSuspendSupervisorMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.ResumeSupervisorRequest,
      dev.streamvisor.v1.ResumeSupervisorResponse> getResumeSupervisorMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ResumeSupervisor",
      requestType = dev.streamvisor.v1.ResumeSupervisorRequest.class,
      responseType = dev.streamvisor.v1.ResumeSupervisorResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.ResumeSupervisorRequest,
      dev.streamvisor.v1.ResumeSupervisorResponse> getResumeSupervisorMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.ResumeSupervisorRequest, dev.streamvisor.v1.ResumeSupervisorResponse> getResumeSupervisorMethod;
    if ((getResumeSupervisorMethod = SupervisorServiceGrpc.getResumeSupervisorMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getResumeSupervisorMethod = SupervisorServiceGrpc.getResumeSupervisorMethod) == null) {
          SupervisorServiceGrpc.getResumeSupervisorMethod = getResumeSupervisorMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.ResumeSupervisorRequest, dev.streamvisor.v1.ResumeSupervisorResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ResumeSupervisor"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ResumeSupervisorRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ResumeSupervisorResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("ResumeSupervisor"))
              .build();
        }
      }
    }
    return getResumeSupervisorMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.TerminateSupervisorRequest,
      dev.streamvisor.v1.TerminateSupervisorResponse> getTerminateSupervisorMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "TerminateSupervisor",
      requestType = dev.streamvisor.v1.TerminateSupervisorRequest.class,
      responseType = dev.streamvisor.v1.TerminateSupervisorResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.TerminateSupervisorRequest,
      dev.streamvisor.v1.TerminateSupervisorResponse> getTerminateSupervisorMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.TerminateSupervisorRequest, dev.streamvisor.v1.TerminateSupervisorResponse> getTerminateSupervisorMethod;
    if ((getTerminateSupervisorMethod = SupervisorServiceGrpc.getTerminateSupervisorMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getTerminateSupervisorMethod = SupervisorServiceGrpc.getTerminateSupervisorMethod) == null) {
          SupervisorServiceGrpc.getTerminateSupervisorMethod = getTerminateSupervisorMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.TerminateSupervisorRequest, dev.streamvisor.v1.TerminateSupervisorResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "TerminateSupervisor"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.TerminateSupervisorRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.TerminateSupervisorResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("TerminateSupervisor"))
              .build();
        }
      }
    }
    return getTerminateSupervisorMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.ListSupervisorHistoryRequest,
      dev.streamvisor.v1.ListSupervisorHistoryResponse> getListSupervisorHistoryMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSupervisorHistory",
      requestType = dev.streamvisor.v1.ListSupervisorHistoryRequest.class,
      responseType = dev.streamvisor.v1.ListSupervisorHistoryResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.ListSupervisorHistoryRequest,
      dev.streamvisor.v1.ListSupervisorHistoryResponse> getListSupervisorHistoryMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.ListSupervisorHistoryRequest, dev.streamvisor.v1.ListSupervisorHistoryResponse> getListSupervisorHistoryMethod;
    if ((getListSupervisorHistoryMethod = SupervisorServiceGrpc.getListSupervisorHistoryMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getListSupervisorHistoryMethod = SupervisorServiceGrpc.getListSupervisorHistoryMethod) == null) {
          SupervisorServiceGrpc.getListSupervisorHistoryMethod = getListSupervisorHistoryMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.ListSupervisorHistoryRequest, dev.streamvisor.v1.ListSupervisorHistoryResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSupervisorHistory"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ListSupervisorHistoryRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ListSupervisorHistoryResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("ListSupervisorHistory"))
              .build();
        }
      }
    }
    return getListSupervisorHistoryMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.GetOffsetsRequest,
      dev.streamvisor.v1.GetOffsetsResponse> getGetOffsetsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetOffsets",
      requestType = dev.streamvisor.v1.GetOffsetsRequest.class,
      responseType = dev.streamvisor.v1.GetOffsetsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.GetOffsetsRequest,
      dev.streamvisor.v1.GetOffsetsResponse> getGetOffsetsMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.GetOffsetsRequest, dev.streamvisor.v1.GetOffsetsResponse> getGetOffsetsMethod;
    if ((getGetOffsetsMethod = SupervisorServiceGrpc.getGetOffsetsMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getGetOffsetsMethod = SupervisorServiceGrpc.getGetOffsetsMethod) == null) {
          SupervisorServiceGrpc.getGetOffsetsMethod = getGetOffsetsMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.GetOffsetsRequest, dev.streamvisor.v1.GetOffsetsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetOffsets"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.GetOffsetsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.GetOffsetsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("GetOffsets"))
              .build();
        }
      }
    }
    return getGetOffsetsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.ResetSupervisorRequest,
      dev.streamvisor.v1.ResetSupervisorResponse> getResetSupervisorMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ResetSupervisor",
      requestType = dev.streamvisor.v1.ResetSupervisorRequest.class,
      responseType = dev.streamvisor.v1.ResetSupervisorResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.ResetSupervisorRequest,
      dev.streamvisor.v1.ResetSupervisorResponse> getResetSupervisorMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.ResetSupervisorRequest, dev.streamvisor.v1.ResetSupervisorResponse> getResetSupervisorMethod;
    if ((getResetSupervisorMethod = SupervisorServiceGrpc.getResetSupervisorMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getResetSupervisorMethod = SupervisorServiceGrpc.getResetSupervisorMethod) == null) {
          SupervisorServiceGrpc.getResetSupervisorMethod = getResetSupervisorMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.ResetSupervisorRequest, dev.streamvisor.v1.ResetSupervisorResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ResetSupervisor"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ResetSupervisorRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ResetSupervisorResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("ResetSupervisor"))
              .build();
        }
      }
    }
    return getResetSupervisorMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.ResetOffsetsRequest,
      dev.streamvisor.v1.ResetOffsetsResponse> getResetOffsetsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ResetOffsets",
      requestType = dev.streamvisor.v1.ResetOffsetsRequest.class,
      responseType = dev.streamvisor.v1.ResetOffsetsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.ResetOffsetsRequest,
      dev.streamvisor.v1.ResetOffsetsResponse> getResetOffsetsMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.ResetOffsetsRequest, dev.streamvisor.v1.ResetOffsetsResponse> getResetOffsetsMethod;
    if ((getResetOffsetsMethod = SupervisorServiceGrpc.getResetOffsetsMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getResetOffsetsMethod = SupervisorServiceGrpc.getResetOffsetsMethod) == null) {
          SupervisorServiceGrpc.getResetOffsetsMethod = getResetOffsetsMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.ResetOffsetsRequest, dev.streamvisor.v1.ResetOffsetsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ResetOffsets"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ResetOffsetsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ResetOffsetsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("ResetOffsets"))
              .build();
        }
      }
    }
    return getResetOffsetsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.ResetToLatestAndBackfillRequest,
      dev.streamvisor.v1.ResetToLatestAndBackfillResponse> getResetToLatestAndBackfillMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ResetToLatestAndBackfill",
      requestType = dev.streamvisor.v1.ResetToLatestAndBackfillRequest.class,
      responseType = dev.streamvisor.v1.ResetToLatestAndBackfillResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.ResetToLatestAndBackfillRequest,
      dev.streamvisor.v1.ResetToLatestAndBackfillResponse> getResetToLatestAndBackfillMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.ResetToLatestAndBackfillRequest, dev.streamvisor.v1.ResetToLatestAndBackfillResponse> getResetToLatestAndBackfillMethod;
    if ((getResetToLatestAndBackfillMethod = SupervisorServiceGrpc.getResetToLatestAndBackfillMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getResetToLatestAndBackfillMethod = SupervisorServiceGrpc.getResetToLatestAndBackfillMethod) == null) {
          SupervisorServiceGrpc.getResetToLatestAndBackfillMethod = getResetToLatestAndBackfillMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.ResetToLatestAndBackfillRequest, dev.streamvisor.v1.ResetToLatestAndBackfillResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ResetToLatestAndBackfill"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ResetToLatestAndBackfillRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ResetToLatestAndBackfillResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("ResetToLatestAndBackfill"))
              .build();
        }
      }
    }
    return getResetToLatestAndBackfillMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.GetCoverageRequest,
      dev.streamvisor.v1.GetCoverageResponse> getGetCoverageMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetCoverage",
      requestType = dev.streamvisor.v1.GetCoverageRequest.class,
      responseType = dev.streamvisor.v1.GetCoverageResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.GetCoverageRequest,
      dev.streamvisor.v1.GetCoverageResponse> getGetCoverageMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.GetCoverageRequest, dev.streamvisor.v1.GetCoverageResponse> getGetCoverageMethod;
    if ((getGetCoverageMethod = SupervisorServiceGrpc.getGetCoverageMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getGetCoverageMethod = SupervisorServiceGrpc.getGetCoverageMethod) == null) {
          SupervisorServiceGrpc.getGetCoverageMethod = getGetCoverageMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.GetCoverageRequest, dev.streamvisor.v1.GetCoverageResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetCoverage"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.GetCoverageRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.GetCoverageResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("GetCoverage"))
              .build();
        }
      }
    }
    return getGetCoverageMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.GetSupervisorHealthRequest,
      dev.streamvisor.v1.GetSupervisorHealthResponse> getGetSupervisorHealthMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSupervisorHealth",
      requestType = dev.streamvisor.v1.GetSupervisorHealthRequest.class,
      responseType = dev.streamvisor.v1.GetSupervisorHealthResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.GetSupervisorHealthRequest,
      dev.streamvisor.v1.GetSupervisorHealthResponse> getGetSupervisorHealthMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.GetSupervisorHealthRequest, dev.streamvisor.v1.GetSupervisorHealthResponse> getGetSupervisorHealthMethod;
    if ((getGetSupervisorHealthMethod = SupervisorServiceGrpc.getGetSupervisorHealthMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getGetSupervisorHealthMethod = SupervisorServiceGrpc.getGetSupervisorHealthMethod) == null) {
          SupervisorServiceGrpc.getGetSupervisorHealthMethod = getGetSupervisorHealthMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.GetSupervisorHealthRequest, dev.streamvisor.v1.GetSupervisorHealthResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSupervisorHealth"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.GetSupervisorHealthRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.GetSupervisorHealthResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("GetSupervisorHealth"))
              .build();
        }
      }
    }
    return getGetSupervisorHealthMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.BatchSuspendSupervisorsRequest,
      dev.streamvisor.v1.BatchSuspendSupervisorsResponse> getBatchSuspendSupervisorsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "BatchSuspendSupervisors",
      requestType = dev.streamvisor.v1.BatchSuspendSupervisorsRequest.class,
      responseType = dev.streamvisor.v1.BatchSuspendSupervisorsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.BatchSuspendSupervisorsRequest,
      dev.streamvisor.v1.BatchSuspendSupervisorsResponse> getBatchSuspendSupervisorsMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.BatchSuspendSupervisorsRequest, dev.streamvisor.v1.BatchSuspendSupervisorsResponse> getBatchSuspendSupervisorsMethod;
    if ((getBatchSuspendSupervisorsMethod = SupervisorServiceGrpc.getBatchSuspendSupervisorsMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getBatchSuspendSupervisorsMethod = SupervisorServiceGrpc.getBatchSuspendSupervisorsMethod) == null) {
          SupervisorServiceGrpc.getBatchSuspendSupervisorsMethod = getBatchSuspendSupervisorsMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.BatchSuspendSupervisorsRequest, dev.streamvisor.v1.BatchSuspendSupervisorsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "BatchSuspendSupervisors"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.BatchSuspendSupervisorsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.BatchSuspendSupervisorsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("BatchSuspendSupervisors"))
              .build();
        }
      }
    }
    return getBatchSuspendSupervisorsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.BatchResumeSupervisorsRequest,
      dev.streamvisor.v1.BatchResumeSupervisorsResponse> getBatchResumeSupervisorsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "BatchResumeSupervisors",
      requestType = dev.streamvisor.v1.BatchResumeSupervisorsRequest.class,
      responseType = dev.streamvisor.v1.BatchResumeSupervisorsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.BatchResumeSupervisorsRequest,
      dev.streamvisor.v1.BatchResumeSupervisorsResponse> getBatchResumeSupervisorsMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.BatchResumeSupervisorsRequest, dev.streamvisor.v1.BatchResumeSupervisorsResponse> getBatchResumeSupervisorsMethod;
    if ((getBatchResumeSupervisorsMethod = SupervisorServiceGrpc.getBatchResumeSupervisorsMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getBatchResumeSupervisorsMethod = SupervisorServiceGrpc.getBatchResumeSupervisorsMethod) == null) {
          SupervisorServiceGrpc.getBatchResumeSupervisorsMethod = getBatchResumeSupervisorsMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.BatchResumeSupervisorsRequest, dev.streamvisor.v1.BatchResumeSupervisorsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "BatchResumeSupervisors"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.BatchResumeSupervisorsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.BatchResumeSupervisorsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("BatchResumeSupervisors"))
              .build();
        }
      }
    }
    return getBatchResumeSupervisorsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.BatchTerminateSupervisorsRequest,
      dev.streamvisor.v1.BatchTerminateSupervisorsResponse> getBatchTerminateSupervisorsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "BatchTerminateSupervisors",
      requestType = dev.streamvisor.v1.BatchTerminateSupervisorsRequest.class,
      responseType = dev.streamvisor.v1.BatchTerminateSupervisorsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.BatchTerminateSupervisorsRequest,
      dev.streamvisor.v1.BatchTerminateSupervisorsResponse> getBatchTerminateSupervisorsMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.BatchTerminateSupervisorsRequest, dev.streamvisor.v1.BatchTerminateSupervisorsResponse> getBatchTerminateSupervisorsMethod;
    if ((getBatchTerminateSupervisorsMethod = SupervisorServiceGrpc.getBatchTerminateSupervisorsMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getBatchTerminateSupervisorsMethod = SupervisorServiceGrpc.getBatchTerminateSupervisorsMethod) == null) {
          SupervisorServiceGrpc.getBatchTerminateSupervisorsMethod = getBatchTerminateSupervisorsMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.BatchTerminateSupervisorsRequest, dev.streamvisor.v1.BatchTerminateSupervisorsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "BatchTerminateSupervisors"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.BatchTerminateSupervisorsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.BatchTerminateSupervisorsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("BatchTerminateSupervisors"))
              .build();
        }
      }
    }
    return getBatchTerminateSupervisorsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.GetSupervisorStatsRequest,
      dev.streamvisor.v1.GetSupervisorStatsResponse> getGetSupervisorStatsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSupervisorStats",
      requestType = dev.streamvisor.v1.GetSupervisorStatsRequest.class,
      responseType = dev.streamvisor.v1.GetSupervisorStatsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.GetSupervisorStatsRequest,
      dev.streamvisor.v1.GetSupervisorStatsResponse> getGetSupervisorStatsMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.GetSupervisorStatsRequest, dev.streamvisor.v1.GetSupervisorStatsResponse> getGetSupervisorStatsMethod;
    if ((getGetSupervisorStatsMethod = SupervisorServiceGrpc.getGetSupervisorStatsMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getGetSupervisorStatsMethod = SupervisorServiceGrpc.getGetSupervisorStatsMethod) == null) {
          SupervisorServiceGrpc.getGetSupervisorStatsMethod = getGetSupervisorStatsMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.GetSupervisorStatsRequest, dev.streamvisor.v1.GetSupervisorStatsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSupervisorStats"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.GetSupervisorStatsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.GetSupervisorStatsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("GetSupervisorStats"))
              .build();
        }
      }
    }
    return getGetSupervisorStatsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.HandoffTaskGroupsRequest,
      dev.streamvisor.v1.HandoffTaskGroupsResponse> getHandoffTaskGroupsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "HandoffTaskGroups",
      requestType = dev.streamvisor.v1.HandoffTaskGroupsRequest.class,
      responseType = dev.streamvisor.v1.HandoffTaskGroupsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.HandoffTaskGroupsRequest,
      dev.streamvisor.v1.HandoffTaskGroupsResponse> getHandoffTaskGroupsMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.HandoffTaskGroupsRequest, dev.streamvisor.v1.HandoffTaskGroupsResponse> getHandoffTaskGroupsMethod;
    if ((getHandoffTaskGroupsMethod = SupervisorServiceGrpc.getHandoffTaskGroupsMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getHandoffTaskGroupsMethod = SupervisorServiceGrpc.getHandoffTaskGroupsMethod) == null) {
          SupervisorServiceGrpc.getHandoffTaskGroupsMethod = getHandoffTaskGroupsMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.HandoffTaskGroupsRequest, dev.streamvisor.v1.HandoffTaskGroupsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "HandoffTaskGroups"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.HandoffTaskGroupsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.HandoffTaskGroupsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("HandoffTaskGroups"))
              .build();
        }
      }
    }
    return getHandoffTaskGroupsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.streamvisor.v1.ListSegmentsRequest,
      dev.streamvisor.v1.ListSegmentsResponse> getListSegmentsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSegments",
      requestType = dev.streamvisor.v1.ListSegmentsRequest.class,
      responseType = dev.streamvisor.v1.ListSegmentsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.streamvisor.v1.ListSegmentsRequest,
      dev.streamvisor.v1.ListSegmentsResponse> getListSegmentsMethod() {
    io.grpc.MethodDescriptor<dev.streamvisor.v1.ListSegmentsRequest, dev.streamvisor.v1.ListSegmentsResponse> getListSegmentsMethod;
    if ((getListSegmentsMethod = SupervisorServiceGrpc.getListSegmentsMethod) == null) {
      synchronized (SupervisorServiceGrpc.class) {
        if ((getListSegmentsMethod = SupervisorServiceGrpc.getListSegmentsMethod) == null) {
          SupervisorServiceGrpc.getListSegmentsMethod = getListSegmentsMethod =
              io.grpc.MethodDescriptor.<dev.streamvisor.v1.ListSegmentsRequest, dev.streamvisor.v1.ListSegmentsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSegments"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ListSegmentsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.streamvisor.v1.ListSegmentsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SupervisorServiceMethodDescriptorSupplier("ListSegments"))
              .build();
        }
      }
    }
    return getListSegmentsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static SupervisorServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SupervisorServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SupervisorServiceStub>() {
        @java.lang.Override
        public SupervisorServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SupervisorServiceStub(channel, callOptions);
        }
      };
    return SupervisorServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static SupervisorServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SupervisorServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SupervisorServiceBlockingV2Stub>() {
        @java.lang.Override
        public SupervisorServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SupervisorServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return SupervisorServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static SupervisorServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SupervisorServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SupervisorServiceBlockingStub>() {
        @java.lang.Override
        public SupervisorServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SupervisorServiceBlockingStub(channel, callOptions);
        }
      };
    return SupervisorServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static SupervisorServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SupervisorServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SupervisorServiceFutureStub>() {
        @java.lang.Override
        public SupervisorServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SupervisorServiceFutureStub(channel, callOptions);
        }
      };
    return SupervisorServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The operators' API: supervisors' lifecycle, offsets and resets.
   * Errors use standard gRPC codes with a google.rpc.ErrorInfo detail (domain "streamvisor", reason from
   * ErrorReason without its prefix, dynamic values in metadata) and, for INVALID_ARGUMENT, a
   * google.rpc.BadRequest listing the offending fields. A rejected request changes nothing.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Creates a supervisor in RUNNING state after checking that its stream exists.
     * </pre>
     */
    default void createSupervisor(dev.streamvisor.v1.CreateSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.CreateSupervisorResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateSupervisorMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns one supervisor.
     * </pre>
     */
    default void getSupervisor(dev.streamvisor.v1.GetSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetSupervisorResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSupervisorMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists supervisors ordered by id, paginated (AIP-158), optionally filtered.
     * </pre>
     */
    default void listSupervisors(dev.streamvisor.v1.ListSupervisorsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ListSupervisorsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSupervisorsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces a supervisor's spec, guarded by its etag. stream_type and stream are immutable.
     * </pre>
     */
    default void updateSupervisor(dev.streamvisor.v1.UpdateSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.UpdateSupervisorResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateSupervisorMethod(), responseObserver);
    }

    /**
     * <pre>
     * RUNNING/UNHEALTHY/PENDING -&gt; SUSPENDED. Leases stop; checkpoints are kept.
     * </pre>
     */
    default void suspendSupervisor(dev.streamvisor.v1.SuspendSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.SuspendSupervisorResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSuspendSupervisorMethod(), responseObserver);
    }

    /**
     * <pre>
     * SUSPENDED -&gt; RUNNING, from the checkpoints.
     * </pre>
     */
    default void resumeSupervisor(dev.streamvisor.v1.ResumeSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResumeSupervisorResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getResumeSupervisorMethod(), responseObserver);
    }

    /**
     * <pre>
     * Any non-terminal state -&gt; TERMINATED. Checkpoints and history are kept.
     * </pre>
     */
    default void terminateSupervisor(dev.streamvisor.v1.TerminateSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.TerminateSupervisorResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getTerminateSupervisorMethod(), responseObserver);
    }

    /**
     * <pre>
     * The supervisor's audit trail, newest first, paginated.
     * </pre>
     */
    default void listSupervisorHistory(dev.streamvisor.v1.ListSupervisorHistoryRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ListSupervisorHistoryResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSupervisorHistoryMethod(), responseObserver);
    }

    /**
     * <pre>
     * Per partition: checkpoint, earliest and latest offsets, lag; totals; bounded progress.
     * </pre>
     */
    default void getOffsets(dev.streamvisor.v1.GetOffsetsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetOffsetsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetOffsetsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Hard reset: clears all checkpoints and bumps the generation.
     * </pre>
     */
    default void resetSupervisor(dev.streamvisor.v1.ResetSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResetSupervisorResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getResetSupervisorMethod(), responseObserver);
    }

    /**
     * <pre>
     * Sets some partitions' checkpoints (to offsets or timestamps) and bumps the generation.
     * </pre>
     */
    default void resetOffsets(dev.streamvisor.v1.ResetOffsetsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResetOffsetsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getResetOffsetsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Moves the supervisor to the latest offsets and creates a bounded backfill supervisor over the skipped
     * range, atomically: nothing is lost and nothing is ingested twice.
     * </pre>
     */
    default void resetToLatestAndBackfill(dev.streamvisor.v1.ResetToLatestAndBackfillRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResetToLatestAndBackfillResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getResetToLatestAndBackfillMethod(), responseObserver);
    }

    /**
     * <pre>
     * Per partition, the merged published ranges of a supervisor and all its backfills, with gaps and
     * overlaps: "nothing lost, nothing twice", checkable at any time. Computed from segment records.
     * </pre>
     */
    default void getCoverage(dev.streamvisor.v1.GetCoverageRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetCoverageResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetCoverageMethod(), responseObserver);
    }

    /**
     * <pre>
     * Whether one supervisor is healthy, for probes: healthy unless UNHEALTHY or TERMINATED. The same
     * answer is the grpc.health.v1 service "streamvisor.supervisor/&lt;id&gt;" (Check and Watch).
     * </pre>
     */
    default void getSupervisorHealth(dev.streamvisor.v1.GetSupervisorHealthRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetSupervisorHealthResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSupervisorHealthMethod(), responseObserver);
    }

    /**
     * <pre>
     * Suspends every supervisor the filter selects (each in its own transaction, with its own audit event);
     * those it does not apply to are skipped, listed with the reason. dry_run previews.
     * </pre>
     */
    default void batchSuspendSupervisors(dev.streamvisor.v1.BatchSuspendSupervisorsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.BatchSuspendSupervisorsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getBatchSuspendSupervisorsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Resumes every SUSPENDED supervisor the filter selects; as BatchSuspendSupervisors.
     * </pre>
     */
    default void batchResumeSupervisors(dev.streamvisor.v1.BatchResumeSupervisorsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.BatchResumeSupervisorsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getBatchResumeSupervisorsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Terminates every non-terminal supervisor the filter selects; as BatchSuspendSupervisors.
     * </pre>
     */
    default void batchTerminateSupervisors(dev.streamvisor.v1.BatchTerminateSupervisorsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.BatchTerminateSupervisorsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getBatchTerminateSupervisorsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Per task of the current generation: state, lease, phase, what its workers reported (totals and
     * 1/5/15-minute moving averages) and its recent errors; and the supervisor's sums (Druid's
     * /supervisor/{id}/stats and the task detail of /status).
     * </pre>
     */
    default void getSupervisorStats(dev.streamvisor.v1.GetSupervisorStatsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetSupervisorStatsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSupervisorStatsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Asks the workers of some task groups to publish what they hold now and hand their tasks back, which
     * are then offered again from the new checkpoints (Druid's taskGroups/handoff). Nothing is fenced.
     * </pre>
     */
    default void handoffTaskGroups(dev.streamvisor.v1.HandoffTaskGroupsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.HandoffTaskGroupsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getHandoffTaskGroupsMethod(), responseObserver);
    }

    /**
     * <pre>
     * The published segments of a supervisor (or of its family: it and its backfills), in commit order,
     * paginated (AIP-158), filterable by partition, offset range and exact location. A segment is ingested
     * if and only if it is listed here; what a reader of the destination may rely on follows from it.
     * </pre>
     */
    default void listSegments(dev.streamvisor.v1.ListSegmentsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ListSegmentsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSegmentsMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service SupervisorService.
   * <pre>
   * The operators' API: supervisors' lifecycle, offsets and resets.
   * Errors use standard gRPC codes with a google.rpc.ErrorInfo detail (domain "streamvisor", reason from
   * ErrorReason without its prefix, dynamic values in metadata) and, for INVALID_ARGUMENT, a
   * google.rpc.BadRequest listing the offending fields. A rejected request changes nothing.
   * </pre>
   */
  public static abstract class SupervisorServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return SupervisorServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service SupervisorService.
   * <pre>
   * The operators' API: supervisors' lifecycle, offsets and resets.
   * Errors use standard gRPC codes with a google.rpc.ErrorInfo detail (domain "streamvisor", reason from
   * ErrorReason without its prefix, dynamic values in metadata) and, for INVALID_ARGUMENT, a
   * google.rpc.BadRequest listing the offending fields. A rejected request changes nothing.
   * </pre>
   */
  public static final class SupervisorServiceStub
      extends io.grpc.stub.AbstractAsyncStub<SupervisorServiceStub> {
    private SupervisorServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SupervisorServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SupervisorServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a supervisor in RUNNING state after checking that its stream exists.
     * </pre>
     */
    public void createSupervisor(dev.streamvisor.v1.CreateSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.CreateSupervisorResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateSupervisorMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns one supervisor.
     * </pre>
     */
    public void getSupervisor(dev.streamvisor.v1.GetSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetSupervisorResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSupervisorMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists supervisors ordered by id, paginated (AIP-158), optionally filtered.
     * </pre>
     */
    public void listSupervisors(dev.streamvisor.v1.ListSupervisorsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ListSupervisorsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSupervisorsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces a supervisor's spec, guarded by its etag. stream_type and stream are immutable.
     * </pre>
     */
    public void updateSupervisor(dev.streamvisor.v1.UpdateSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.UpdateSupervisorResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateSupervisorMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * RUNNING/UNHEALTHY/PENDING -&gt; SUSPENDED. Leases stop; checkpoints are kept.
     * </pre>
     */
    public void suspendSupervisor(dev.streamvisor.v1.SuspendSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.SuspendSupervisorResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSuspendSupervisorMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * SUSPENDED -&gt; RUNNING, from the checkpoints.
     * </pre>
     */
    public void resumeSupervisor(dev.streamvisor.v1.ResumeSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResumeSupervisorResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getResumeSupervisorMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Any non-terminal state -&gt; TERMINATED. Checkpoints and history are kept.
     * </pre>
     */
    public void terminateSupervisor(dev.streamvisor.v1.TerminateSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.TerminateSupervisorResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getTerminateSupervisorMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The supervisor's audit trail, newest first, paginated.
     * </pre>
     */
    public void listSupervisorHistory(dev.streamvisor.v1.ListSupervisorHistoryRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ListSupervisorHistoryResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSupervisorHistoryMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Per partition: checkpoint, earliest and latest offsets, lag; totals; bounded progress.
     * </pre>
     */
    public void getOffsets(dev.streamvisor.v1.GetOffsetsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetOffsetsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetOffsetsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Hard reset: clears all checkpoints and bumps the generation.
     * </pre>
     */
    public void resetSupervisor(dev.streamvisor.v1.ResetSupervisorRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResetSupervisorResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getResetSupervisorMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Sets some partitions' checkpoints (to offsets or timestamps) and bumps the generation.
     * </pre>
     */
    public void resetOffsets(dev.streamvisor.v1.ResetOffsetsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResetOffsetsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getResetOffsetsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Moves the supervisor to the latest offsets and creates a bounded backfill supervisor over the skipped
     * range, atomically: nothing is lost and nothing is ingested twice.
     * </pre>
     */
    public void resetToLatestAndBackfill(dev.streamvisor.v1.ResetToLatestAndBackfillRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResetToLatestAndBackfillResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getResetToLatestAndBackfillMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Per partition, the merged published ranges of a supervisor and all its backfills, with gaps and
     * overlaps: "nothing lost, nothing twice", checkable at any time. Computed from segment records.
     * </pre>
     */
    public void getCoverage(dev.streamvisor.v1.GetCoverageRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetCoverageResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetCoverageMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Whether one supervisor is healthy, for probes: healthy unless UNHEALTHY or TERMINATED. The same
     * answer is the grpc.health.v1 service "streamvisor.supervisor/&lt;id&gt;" (Check and Watch).
     * </pre>
     */
    public void getSupervisorHealth(dev.streamvisor.v1.GetSupervisorHealthRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetSupervisorHealthResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSupervisorHealthMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Suspends every supervisor the filter selects (each in its own transaction, with its own audit event);
     * those it does not apply to are skipped, listed with the reason. dry_run previews.
     * </pre>
     */
    public void batchSuspendSupervisors(dev.streamvisor.v1.BatchSuspendSupervisorsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.BatchSuspendSupervisorsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getBatchSuspendSupervisorsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Resumes every SUSPENDED supervisor the filter selects; as BatchSuspendSupervisors.
     * </pre>
     */
    public void batchResumeSupervisors(dev.streamvisor.v1.BatchResumeSupervisorsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.BatchResumeSupervisorsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getBatchResumeSupervisorsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Terminates every non-terminal supervisor the filter selects; as BatchSuspendSupervisors.
     * </pre>
     */
    public void batchTerminateSupervisors(dev.streamvisor.v1.BatchTerminateSupervisorsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.BatchTerminateSupervisorsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getBatchTerminateSupervisorsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Per task of the current generation: state, lease, phase, what its workers reported (totals and
     * 1/5/15-minute moving averages) and its recent errors; and the supervisor's sums (Druid's
     * /supervisor/{id}/stats and the task detail of /status).
     * </pre>
     */
    public void getSupervisorStats(dev.streamvisor.v1.GetSupervisorStatsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetSupervisorStatsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSupervisorStatsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Asks the workers of some task groups to publish what they hold now and hand their tasks back, which
     * are then offered again from the new checkpoints (Druid's taskGroups/handoff). Nothing is fenced.
     * </pre>
     */
    public void handoffTaskGroups(dev.streamvisor.v1.HandoffTaskGroupsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.HandoffTaskGroupsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getHandoffTaskGroupsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The published segments of a supervisor (or of its family: it and its backfills), in commit order,
     * paginated (AIP-158), filterable by partition, offset range and exact location. A segment is ingested
     * if and only if it is listed here; what a reader of the destination may rely on follows from it.
     * </pre>
     */
    public void listSegments(dev.streamvisor.v1.ListSegmentsRequest request,
        io.grpc.stub.StreamObserver<dev.streamvisor.v1.ListSegmentsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSegmentsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service SupervisorService.
   * <pre>
   * The operators' API: supervisors' lifecycle, offsets and resets.
   * Errors use standard gRPC codes with a google.rpc.ErrorInfo detail (domain "streamvisor", reason from
   * ErrorReason without its prefix, dynamic values in metadata) and, for INVALID_ARGUMENT, a
   * google.rpc.BadRequest listing the offending fields. A rejected request changes nothing.
   * </pre>
   */
  public static final class SupervisorServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<SupervisorServiceBlockingV2Stub> {
    private SupervisorServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SupervisorServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SupervisorServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a supervisor in RUNNING state after checking that its stream exists.
     * </pre>
     */
    public dev.streamvisor.v1.CreateSupervisorResponse createSupervisor(dev.streamvisor.v1.CreateSupervisorRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCreateSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns one supervisor.
     * </pre>
     */
    public dev.streamvisor.v1.GetSupervisorResponse getSupervisor(dev.streamvisor.v1.GetSupervisorRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists supervisors ordered by id, paginated (AIP-158), optionally filtered.
     * </pre>
     */
    public dev.streamvisor.v1.ListSupervisorsResponse listSupervisors(dev.streamvisor.v1.ListSupervisorsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListSupervisorsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces a supervisor's spec, guarded by its etag. stream_type and stream are immutable.
     * </pre>
     */
    public dev.streamvisor.v1.UpdateSupervisorResponse updateSupervisor(dev.streamvisor.v1.UpdateSupervisorRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getUpdateSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * RUNNING/UNHEALTHY/PENDING -&gt; SUSPENDED. Leases stop; checkpoints are kept.
     * </pre>
     */
    public dev.streamvisor.v1.SuspendSupervisorResponse suspendSupervisor(dev.streamvisor.v1.SuspendSupervisorRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSuspendSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * SUSPENDED -&gt; RUNNING, from the checkpoints.
     * </pre>
     */
    public dev.streamvisor.v1.ResumeSupervisorResponse resumeSupervisor(dev.streamvisor.v1.ResumeSupervisorRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getResumeSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Any non-terminal state -&gt; TERMINATED. Checkpoints and history are kept.
     * </pre>
     */
    public dev.streamvisor.v1.TerminateSupervisorResponse terminateSupervisor(dev.streamvisor.v1.TerminateSupervisorRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getTerminateSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The supervisor's audit trail, newest first, paginated.
     * </pre>
     */
    public dev.streamvisor.v1.ListSupervisorHistoryResponse listSupervisorHistory(dev.streamvisor.v1.ListSupervisorHistoryRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListSupervisorHistoryMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Per partition: checkpoint, earliest and latest offsets, lag; totals; bounded progress.
     * </pre>
     */
    public dev.streamvisor.v1.GetOffsetsResponse getOffsets(dev.streamvisor.v1.GetOffsetsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetOffsetsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Hard reset: clears all checkpoints and bumps the generation.
     * </pre>
     */
    public dev.streamvisor.v1.ResetSupervisorResponse resetSupervisor(dev.streamvisor.v1.ResetSupervisorRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getResetSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets some partitions' checkpoints (to offsets or timestamps) and bumps the generation.
     * </pre>
     */
    public dev.streamvisor.v1.ResetOffsetsResponse resetOffsets(dev.streamvisor.v1.ResetOffsetsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getResetOffsetsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Moves the supervisor to the latest offsets and creates a bounded backfill supervisor over the skipped
     * range, atomically: nothing is lost and nothing is ingested twice.
     * </pre>
     */
    public dev.streamvisor.v1.ResetToLatestAndBackfillResponse resetToLatestAndBackfill(dev.streamvisor.v1.ResetToLatestAndBackfillRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getResetToLatestAndBackfillMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Per partition, the merged published ranges of a supervisor and all its backfills, with gaps and
     * overlaps: "nothing lost, nothing twice", checkable at any time. Computed from segment records.
     * </pre>
     */
    public dev.streamvisor.v1.GetCoverageResponse getCoverage(dev.streamvisor.v1.GetCoverageRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetCoverageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Whether one supervisor is healthy, for probes: healthy unless UNHEALTHY or TERMINATED. The same
     * answer is the grpc.health.v1 service "streamvisor.supervisor/&lt;id&gt;" (Check and Watch).
     * </pre>
     */
    public dev.streamvisor.v1.GetSupervisorHealthResponse getSupervisorHealth(dev.streamvisor.v1.GetSupervisorHealthRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSupervisorHealthMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Suspends every supervisor the filter selects (each in its own transaction, with its own audit event);
     * those it does not apply to are skipped, listed with the reason. dry_run previews.
     * </pre>
     */
    public dev.streamvisor.v1.BatchSuspendSupervisorsResponse batchSuspendSupervisors(dev.streamvisor.v1.BatchSuspendSupervisorsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getBatchSuspendSupervisorsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Resumes every SUSPENDED supervisor the filter selects; as BatchSuspendSupervisors.
     * </pre>
     */
    public dev.streamvisor.v1.BatchResumeSupervisorsResponse batchResumeSupervisors(dev.streamvisor.v1.BatchResumeSupervisorsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getBatchResumeSupervisorsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Terminates every non-terminal supervisor the filter selects; as BatchSuspendSupervisors.
     * </pre>
     */
    public dev.streamvisor.v1.BatchTerminateSupervisorsResponse batchTerminateSupervisors(dev.streamvisor.v1.BatchTerminateSupervisorsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getBatchTerminateSupervisorsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Per task of the current generation: state, lease, phase, what its workers reported (totals and
     * 1/5/15-minute moving averages) and its recent errors; and the supervisor's sums (Druid's
     * /supervisor/{id}/stats and the task detail of /status).
     * </pre>
     */
    public dev.streamvisor.v1.GetSupervisorStatsResponse getSupervisorStats(dev.streamvisor.v1.GetSupervisorStatsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSupervisorStatsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Asks the workers of some task groups to publish what they hold now and hand their tasks back, which
     * are then offered again from the new checkpoints (Druid's taskGroups/handoff). Nothing is fenced.
     * </pre>
     */
    public dev.streamvisor.v1.HandoffTaskGroupsResponse handoffTaskGroups(dev.streamvisor.v1.HandoffTaskGroupsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getHandoffTaskGroupsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The published segments of a supervisor (or of its family: it and its backfills), in commit order,
     * paginated (AIP-158), filterable by partition, offset range and exact location. A segment is ingested
     * if and only if it is listed here; what a reader of the destination may rely on follows from it.
     * </pre>
     */
    public dev.streamvisor.v1.ListSegmentsResponse listSegments(dev.streamvisor.v1.ListSegmentsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListSegmentsMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service SupervisorService.
   * <pre>
   * The operators' API: supervisors' lifecycle, offsets and resets.
   * Errors use standard gRPC codes with a google.rpc.ErrorInfo detail (domain "streamvisor", reason from
   * ErrorReason without its prefix, dynamic values in metadata) and, for INVALID_ARGUMENT, a
   * google.rpc.BadRequest listing the offending fields. A rejected request changes nothing.
   * </pre>
   */
  public static final class SupervisorServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<SupervisorServiceBlockingStub> {
    private SupervisorServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SupervisorServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SupervisorServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a supervisor in RUNNING state after checking that its stream exists.
     * </pre>
     */
    public dev.streamvisor.v1.CreateSupervisorResponse createSupervisor(dev.streamvisor.v1.CreateSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns one supervisor.
     * </pre>
     */
    public dev.streamvisor.v1.GetSupervisorResponse getSupervisor(dev.streamvisor.v1.GetSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists supervisors ordered by id, paginated (AIP-158), optionally filtered.
     * </pre>
     */
    public dev.streamvisor.v1.ListSupervisorsResponse listSupervisors(dev.streamvisor.v1.ListSupervisorsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSupervisorsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces a supervisor's spec, guarded by its etag. stream_type and stream are immutable.
     * </pre>
     */
    public dev.streamvisor.v1.UpdateSupervisorResponse updateSupervisor(dev.streamvisor.v1.UpdateSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * RUNNING/UNHEALTHY/PENDING -&gt; SUSPENDED. Leases stop; checkpoints are kept.
     * </pre>
     */
    public dev.streamvisor.v1.SuspendSupervisorResponse suspendSupervisor(dev.streamvisor.v1.SuspendSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSuspendSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * SUSPENDED -&gt; RUNNING, from the checkpoints.
     * </pre>
     */
    public dev.streamvisor.v1.ResumeSupervisorResponse resumeSupervisor(dev.streamvisor.v1.ResumeSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getResumeSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Any non-terminal state -&gt; TERMINATED. Checkpoints and history are kept.
     * </pre>
     */
    public dev.streamvisor.v1.TerminateSupervisorResponse terminateSupervisor(dev.streamvisor.v1.TerminateSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getTerminateSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The supervisor's audit trail, newest first, paginated.
     * </pre>
     */
    public dev.streamvisor.v1.ListSupervisorHistoryResponse listSupervisorHistory(dev.streamvisor.v1.ListSupervisorHistoryRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSupervisorHistoryMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Per partition: checkpoint, earliest and latest offsets, lag; totals; bounded progress.
     * </pre>
     */
    public dev.streamvisor.v1.GetOffsetsResponse getOffsets(dev.streamvisor.v1.GetOffsetsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetOffsetsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Hard reset: clears all checkpoints and bumps the generation.
     * </pre>
     */
    public dev.streamvisor.v1.ResetSupervisorResponse resetSupervisor(dev.streamvisor.v1.ResetSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getResetSupervisorMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets some partitions' checkpoints (to offsets or timestamps) and bumps the generation.
     * </pre>
     */
    public dev.streamvisor.v1.ResetOffsetsResponse resetOffsets(dev.streamvisor.v1.ResetOffsetsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getResetOffsetsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Moves the supervisor to the latest offsets and creates a bounded backfill supervisor over the skipped
     * range, atomically: nothing is lost and nothing is ingested twice.
     * </pre>
     */
    public dev.streamvisor.v1.ResetToLatestAndBackfillResponse resetToLatestAndBackfill(dev.streamvisor.v1.ResetToLatestAndBackfillRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getResetToLatestAndBackfillMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Per partition, the merged published ranges of a supervisor and all its backfills, with gaps and
     * overlaps: "nothing lost, nothing twice", checkable at any time. Computed from segment records.
     * </pre>
     */
    public dev.streamvisor.v1.GetCoverageResponse getCoverage(dev.streamvisor.v1.GetCoverageRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetCoverageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Whether one supervisor is healthy, for probes: healthy unless UNHEALTHY or TERMINATED. The same
     * answer is the grpc.health.v1 service "streamvisor.supervisor/&lt;id&gt;" (Check and Watch).
     * </pre>
     */
    public dev.streamvisor.v1.GetSupervisorHealthResponse getSupervisorHealth(dev.streamvisor.v1.GetSupervisorHealthRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSupervisorHealthMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Suspends every supervisor the filter selects (each in its own transaction, with its own audit event);
     * those it does not apply to are skipped, listed with the reason. dry_run previews.
     * </pre>
     */
    public dev.streamvisor.v1.BatchSuspendSupervisorsResponse batchSuspendSupervisors(dev.streamvisor.v1.BatchSuspendSupervisorsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getBatchSuspendSupervisorsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Resumes every SUSPENDED supervisor the filter selects; as BatchSuspendSupervisors.
     * </pre>
     */
    public dev.streamvisor.v1.BatchResumeSupervisorsResponse batchResumeSupervisors(dev.streamvisor.v1.BatchResumeSupervisorsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getBatchResumeSupervisorsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Terminates every non-terminal supervisor the filter selects; as BatchSuspendSupervisors.
     * </pre>
     */
    public dev.streamvisor.v1.BatchTerminateSupervisorsResponse batchTerminateSupervisors(dev.streamvisor.v1.BatchTerminateSupervisorsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getBatchTerminateSupervisorsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Per task of the current generation: state, lease, phase, what its workers reported (totals and
     * 1/5/15-minute moving averages) and its recent errors; and the supervisor's sums (Druid's
     * /supervisor/{id}/stats and the task detail of /status).
     * </pre>
     */
    public dev.streamvisor.v1.GetSupervisorStatsResponse getSupervisorStats(dev.streamvisor.v1.GetSupervisorStatsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSupervisorStatsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Asks the workers of some task groups to publish what they hold now and hand their tasks back, which
     * are then offered again from the new checkpoints (Druid's taskGroups/handoff). Nothing is fenced.
     * </pre>
     */
    public dev.streamvisor.v1.HandoffTaskGroupsResponse handoffTaskGroups(dev.streamvisor.v1.HandoffTaskGroupsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getHandoffTaskGroupsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The published segments of a supervisor (or of its family: it and its backfills), in commit order,
     * paginated (AIP-158), filterable by partition, offset range and exact location. A segment is ingested
     * if and only if it is listed here; what a reader of the destination may rely on follows from it.
     * </pre>
     */
    public dev.streamvisor.v1.ListSegmentsResponse listSegments(dev.streamvisor.v1.ListSegmentsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSegmentsMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service SupervisorService.
   * <pre>
   * The operators' API: supervisors' lifecycle, offsets and resets.
   * Errors use standard gRPC codes with a google.rpc.ErrorInfo detail (domain "streamvisor", reason from
   * ErrorReason without its prefix, dynamic values in metadata) and, for INVALID_ARGUMENT, a
   * google.rpc.BadRequest listing the offending fields. A rejected request changes nothing.
   * </pre>
   */
  public static final class SupervisorServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<SupervisorServiceFutureStub> {
    private SupervisorServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SupervisorServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SupervisorServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a supervisor in RUNNING state after checking that its stream exists.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.CreateSupervisorResponse> createSupervisor(
        dev.streamvisor.v1.CreateSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateSupervisorMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns one supervisor.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.GetSupervisorResponse> getSupervisor(
        dev.streamvisor.v1.GetSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSupervisorMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists supervisors ordered by id, paginated (AIP-158), optionally filtered.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.ListSupervisorsResponse> listSupervisors(
        dev.streamvisor.v1.ListSupervisorsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSupervisorsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces a supervisor's spec, guarded by its etag. stream_type and stream are immutable.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.UpdateSupervisorResponse> updateSupervisor(
        dev.streamvisor.v1.UpdateSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateSupervisorMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * RUNNING/UNHEALTHY/PENDING -&gt; SUSPENDED. Leases stop; checkpoints are kept.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.SuspendSupervisorResponse> suspendSupervisor(
        dev.streamvisor.v1.SuspendSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSuspendSupervisorMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * SUSPENDED -&gt; RUNNING, from the checkpoints.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.ResumeSupervisorResponse> resumeSupervisor(
        dev.streamvisor.v1.ResumeSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getResumeSupervisorMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Any non-terminal state -&gt; TERMINATED. Checkpoints and history are kept.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.TerminateSupervisorResponse> terminateSupervisor(
        dev.streamvisor.v1.TerminateSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getTerminateSupervisorMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The supervisor's audit trail, newest first, paginated.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.ListSupervisorHistoryResponse> listSupervisorHistory(
        dev.streamvisor.v1.ListSupervisorHistoryRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSupervisorHistoryMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Per partition: checkpoint, earliest and latest offsets, lag; totals; bounded progress.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.GetOffsetsResponse> getOffsets(
        dev.streamvisor.v1.GetOffsetsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetOffsetsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Hard reset: clears all checkpoints and bumps the generation.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.ResetSupervisorResponse> resetSupervisor(
        dev.streamvisor.v1.ResetSupervisorRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getResetSupervisorMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Sets some partitions' checkpoints (to offsets or timestamps) and bumps the generation.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.ResetOffsetsResponse> resetOffsets(
        dev.streamvisor.v1.ResetOffsetsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getResetOffsetsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Moves the supervisor to the latest offsets and creates a bounded backfill supervisor over the skipped
     * range, atomically: nothing is lost and nothing is ingested twice.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.ResetToLatestAndBackfillResponse> resetToLatestAndBackfill(
        dev.streamvisor.v1.ResetToLatestAndBackfillRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getResetToLatestAndBackfillMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Per partition, the merged published ranges of a supervisor and all its backfills, with gaps and
     * overlaps: "nothing lost, nothing twice", checkable at any time. Computed from segment records.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.GetCoverageResponse> getCoverage(
        dev.streamvisor.v1.GetCoverageRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetCoverageMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Whether one supervisor is healthy, for probes: healthy unless UNHEALTHY or TERMINATED. The same
     * answer is the grpc.health.v1 service "streamvisor.supervisor/&lt;id&gt;" (Check and Watch).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.GetSupervisorHealthResponse> getSupervisorHealth(
        dev.streamvisor.v1.GetSupervisorHealthRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSupervisorHealthMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Suspends every supervisor the filter selects (each in its own transaction, with its own audit event);
     * those it does not apply to are skipped, listed with the reason. dry_run previews.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.BatchSuspendSupervisorsResponse> batchSuspendSupervisors(
        dev.streamvisor.v1.BatchSuspendSupervisorsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getBatchSuspendSupervisorsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Resumes every SUSPENDED supervisor the filter selects; as BatchSuspendSupervisors.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.BatchResumeSupervisorsResponse> batchResumeSupervisors(
        dev.streamvisor.v1.BatchResumeSupervisorsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getBatchResumeSupervisorsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Terminates every non-terminal supervisor the filter selects; as BatchSuspendSupervisors.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.BatchTerminateSupervisorsResponse> batchTerminateSupervisors(
        dev.streamvisor.v1.BatchTerminateSupervisorsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getBatchTerminateSupervisorsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Per task of the current generation: state, lease, phase, what its workers reported (totals and
     * 1/5/15-minute moving averages) and its recent errors; and the supervisor's sums (Druid's
     * /supervisor/{id}/stats and the task detail of /status).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.GetSupervisorStatsResponse> getSupervisorStats(
        dev.streamvisor.v1.GetSupervisorStatsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSupervisorStatsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Asks the workers of some task groups to publish what they hold now and hand their tasks back, which
     * are then offered again from the new checkpoints (Druid's taskGroups/handoff). Nothing is fenced.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.HandoffTaskGroupsResponse> handoffTaskGroups(
        dev.streamvisor.v1.HandoffTaskGroupsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getHandoffTaskGroupsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The published segments of a supervisor (or of its family: it and its backfills), in commit order,
     * paginated (AIP-158), filterable by partition, offset range and exact location. A segment is ingested
     * if and only if it is listed here; what a reader of the destination may rely on follows from it.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.streamvisor.v1.ListSegmentsResponse> listSegments(
        dev.streamvisor.v1.ListSegmentsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSegmentsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_SUPERVISOR = 0;
  private static final int METHODID_GET_SUPERVISOR = 1;
  private static final int METHODID_LIST_SUPERVISORS = 2;
  private static final int METHODID_UPDATE_SUPERVISOR = 3;
  private static final int METHODID_SUSPEND_SUPERVISOR = 4;
  private static final int METHODID_RESUME_SUPERVISOR = 5;
  private static final int METHODID_TERMINATE_SUPERVISOR = 6;
  private static final int METHODID_LIST_SUPERVISOR_HISTORY = 7;
  private static final int METHODID_GET_OFFSETS = 8;
  private static final int METHODID_RESET_SUPERVISOR = 9;
  private static final int METHODID_RESET_OFFSETS = 10;
  private static final int METHODID_RESET_TO_LATEST_AND_BACKFILL = 11;
  private static final int METHODID_GET_COVERAGE = 12;
  private static final int METHODID_GET_SUPERVISOR_HEALTH = 13;
  private static final int METHODID_BATCH_SUSPEND_SUPERVISORS = 14;
  private static final int METHODID_BATCH_RESUME_SUPERVISORS = 15;
  private static final int METHODID_BATCH_TERMINATE_SUPERVISORS = 16;
  private static final int METHODID_GET_SUPERVISOR_STATS = 17;
  private static final int METHODID_HANDOFF_TASK_GROUPS = 18;
  private static final int METHODID_LIST_SEGMENTS = 19;

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
        case METHODID_CREATE_SUPERVISOR:
          serviceImpl.createSupervisor((dev.streamvisor.v1.CreateSupervisorRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.CreateSupervisorResponse>) responseObserver);
          break;
        case METHODID_GET_SUPERVISOR:
          serviceImpl.getSupervisor((dev.streamvisor.v1.GetSupervisorRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetSupervisorResponse>) responseObserver);
          break;
        case METHODID_LIST_SUPERVISORS:
          serviceImpl.listSupervisors((dev.streamvisor.v1.ListSupervisorsRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.ListSupervisorsResponse>) responseObserver);
          break;
        case METHODID_UPDATE_SUPERVISOR:
          serviceImpl.updateSupervisor((dev.streamvisor.v1.UpdateSupervisorRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.UpdateSupervisorResponse>) responseObserver);
          break;
        case METHODID_SUSPEND_SUPERVISOR:
          serviceImpl.suspendSupervisor((dev.streamvisor.v1.SuspendSupervisorRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.SuspendSupervisorResponse>) responseObserver);
          break;
        case METHODID_RESUME_SUPERVISOR:
          serviceImpl.resumeSupervisor((dev.streamvisor.v1.ResumeSupervisorRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResumeSupervisorResponse>) responseObserver);
          break;
        case METHODID_TERMINATE_SUPERVISOR:
          serviceImpl.terminateSupervisor((dev.streamvisor.v1.TerminateSupervisorRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.TerminateSupervisorResponse>) responseObserver);
          break;
        case METHODID_LIST_SUPERVISOR_HISTORY:
          serviceImpl.listSupervisorHistory((dev.streamvisor.v1.ListSupervisorHistoryRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.ListSupervisorHistoryResponse>) responseObserver);
          break;
        case METHODID_GET_OFFSETS:
          serviceImpl.getOffsets((dev.streamvisor.v1.GetOffsetsRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetOffsetsResponse>) responseObserver);
          break;
        case METHODID_RESET_SUPERVISOR:
          serviceImpl.resetSupervisor((dev.streamvisor.v1.ResetSupervisorRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResetSupervisorResponse>) responseObserver);
          break;
        case METHODID_RESET_OFFSETS:
          serviceImpl.resetOffsets((dev.streamvisor.v1.ResetOffsetsRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResetOffsetsResponse>) responseObserver);
          break;
        case METHODID_RESET_TO_LATEST_AND_BACKFILL:
          serviceImpl.resetToLatestAndBackfill((dev.streamvisor.v1.ResetToLatestAndBackfillRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.ResetToLatestAndBackfillResponse>) responseObserver);
          break;
        case METHODID_GET_COVERAGE:
          serviceImpl.getCoverage((dev.streamvisor.v1.GetCoverageRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetCoverageResponse>) responseObserver);
          break;
        case METHODID_GET_SUPERVISOR_HEALTH:
          serviceImpl.getSupervisorHealth((dev.streamvisor.v1.GetSupervisorHealthRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetSupervisorHealthResponse>) responseObserver);
          break;
        case METHODID_BATCH_SUSPEND_SUPERVISORS:
          serviceImpl.batchSuspendSupervisors((dev.streamvisor.v1.BatchSuspendSupervisorsRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.BatchSuspendSupervisorsResponse>) responseObserver);
          break;
        case METHODID_BATCH_RESUME_SUPERVISORS:
          serviceImpl.batchResumeSupervisors((dev.streamvisor.v1.BatchResumeSupervisorsRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.BatchResumeSupervisorsResponse>) responseObserver);
          break;
        case METHODID_BATCH_TERMINATE_SUPERVISORS:
          serviceImpl.batchTerminateSupervisors((dev.streamvisor.v1.BatchTerminateSupervisorsRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.BatchTerminateSupervisorsResponse>) responseObserver);
          break;
        case METHODID_GET_SUPERVISOR_STATS:
          serviceImpl.getSupervisorStats((dev.streamvisor.v1.GetSupervisorStatsRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.GetSupervisorStatsResponse>) responseObserver);
          break;
        case METHODID_HANDOFF_TASK_GROUPS:
          serviceImpl.handoffTaskGroups((dev.streamvisor.v1.HandoffTaskGroupsRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.HandoffTaskGroupsResponse>) responseObserver);
          break;
        case METHODID_LIST_SEGMENTS:
          serviceImpl.listSegments((dev.streamvisor.v1.ListSegmentsRequest) request,
              (io.grpc.stub.StreamObserver<dev.streamvisor.v1.ListSegmentsResponse>) responseObserver);
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
          getCreateSupervisorMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.CreateSupervisorRequest,
              dev.streamvisor.v1.CreateSupervisorResponse>(
                service, METHODID_CREATE_SUPERVISOR)))
        .addMethod(
          getGetSupervisorMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.GetSupervisorRequest,
              dev.streamvisor.v1.GetSupervisorResponse>(
                service, METHODID_GET_SUPERVISOR)))
        .addMethod(
          getListSupervisorsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.ListSupervisorsRequest,
              dev.streamvisor.v1.ListSupervisorsResponse>(
                service, METHODID_LIST_SUPERVISORS)))
        .addMethod(
          getUpdateSupervisorMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.UpdateSupervisorRequest,
              dev.streamvisor.v1.UpdateSupervisorResponse>(
                service, METHODID_UPDATE_SUPERVISOR)))
        .addMethod(
          getSuspendSupervisorMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.SuspendSupervisorRequest,
              dev.streamvisor.v1.SuspendSupervisorResponse>(
                service, METHODID_SUSPEND_SUPERVISOR)))
        .addMethod(
          getResumeSupervisorMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.ResumeSupervisorRequest,
              dev.streamvisor.v1.ResumeSupervisorResponse>(
                service, METHODID_RESUME_SUPERVISOR)))
        .addMethod(
          getTerminateSupervisorMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.TerminateSupervisorRequest,
              dev.streamvisor.v1.TerminateSupervisorResponse>(
                service, METHODID_TERMINATE_SUPERVISOR)))
        .addMethod(
          getListSupervisorHistoryMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.ListSupervisorHistoryRequest,
              dev.streamvisor.v1.ListSupervisorHistoryResponse>(
                service, METHODID_LIST_SUPERVISOR_HISTORY)))
        .addMethod(
          getGetOffsetsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.GetOffsetsRequest,
              dev.streamvisor.v1.GetOffsetsResponse>(
                service, METHODID_GET_OFFSETS)))
        .addMethod(
          getResetSupervisorMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.ResetSupervisorRequest,
              dev.streamvisor.v1.ResetSupervisorResponse>(
                service, METHODID_RESET_SUPERVISOR)))
        .addMethod(
          getResetOffsetsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.ResetOffsetsRequest,
              dev.streamvisor.v1.ResetOffsetsResponse>(
                service, METHODID_RESET_OFFSETS)))
        .addMethod(
          getResetToLatestAndBackfillMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.ResetToLatestAndBackfillRequest,
              dev.streamvisor.v1.ResetToLatestAndBackfillResponse>(
                service, METHODID_RESET_TO_LATEST_AND_BACKFILL)))
        .addMethod(
          getGetCoverageMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.GetCoverageRequest,
              dev.streamvisor.v1.GetCoverageResponse>(
                service, METHODID_GET_COVERAGE)))
        .addMethod(
          getGetSupervisorHealthMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.GetSupervisorHealthRequest,
              dev.streamvisor.v1.GetSupervisorHealthResponse>(
                service, METHODID_GET_SUPERVISOR_HEALTH)))
        .addMethod(
          getBatchSuspendSupervisorsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.BatchSuspendSupervisorsRequest,
              dev.streamvisor.v1.BatchSuspendSupervisorsResponse>(
                service, METHODID_BATCH_SUSPEND_SUPERVISORS)))
        .addMethod(
          getBatchResumeSupervisorsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.BatchResumeSupervisorsRequest,
              dev.streamvisor.v1.BatchResumeSupervisorsResponse>(
                service, METHODID_BATCH_RESUME_SUPERVISORS)))
        .addMethod(
          getBatchTerminateSupervisorsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.BatchTerminateSupervisorsRequest,
              dev.streamvisor.v1.BatchTerminateSupervisorsResponse>(
                service, METHODID_BATCH_TERMINATE_SUPERVISORS)))
        .addMethod(
          getGetSupervisorStatsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.GetSupervisorStatsRequest,
              dev.streamvisor.v1.GetSupervisorStatsResponse>(
                service, METHODID_GET_SUPERVISOR_STATS)))
        .addMethod(
          getHandoffTaskGroupsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.HandoffTaskGroupsRequest,
              dev.streamvisor.v1.HandoffTaskGroupsResponse>(
                service, METHODID_HANDOFF_TASK_GROUPS)))
        .addMethod(
          getListSegmentsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.streamvisor.v1.ListSegmentsRequest,
              dev.streamvisor.v1.ListSegmentsResponse>(
                service, METHODID_LIST_SEGMENTS)))
        .build();
  }

  private static abstract class SupervisorServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    SupervisorServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.streamvisor.v1.SupervisorServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("SupervisorService");
    }
  }

  private static final class SupervisorServiceFileDescriptorSupplier
      extends SupervisorServiceBaseDescriptorSupplier {
    SupervisorServiceFileDescriptorSupplier() {}
  }

  private static final class SupervisorServiceMethodDescriptorSupplier
      extends SupervisorServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    SupervisorServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (SupervisorServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new SupervisorServiceFileDescriptorSupplier())
              .addMethod(getCreateSupervisorMethod())
              .addMethod(getGetSupervisorMethod())
              .addMethod(getListSupervisorsMethod())
              .addMethod(getUpdateSupervisorMethod())
              .addMethod(getSuspendSupervisorMethod())
              .addMethod(getResumeSupervisorMethod())
              .addMethod(getTerminateSupervisorMethod())
              .addMethod(getListSupervisorHistoryMethod())
              .addMethod(getGetOffsetsMethod())
              .addMethod(getResetSupervisorMethod())
              .addMethod(getResetOffsetsMethod())
              .addMethod(getResetToLatestAndBackfillMethod())
              .addMethod(getGetCoverageMethod())
              .addMethod(getGetSupervisorHealthMethod())
              .addMethod(getBatchSuspendSupervisorsMethod())
              .addMethod(getBatchResumeSupervisorsMethod())
              .addMethod(getBatchTerminateSupervisorsMethod())
              .addMethod(getGetSupervisorStatsMethod())
              .addMethod(getHandoffTaskGroupsMethod())
              .addMethod(getListSegmentsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
