//! pHash/dHash via image_hasher.
