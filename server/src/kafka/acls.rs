//! ACLs through librdkafka's admin API (placeholder; being written).
