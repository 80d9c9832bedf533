//! Random inspections 双随机、一公开 (`src/inspections`): the pool, the task and its bad
//! input, publication, the draw and its proofs, recusal, results and their credit record,
//! authorisation and CSRF rows.

mod browser;
mod demo;
mod tasks;
