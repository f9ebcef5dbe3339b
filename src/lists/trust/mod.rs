//! Trust: who may sign lists and how a device checks it (issuer keys and trusted key sets).

pub mod keys;
