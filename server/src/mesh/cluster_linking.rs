//! Confluent Cluster Linking backend (placeholder; being written).
