//! The catalogue of intermediary services and its changes (`src/catalogue`).

mod items;
