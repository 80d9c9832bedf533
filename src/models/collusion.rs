//! Gathers the facts for `domain::collusion` from quotes, agencies and managers.
