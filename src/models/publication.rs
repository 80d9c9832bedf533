//! Projects and announcement drafts, publication, changes and cancellation.
