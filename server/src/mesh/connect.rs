//! MirrorMaker 2 on Kafka Connect backend (placeholder; being written).
