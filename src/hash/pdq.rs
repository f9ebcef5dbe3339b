//! PDQ perceptual hash (port of Meta reference).
