//! What the benches share: the seeded PRNG, latency statistics and result
//! files, and the HTTP load client. Each bench uses a part of it.
#![allow(dead_code)]

pub mod load;
pub mod report;
pub mod rng;
