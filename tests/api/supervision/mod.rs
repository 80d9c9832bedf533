//! Supervision (issue 15): the exposure record and the price and conduct signals.

mod demo;
mod exposure;
mod signals;
