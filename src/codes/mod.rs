//! Codes: one active QR code per household and per shop.
//!
//! A code's URL is `PUBLIC_URL/C/TOKEN`, upper case, so the QR symbol uses alphanumeric
//! mode. The token is 128 random bits in Crockford base32; the short check code is printed
//! under the symbol and shown on the page it opens, so a pasted-over fake stands out.

pub mod cache;
pub mod export;
pub mod landing;
pub mod lifecycle;
pub mod lookup;
pub mod manage;
pub mod model;
pub mod qr;
pub mod token;

pub use model::{Code, CodeKind};
