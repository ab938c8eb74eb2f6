//! Email one-time codes for residents' sign-in.
//!
//! A 6-digit code is kept in Redis (as its SHA-256, with an attempt counter) for ten minutes.
//! Checking runs as one Lua script on one key, so concurrent guesses cannot race past the
//! attempt limit; the code is deleted on success (single use).

use crate::error::{ErrorCode, Refusal};
use crate::i18n::Message;
use crate::redis_store::RedisStore;
use rand::Rng;
use sha2::{Digest, Sha256};

/// How long a code is valid.
pub const TTL_SECONDS: u64 = 600;
/// Wrong guesses allowed per code.
pub const MAX_ATTEMPTS: u32 = 5;
/// Wrong guesses allowed per address per day, across all its codes.
pub const MAX_WRONG_PER_DAY: u32 = 10;

/// Why a code was not accepted (words: `reason.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpError {
    /// No code (never sent, expired, or already used).
    Expired,
    /// Wrong code; this many tries remain.
    Wrong { left: u32 },
    /// Too many wrong guesses: the code is void.
    TooManyAttempts,
}

impl OtpError {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            OtpError::Expired => "code_expired",
            OtpError::Wrong { .. } => "code_wrong",
            OtpError::TooManyAttempts => "code_attempts_exceeded",
        }
    }
}

impl Refusal for OtpError {
    fn code(&self) -> &'static str {
        OtpError::code(*self)
    }

    /// Too many wrong guesses is a rate limit (429); an expired or wrong code is 422.
    fn error_code(&self) -> ErrorCode {
        match self {
            OtpError::TooManyAttempts => ErrorCode::RateLimited,
            _ => ErrorCode::InvalidInput,
        }
    }

    /// `reason.<code>`; a wrong code says how many tries are left.
    fn message(&self) -> Message {
        let m = Message::new(format!("reason.{}", self.code()));
        match self {
            OtpError::Wrong { left } => m.text("left", left),
            _ => m,
        }
    }

    fn examples() -> Vec<Self> {
        vec![
            OtpError::Expired,
            OtpError::Wrong { left: 3 },
            OtpError::TooManyAttempts,
        ]
    }
}

fn key(redis: &RedisStore, email: &str) -> String {
    redis.key(&format!(
        "otp:{}",
        hex::encode(Sha256::digest(email.as_bytes()))
    ))
}

fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// Make a new code for `email` (replacing any earlier one) and return it for the mail.
pub async fn issue(redis: &RedisStore, email: &str) -> redis::RedisResult<String> {
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let mut c = redis.conn();
    let k = key(redis, email);
    let _: () = redis::pipe()
        .atomic()
        .del(&k)
        .hset(&k, "h", hash(&code))
        .hset(&k, "n", 0)
        .expire(&k, TTL_SECONDS as i64)
        .query_async(&mut c)
        .await?;
    Ok(code)
}

/// Returns -1 (no code), -2 (attempts used up: the code is deleted), -3 (right: deleted,
/// single use), or the number of tries left (≥ 1) after a wrong guess.
const CHECK: &str = r#"
local h = redis.call('HGET', KEYS[1], 'h')
if not h then return -1 end
if h == ARGV[1] then redis.call('DEL', KEYS[1]) return -3 end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local left = tonumber(ARGV[2]) - n
if left <= 0 then redis.call('DEL', KEYS[1]) return -2 end
return left
"#;

/// Check a code; on success it is used up.
pub async fn verify(
    redis: &RedisStore,
    email: &str,
    code: &str,
) -> redis::RedisResult<Result<(), OtpError>> {
    let mut c = redis.conn();
    let r: i64 = redis::Script::new(CHECK)
        .key(key(redis, email))
        .arg(hash(code.trim()))
        .arg(MAX_ATTEMPTS)
        .invoke_async(&mut c)
        .await?;
    Ok(match r {
        -3 => Ok(()),
        -1 => Err(OtpError::Expired),
        left if left >= 1 => Err(OtpError::Wrong { left: left as u32 }),
        _ => Err(OtpError::TooManyAttempts),
    })
}
