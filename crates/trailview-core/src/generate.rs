//! Deterministic generator of realistic mixed-dialect events (being written).
