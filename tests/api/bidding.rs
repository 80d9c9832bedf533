//! bidding tests.
