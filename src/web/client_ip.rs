//! The client's IP address, trusting X-Forwarded-For only from the configured proxy.

use actix_web::HttpRequest;

/// The peer address, or the last X-Forwarded-For hop when the peer is the trusted proxy.
pub fn client_ip(req: &HttpRequest, trusted_proxy: &str) -> String {
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    if !trusted_proxy.is_empty() && peer == trusted_proxy {
        if let Some(forwarded) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|s| s.trim().to_owned())
            .filter(|s| s.parse::<std::net::IpAddr>().is_ok())
        {
            return forwarded;
        }
    }
    peer
}
