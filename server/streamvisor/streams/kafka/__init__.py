"""Apache Kafka as a stream kind: `settings` (pure: spec rules, which consumer properties reach which
client), `adapter` (the control plane's view, on confluent-kafka's AdminClient), `reader` (the worker's
consumer) and `kind` (the StreamKind the registry holds). Importing this package imports no client."""
