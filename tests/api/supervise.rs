//! supervise tests.
