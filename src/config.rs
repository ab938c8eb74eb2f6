//! Configuration: `config/default.toml`, then `config/local.toml` if present, then
//! environment variables `MASHANG__SECTION__KEY` (highest precedence).

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The whole configuration, one struct per section of `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub assets: AssetSettings,
    pub session: SessionSettings,
    pub security: SecuritySettings,
    pub import: ImportSettings,
    pub landing: LandingSettings,
    pub log: LogSettings,
    pub mail: MailSettings,
    pub jobs: JobSettings,
    pub storage: StorageSettings,
    pub reports: ReportSettings,
    pub points: PointsSettings,
    pub print: PrintSettings,
}

/// `[mail]`: the SMTP server mail goes out through.
#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    /// "none", "starttls" or "tls".
    pub tls: String,
    pub username: String,
    pub password: String,
    pub from: String,
    pub timeout_seconds: u64,
}

/// `[jobs]`: background work.
#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    pub enabled: bool,
    pub escalation_interval_seconds: u64,
    pub mail_interval_seconds: u64,
    pub auto_close_days: u32,
}

/// `[storage]`: where photos are kept.
#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    pub dir: PathBuf,
}

/// `[reports]`: snap-report intake.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportSettings {
    pub categories: PathBuf,
    pub max_photos: usize,
    pub max_photo_bytes: usize,
    /// Most memory processing one photo may take (bytes, every buffer counted, estimated
    /// from the header before decoding); a photo needing more is refused.
    pub photo_memory_budget: u64,
    /// How many photos of the largest accepted size may be processed at once in this
    /// process (smaller ones share the same allowance of budget × this).
    pub photo_decodes_at_once: usize,
    pub max_upload_bytes: usize,
    /// Grid code of the queue for reports with neither a code nor a usable location
    /// ("" = the first street office).
    pub fallback_grid: String,
    pub similar_radius_m: f64,
    pub anonymous_per_ip_per_hour: u32,
    pub anonymous_per_code_per_hour: u32,
}

/// `[points]`: volunteer points limits, holds and the redemption rate.
#[derive(Debug, Clone, Deserialize)]
pub struct PointsSettings {
    pub daily_award_cap: i64,
    pub max_award: i64,
    pub resident_daily_spend_limit: i64,
    pub merchant_daily_limit: i64,
    pub max_spend: i64,
    pub hold_ttl_seconds: i64,
    /// Yuan of discount per point, unless `rates` names the community.
    pub rate_default: f64,
    /// Yuan of discount per point by community grid code (e.g. `GY-01 = 0.2`).
    #[serde(default)]
    pub rates: std::collections::HashMap<String, f64>,
    pub job_interval_seconds: u64,
    /// Minutes before an activity starts when volunteers may begin checking in.
    pub checkin_early_minutes: i64,
    /// Points earned by taking part, per rule.
    pub earn: EarnSettings,
}

/// `[points.earn]`: points a resident earns by taking part (0 turns a rule off). An
/// activity's points are set per activity.
#[derive(Debug, Clone, Deserialize)]
pub struct EarnSettings {
    /// A report that staff accepted as a valid case.
    pub report_accepted: i64,
    /// Rating the handling of one's resolved case.
    pub case_rated: i64,
    /// Casting a ballot in a poll.
    pub poll_participation: i64,
}

impl PointsSettings {
    /// The discount per point in a community (by grid code, case-insensitive).
    pub fn rate_for(&self, community_code: &str) -> f64 {
        self.rates
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(community_code))
            .map(|(_, v)| *v)
            .unwrap_or(self.rate_default)
    }
}

/// `[print]`: printed code sheets.
#[derive(Debug, Clone, Deserialize)]
pub struct PrintSettings {
    /// Directory of the typst templates (`door-labels.typ`, ...).
    pub templates_dir: PathBuf,
    /// Font files (TTF/OTF/TTC) the sheets are set in; static CJK fonts only.
    pub fonts: Vec<PathBuf>,
    /// Most codes one batch may print; larger batches are refused naming this limit.
    pub max_codes_per_batch: usize,
    /// Sheets laid out per typst run: the output grows by this many pages at a time, so
    /// memory stays flat however large the batch.
    pub sheets_per_chunk: usize,
}

/// `[server]`: where to listen and what URL printed codes carry.
#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub public_url: String,
    pub workers: usize,
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    pub trusted_proxy: String,
    pub shutdown_timeout_seconds: u64,
    /// Longest pause between two chunks of a request body.
    pub body_idle_seconds: u64,
    /// Longest time a whole request body may take.
    pub body_total_seconds: u64,
    /// Networks (CIDR) that may read `/metrics` and `/readyz` details.
    pub operations_networks: Vec<String>,
    /// Most requests one instance handles at once; the next is refused with 503
    /// `overloaded` and `Retry-After` instead of waiting in a queue (0 = no limit).
    pub max_in_flight: usize,
}

impl ServerSettings {
    /// Whether `ip` is in one of the operations networks.
    pub fn is_operations_client(&self, ip: &str) -> bool {
        let Ok(ip) = ip.parse::<std::net::IpAddr>() else {
            return false;
        };
        self.operations_networks
            .iter()
            .filter_map(|n| n.parse::<ipnet::IpNet>().ok())
            .any(|n| n.contains(&ip))
    }
}

/// `[database]`: PostgreSQL.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: usize,
}

/// `[redis]`: sessions, rate limits, (later) live points.
#[derive(Debug, Clone, Deserialize)]
pub struct RedisSettings {
    pub url: String,
    pub key_prefix: String,
}

/// `[assets]`: templates, static files, translations.
#[derive(Debug, Clone, Deserialize)]
pub struct AssetSettings {
    pub dir: PathBuf,
}

/// `[session]`: staff sessions.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionSettings {
    /// Idle lifetime: a session unused this long ends.
    pub ttl_seconds: u64,
    pub cookie_secure: bool,
    /// Absolute lifetime: a session ends this long after it started, even if in use.
    pub absolute_lifetime_seconds: u64,
}

/// `[security]`: sign-in rate limits.
#[derive(Debug, Clone, Deserialize)]
pub struct SecuritySettings {
    /// Key for HMAC-signed capability links (rating, follower confirmation).
    pub secret_key: String,
    pub follows_per_ip_per_hour: u32,
    pub follows_per_case_per_hour: u32,
    pub login_attempts_per_user: u32,
    pub login_attempts_per_ip: u32,
    pub login_window_seconds: u64,
}

/// `[import]`: household and shop imports.
#[derive(Debug, Clone, Deserialize)]
pub struct ImportSettings {
    pub max_rows: usize,
    pub max_sheet_rows: u32,
    pub max_columns: u32,
    pub max_unzipped_bytes: u64,
}

impl ImportSettings {
    /// The parser's bounds.
    pub fn limits(&self) -> crate::grids::import_parse::Limits {
        crate::grids::import_parse::Limits {
            max_rows: self.max_rows,
            max_sheet_rows: self.max_sheet_rows,
            max_columns: self.max_columns,
            max_unzipped_bytes: self.max_unzipped_bytes,
        }
    }
}

/// `[landing]`: the page a scan opens.
#[derive(Debug, Clone, Deserialize)]
pub struct LandingSettings {
    pub news_items: i64,
    pub cache_seconds: u64,
}

/// `[log]`: tracing output.
#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: String,
    pub filter: String,
}

impl Settings {
    /// Load from `dir` (normally `config/`, or `MASHANG_CONFIG_DIR`) and the environment.
    pub fn load_from(dir: &Path) -> Result<Settings, config::ConfigError> {
        let settings: Settings = config::Config::builder()
            .add_source(config::File::from(dir.join("default.toml")))
            .add_source(config::File::from(dir.join("local.toml")).required(false))
            .add_source(
                config::Environment::with_prefix("MASHANG")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Load from the default place: `$MASHANG_CONFIG_DIR` or `./config`.
    pub fn load() -> Result<Settings, config::ConfigError> {
        let dir = std::env::var_os("MASHANG_CONFIG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("config"));
        Self::load_from(&dir)
    }

    fn validate(&self) -> Result<(), config::ConfigError> {
        let url = url::Url::parse(&self.server.public_url).map_err(|e| {
            config::ConfigError::Message(format!("server.public_url is not a URL: {e}"))
        })?;
        // Codes are PUBLIC_URL/C/TOKEN and the whole URL is upper-cased for the QR
        // symbol's alphanumeric mode, so a path prefix (which would be case-sensitive
        // behind most proxies) is not supported.
        if url.path() != "/" || url.query().is_some() {
            return Err(config::ConfigError::Message(
                "server.public_url must have no path or query (codes are PUBLIC_URL/C/TOKEN)"
                    .into(),
            ));
        }
        if let Some(bad) = self
            .server
            .operations_networks
            .iter()
            .find(|n| n.parse::<ipnet::IpNet>().is_err())
        {
            return Err(config::ConfigError::Message(format!(
                "server.operations_networks: {bad:?} is not a network like 10.0.0.0/8"
            )));
        }
        if self.security.secret_key.len() < 32 {
            return Err(config::ConfigError::Message(
                "security.secret_key must be at least 32 characters".into(),
            ));
        }
        if self.session.cookie_secure && self.security.secret_key.starts_with("development-only") {
            return Err(config::ConfigError::Message(
                "security.secret_key is the development value: set your own for a deployment \
                 served over HTTPS"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The public base URL without a trailing slash.
    pub fn public_base(&self) -> &str {
        self.server.public_url.trim_end_matches('/')
    }
}
