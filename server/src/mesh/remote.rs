//! Shared pieces of the REST link backends (placeholder; being written).
