"""streamvisor: a gRPC control plane for streaming-ingestion supervisors."""
