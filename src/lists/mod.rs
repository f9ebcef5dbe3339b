//! Signed, versioned hash lists: format, importers, deltas, store and the radius index.
