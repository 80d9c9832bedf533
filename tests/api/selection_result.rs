//! selection_result tests.
