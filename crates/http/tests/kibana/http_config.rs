//! Placeholder: ported by its owner.
