"""RabbitMQ Streams as a stream kind: `settings` (pure: spec rules, the connection URL parsed once),
`client` (the stream-protocol logic on rstream, shared by both sides), `adapter` (the control plane's
view), `reader` (the worker's) and `kind` (the StreamKind the registry holds). Importing this package
or `settings` or `kind` never imports rstream: a Kafka-only deployment need not install it."""
