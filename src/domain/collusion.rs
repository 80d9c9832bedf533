//! Collusion signals of SPEC §3 (flagged to the regulator, never auto-punished).
