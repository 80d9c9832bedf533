//! Stub: filled in by the credit-library work (issue 4).
