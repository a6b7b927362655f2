"""Generated from protos/streamvisor/v1 by scripts/gen.sh. Do not edit."""
