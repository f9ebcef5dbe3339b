//! Bounded image decoding.
