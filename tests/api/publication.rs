//! publication tests.
