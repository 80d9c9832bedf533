//! Tests for this feature.
