//! Supervision (issue 15): the exposure record and the price and conduct signals.

mod exposure;
mod signals;
